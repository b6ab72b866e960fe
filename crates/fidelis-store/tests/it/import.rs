//! Import behaviour, asserted identically on both backends: encodings, French formats, upserts,
//! rejects for a corpus of bad files, atomicity.

use crate::harness::{TestDb, both};
use chrono::NaiveDate;
use fidelis_domain::Entity;
use fidelis_store::import::{ImportOptions, ImportSummary, import_file};
use fidelis_store::{ImportError, Store};
use std::path::PathBuf;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 22).unwrap()
}

/// Writes `bytes` to a file named `name` in a fresh directory kept alive by the returned guard.
fn file(name: &str, bytes: &[u8]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    (dir, path)
}

async fn import(
    store: &Store,
    entity: Entity,
    name: &str,
    bytes: &[u8],
) -> Result<ImportSummary, ImportError> {
    let (_dir, path) = file(name, bytes);
    import_file(store, &path, &ImportOptions::new(entity, today()), &|_| {}).await
}

async fn import_ok(store: &Store, entity: Entity, bytes: &[u8]) -> ImportSummary {
    let summary = import(store, entity, "data.csv", bytes).await.unwrap();
    assert_eq!(
        summary.rejected, 0,
        "unexpected rejects: {:?}",
        summary.first_rejects
    );
    summary
}

async fn rows(store: &Store, entity: Entity) -> i64 {
    store
        .counts()
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.entity == entity)
        .unwrap()
        .rows
}

/// Channels, products and three customers that the other files refer to.
async fn seed(store: &Store) {
    import_ok(store, Entity::Channels, b"id,name,kind,cost_per_contact,cost_per_minute\nWEB,Web,web,0.20,0\nCC,Centre d'appels,call_centre,4.00,0.80\n").await;
    import_ok(store, Entity::Products, b"id,name,category,kind,price,unit_cost,complexity\nP1,Forfait 20 Go,mobile,subscription,19.99,6.50,1\nP2,Assurance vie,wealth,contract,100,20,5\n").await;
    import_ok(store, Entity::Customers, b"id,first_name,last_name,email\nC1,Anne,Durand,anne@example.fr\nC2,Paul,Martin,\nC3,Lea,Petit,lea@example.fr\n").await;
}

both!(french_latin1_file_survives, |db: TestDb| async move {
    seed(&db.store).await;
    // Windows-1252 / Latin-1 bytes: é = E9, ç = E7, ë = EB, € = 80; semicolons; French names and formats.
    let mut bytes = b"Identifiant;Pr\xe9nom;Nom;Courriel;T\xe9l\xe9phone;Ville;Date de naissance;Solvable;Statut;Tranche patrimoine;attr.carte;Canal d'acquisition\n".to_vec();
    bytes.extend_from_slice(b"C10;Fran\xe7oise;No\xebl;Francoise.Noel@Example.FR;06 12 34 56 78;B\xe9ziers;31/12/1980;oui;actif;tr\xe8s \xe9lev\xe9;Or 5\x80;WEB\n");
    let summary = import(&db.store, Entity::Customers, "clients.csv", &bytes)
        .await
        .unwrap();
    assert_eq!(
        (summary.read, summary.inserted, summary.rejected),
        (1, 1, 0),
        "{:?}",
        summary.first_rejects
    );
    assert_eq!(summary.encoding, "windows-1252");
    let c = db
        .store
        .customer("C10")
        .await
        .unwrap()
        .expect("customer C10");
    assert_eq!(c.first_name.as_deref(), Some("Françoise"));
    assert_eq!(c.last_name.as_deref(), Some("Noël"));
    assert_eq!(c.city.as_deref(), Some("Béziers"));
    assert_eq!(c.email.as_deref(), Some("francoise.noel@example.fr"));
    assert_eq!(c.phone.as_deref(), Some("+33612345678"));
    assert_eq!(c.birth_date, NaiveDate::from_ymd_opt(1980, 12, 31));
    assert_eq!(c.assets_band.as_deref(), Some("very_high"));
    assert_eq!(c.acquisition_channel.as_deref(), Some("WEB"));
    assert!(c.solvent);
    assert_eq!(
        c.attributes.get("carte").and_then(|v| v.as_str()),
        Some("Or 5€")
    );
});

both!(utf8_bom_and_french_amounts, |db: TestDb| async move {
    seed(&db.store).await;
    let text = "\u{feff}id;client;produit;date;montant;remise\nT1;C1;P1;31/12/2024 14:05;1 234,56;0,50\nT2;C1;P1;2024-12-31T15:05:00+01:00;1.234,56;\nT3;C2;P2;2024-12-31;1234.56 €;\n";
    let s = import_ok(&db.store, Entity::Transactions, text.as_bytes()).await;
    assert_eq!((s.read, s.inserted), (3, 3));
    assert_eq!(rows(&db.store, Entity::Transactions).await, 3);
});

both!(
    reimport_changes_nothing_and_changes_are_updates,
    |db: TestDb| async move {
        seed(&db.store).await;
        let v1 = b"id,customer_id,product_id,channel_id,time,amount\nT1,C1,P1,WEB,2024-01-05T10:00:00Z,19.99\nT2,C2,P2,CC,2024-02-05T10:00:00Z,100\n";
        let first = import_ok(&db.store, Entity::Transactions, v1).await;
        assert_eq!((first.inserted, first.updated, first.unchanged), (2, 0, 0));
        let again = import_ok(&db.store, Entity::Transactions, v1).await;
        assert_eq!(
            (again.read, again.inserted, again.updated, again.unchanged),
            (2, 0, 0, 2)
        );
        let v2 = b"id,customer_id,product_id,channel_id,time,amount\nT1,C1,P1,WEB,2024-01-05T10:00:00Z,17.99\nT2,C2,P2,CC,2024-02-05T10:00:00Z,100\nT3,C3,P1,,2024-03-05,19.99\n";
        let changed = import_ok(&db.store, Entity::Transactions, v2).await;
        assert_eq!(
            (changed.inserted, changed.updated, changed.unchanged),
            (1, 1, 1)
        );
        // Files without ids get ids derived from their content, so they too re-import as unchanged.
        let usage =
            b"customer_id,period,metric,value\nC1,2024-05,calls,31\nC1,2024-06,calls,12,5\n";
        let s = import(&db.store, Entity::Usage, "u.csv", usage)
            .await
            .unwrap();
        assert_eq!((s.inserted, s.rejected), (1, 1));
        let interactions = b"customer_id,channel_id,direction,operation,time\nC1,CC,entrant,reclamation,2024-05-02 10:00\n";
        assert_eq!(
            import_ok(&db.store, Entity::Interactions, interactions)
                .await
                .inserted,
            1
        );
        let again = import_ok(&db.store, Entity::Interactions, interactions).await;
        assert_eq!((again.inserted, again.unchanged), (0, 1));
    }
);

/// One bad file: what it is, its text, the rejects expected (line, field, words of the reason) and the
/// rows that still get in.
struct BadFile {
    what: &'static str,
    entity: Entity,
    bytes: Vec<u8>,
    rejects: Vec<(u64, &'static str, &'static str)>,
    inserted: u64,
}

fn corpus() -> Vec<BadFile> {
    let tx_header = "id,customer_id,product_id,time,amount\n";
    let mut big_customers = b"id,first_name,last_name\n".to_vec();
    big_customers.extend_from_slice(b"C20,Big,");
    big_customers.extend(std::iter::repeat_n(b'x', 10 * 1024 * 1024));
    big_customers.extend_from_slice(b"\nC21,Small,Row\n");
    vec![
        BadFile {
            what: "wrong column count",
            entity: Entity::Transactions,
            bytes: format!("{tx_header}T1,C1,P1,2024-01-01,1\nT2,C1,P1,2024-01-01\nT3,C1,P1,2024-01-01,1,extra\nT4,C1,P1,2024-01-01,2\n").into_bytes(),
            rejects: vec![(3, "(row)", "5 fields as in the header, found 4"), (4, "(row)", "found 6")],
            inserted: 2,
        },
        BadFile {
            what: "truncated last line",
            entity: Entity::Transactions,
            bytes: format!("{tx_header}T11,C1,P1,2024-01-01,1\nT12,C1,P1,2024-0").into_bytes(),
            rejects: vec![(3, "(row)", "truncated")],
            inserted: 1,
        },
        BadFile {
            what: "invalid dates and amounts",
            entity: Entity::Transactions,
            bytes: format!("{tx_header}T21,C1,P1,2024-02-30,1\nT22,C1,P1,31/12/2024,12a\nT23,C1,P1,hier,-5\nT24,C1,P1,2024-01-01,1.005\nT25,C1,P1,2024-01-01,3\n").into_bytes(),
            rejects: vec![
                (2, "time", "date-time"),
                (3, "amount", "amount"),
                (4, "time", "date-time"),
                (4, "amount", "not negative"),
                (5, "amount", "at most 2 decimals"),
            ],
            inserted: 1,
        },
        BadFile {
            what: "unknown references",
            entity: Entity::Transactions,
            bytes: format!("{tx_header}T31,C404,P1,2024-01-01,1\nT32,C1,P404,2024-01-01,1\nT33,C1,P1,2024-01-01,1\n").into_bytes(),
            rejects: vec![(2, "customer_id", "unknown customer"), (3, "product_id", "unknown product")],
            inserted: 1,
        },
        BadFile {
            what: "duplicate ids inside a file",
            entity: Entity::Transactions,
            bytes: format!("{tx_header}T41,C1,P1,2024-01-01,1\nT42,C1,P1,2024-01-01,1\nT41,C2,P1,2024-01-01,9\n").into_bytes(),
            rejects: vec![(4, "id", "already on line 2")],
            inserted: 2,
        },
        BadFile {
            what: "a 10 MB field",
            entity: Entity::Customers,
            bytes: big_customers,
            rejects: vec![(2, "last_name", "at most 1024 bytes")],
            inserted: 1,
        },
        BadFile {
            what: "NUL bytes",
            entity: Entity::Customers,
            bytes: b"id,first_name,last_name\nC30,Jo\0e,Doe\nC31,Ann,Lee\n".to_vec(),
            rejects: vec![(2, "first_name", "NUL")],
            inserted: 1,
        },
        BadFile {
            what: "missing required value and bad enumeration",
            entity: Entity::Contracts,
            bytes: b"id,customer_id,product_id,start_date,status\nK1,C1,P2,,active\nK2,C1,P2,2024-01-01,frozen\nK3,C1,P2,2024-01-01,cancelled\nK4,C1,P2,2024-01-01,resili\xc3\xa9\n".to_vec(),
            rejects: vec![
                (2, "start_date", "required"),
                (3, "status", "one of active, ended, cancelled"),
                (4, "cancelled_on", "cancellation date"),
                (5, "cancelled_on", "cancellation date"),
            ],
            inserted: 0,
        },
    ]
}

both!(
    bad_files_give_the_right_rejects_and_nothing_else_changes,
    |db: TestDb| async move {
        seed(&db.store).await;
        for case in corpus() {
            let before = db.store.counts().await.unwrap();
            let target_before = rows(&db.store, case.entity).await;
            let (_dir, path) = file("bad.csv", &case.bytes);
            let summary = import_file(
                &db.store,
                &path,
                &ImportOptions::new(case.entity, today()),
                &|_| {},
            )
            .await
            .unwrap();
            assert_eq!(summary.inserted, case.inserted, "{}: inserted", case.what);
            let rejects_file = summary.rejects_file.clone().expect("a rejects file");
            let text = std::fs::read_to_string(&rejects_file).unwrap();
            let mut reader = csv::Reader::from_reader(text.as_bytes());
            let found: Vec<(u64, String, String)> = reader
                .records()
                .map(|r| {
                    let r = r.unwrap();
                    (r[0].parse().unwrap(), r[1].to_owned(), r[3].to_owned())
                })
                .collect();
            assert_eq!(
                found.len(),
                case.rejects.len(),
                "{}: rejects {found:?}",
                case.what
            );
            for ((line, field, words), (got_line, got_field, got_reason)) in
                case.rejects.iter().zip(&found)
            {
                assert_eq!(
                    (line, *field),
                    (got_line, got_field.as_str()),
                    "{}: {found:?}",
                    case.what
                );
                assert!(
                    got_reason.contains(words),
                    "{}: reason {got_reason:?} lacks {words:?}",
                    case.what
                );
            }
            let rejected_lines: std::collections::HashSet<u64> =
                case.rejects.iter().map(|r| r.0).collect();
            assert_eq!(
                summary.rejected,
                rejected_lines.len() as u64,
                "{}: rejected count",
                case.what
            );
            assert!(
                text.len() < 10_000,
                "{}: the rejects file copies at most a bounded part of each value",
                case.what
            );
            // Nothing else changed.
            let after = db.store.counts().await.unwrap();
            for (b, a) in before.iter().zip(&after) {
                let expected = if b.entity == case.entity {
                    target_before + case.inserted as i64
                } else {
                    b.rows
                };
                assert_eq!(a.rows, expected, "{}: rows of {}", case.what, a.entity);
            }
        }
    }
);

both!(sql_injection_is_stored_verbatim, |db: TestDb| async move {
    seed(&db.store).await;
    let evil = "Robert'); DROP TABLE customers;--";
    let text = format!(
        "id,first_name,last_name,city\n\"C40\",\"{evil}\",\"x\"\" OR 1=1 --\",\"<script>alert(1)</script>\"\n"
    );
    import_ok(&db.store, Entity::Customers, text.as_bytes()).await;
    let c = db.store.customer("C40").await.unwrap().unwrap();
    assert_eq!(c.first_name.as_deref(), Some(evil));
    assert_eq!(c.last_name.as_deref(), Some("x\" OR 1=1 --"));
    assert_eq!(c.city.as_deref(), Some("<script>alert(1)</script>"));
    assert_eq!(rows(&db.store, Entity::Customers).await, 4);
    assert!(db.store.customer("' OR '1'='1").await.unwrap().is_none());
});

both!(
    header_problems_stop_before_writing,
    |db: TestDb| async move {
        seed(&db.store).await;
        let err = import(
            &db.store,
            Entity::Customers,
            "c.csv",
            b"id,shoe_size\nC50,42\n",
        )
        .await
        .unwrap_err();
        let message = err.to_string();
        assert!(
            message.contains("c.csv, line 1") && message.contains("unknown column \"shoe_size\""),
            "{message}"
        );
        let err = import(
            &db.store,
            Entity::Transactions,
            "t.csv",
            b"id,customer_id,time\n",
        )
        .await
        .unwrap_err();
        assert!(
            err.to_string()
                .contains("missing required column(s) product_id, amount"),
            "{err}"
        );
        let err = import(&db.store, Entity::Customers, "empty.csv", b"")
            .await
            .unwrap_err();
        assert!(err.to_string().contains("empty"), "{err}");
        assert_eq!(rows(&db.store, Entity::Customers).await, 3);
    }
);

both!(
    a_failure_mid_file_leaves_the_store_as_it_was,
    |db: TestDb| async move {
        seed(&db.store).await;
        // A trigger makes the database refuse one row deep in the file, after several batches were written.
        let trigger = if db.url.starts_with("sqlite") {
            "CREATE TRIGGER refuse BEFORE INSERT ON customers WHEN NEW.external_id = 'X11000' BEGIN SELECT RAISE(ABORT, 'refused'); END;".to_owned()
        } else {
            "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NEW.external_id = 'X11000' THEN RAISE EXCEPTION 'refused'; END IF; RETURN NEW; END $$; \
         CREATE TRIGGER refuse BEFORE INSERT ON customers FOR EACH ROW EXECUTE FUNCTION refuse();".to_owned()
        };
        let pool_url = db.url.clone();
        execute(&pool_url, &trigger).await;
        let mut text = String::from("id,first_name,last_name\nC1,Anne-Changed,Durand\n");
        for i in 0..12_000 {
            text.push_str(&format!("X{i},First{i},Last{i}\n"));
        }
        let err = import(&db.store, Entity::Customers, "big.csv", text.as_bytes())
            .await
            .unwrap_err();
        assert!(matches!(err, ImportError::Database { .. }), "{err}");
        assert_eq!(rows(&db.store, Entity::Customers).await, 3);
        let c1 = db.store.customer("C1").await.unwrap().unwrap();
        assert_eq!(
            c1.first_name.as_deref(),
            Some("Anne"),
            "the update of C1 was rolled back"
        );
    }
);

both!(jsonl_mapping_and_all_or_nothing, |db: TestDb| async move {
    seed(&db.store).await;
    let jsonl = "{\"id\":\"C60\",\"prenom\":\"Zoé\",\"solvable\":false,\"latitude\":48.85,\"attr.vip\":\"oui\"}\n\n{\"id\":\"C61\",\"unknown\":1}\n[1,2]\n";
    let s = import(&db.store, Entity::Customers, "c.jsonl", jsonl.as_bytes())
        .await
        .unwrap();
    assert_eq!(
        (s.read, s.inserted, s.rejected),
        (3, 1, 2),
        "{:?}",
        s.first_rejects
    );
    assert_eq!(s.first_rejects[0].line, 3);
    assert_eq!(s.first_rejects[1].line, 4);
    let c = db.store.customer("C60").await.unwrap().unwrap();
    assert_eq!(
        (c.first_name.as_deref(), c.solvent, c.latitude),
        (Some("Zoé"), false, Some(48.85))
    );
    assert_eq!(
        c.attributes.get("vip").and_then(|v| v.as_str()),
        Some("oui")
    );

    let (_dir, path) = file("m.csv", b"Num client,Surname\nC70,Blanc\nC71,\n");
    let mut options = ImportOptions::new(Entity::Customers, today());
    options.mappings = vec![
        ("Num client".into(), "id".into()),
        ("Surname".into(), "last_name".into()),
    ];
    let s = import_file(&db.store, &path, &options, &|_| {})
        .await
        .unwrap();
    assert_eq!(s.inserted, 2);
    assert_eq!(
        db.store
            .customer("C70")
            .await
            .unwrap()
            .unwrap()
            .last_name
            .as_deref(),
        Some("Blanc")
    );

    let (_dir, path) = file("a.csv", b"id,birth_date\nC80,1990-01-01\nC81,2999-01-01\n");
    let mut options = ImportOptions::new(Entity::Customers, today());
    options.all_or_nothing = true;
    let s = import_file(&db.store, &path, &options, &|_| {})
        .await
        .unwrap();
    assert!(!s.committed);
    assert_eq!((s.rejected, s.inserted), (1, 0));
    assert!(db.store.customer("C80").await.unwrap().is_none());
});

/// Runs raw SQL on the test database through its own connection.
async fn execute(url: &str, sql: &str) {
    if url.starts_with("sqlite") {
        let mut c = <sqlx::SqliteConnection as sqlx::Connection>::connect(url)
            .await
            .unwrap();
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))
            .execute(&mut c)
            .await
            .unwrap();
    } else {
        let mut c = <sqlx::PgConnection as sqlx::Connection>::connect(url)
            .await
            .unwrap();
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))
            .execute(&mut c)
            .await
            .unwrap();
    }
}
