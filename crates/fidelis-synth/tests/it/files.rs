//! File-level checks: exact headers, unique ids and natural keys, resolving references, value formats.

use std::collections::HashSet;

use fidelis_synth::Entity;

use crate::{Table, read, small};

/// The column lists of docs/data-format.md, copied by hand so a change on either side is noticed.
const SPEC: [(&str, &str); 14] = [
    (
        "channels",
        "id,name,kind,cost_per_contact,cost_per_minute,currency",
    ),
    (
        "stores",
        "id,name,city,postcode,latitude,longitude,opened_on",
    ),
    (
        "products",
        "id,name,category,kind,price,unit_cost,currency,complexity,launch_date",
    ),
    (
        "customers",
        "id,first_name,last_name,email,phone,address,postcode,city,country,latitude,longitude,birth_date,gender,household_id,income_band,assets_band,solvent,status,acquisition_date,acquisition_channel",
    ),
    ("consents", "customer_id,channel,purpose,status,date"),
    (
        "campaigns",
        "id,name,objective,channel_id,start_date,end_date,cost_per_contact,currency,control_share",
    ),
    (
        "transactions",
        "id,customer_id,product_id,channel_id,store_id,time,kind,quantity,amount,cost,discount,currency",
    ),
    (
        "contracts",
        "id,customer_id,product_id,channel_id,start_date,end_date,status,monthly_fee,currency,cancelled_on,cancellation_reason",
    ),
    ("usage", "customer_id,period,metric,value"),
    (
        "interactions",
        "id,customer_id,channel_id,direction,operation,time,duration_seconds,agent,outcome,cost,campaign_id,currency",
    ),
    ("life_events", "id,customer_id,kind,date,details"),
    (
        "complaints",
        "id,customer_id,category,department,product_id,channel_id,opened_at,first_response_at,resolved_at,status,compensation,currency,text",
    ),
    ("surveys", "id,customer_id,date,kind,score,comment"),
    (
        "campaign_members",
        "campaign_id,customer_id,group,contacted_at",
    ),
];

#[test]
fn headers_match_the_import_format() {
    let set = small();
    assert_eq!(Entity::ALL.len(), SPEC.len());
    for entity in Entity::ALL {
        let want = SPEC.iter().find(|s| s.0 == entity.name()).map(|s| s.1);
        assert_eq!(
            Some(entity.columns().join(",")).as_deref(),
            want,
            "{}",
            entity.name()
        );
        let text = std::fs::read_to_string(set.dir.join(entity.file_name())).unwrap_or_default();
        assert_eq!(text.lines().next(), want, "{}", entity.name());
    }
}

#[test]
fn summary_counts_the_rows_written() {
    let set = small();
    for f in &set.summary.files {
        let table = read(&set.dir, f.entity);
        assert_eq!(table.rows.len() as u64, f.rows, "{}", f.file);
        assert!(f.rows > 0, "{} is empty", f.file);
    }
    assert_eq!(set.summary.rows(Entity::Customers), 600);
}

fn unique(table: &Table, cols: &[&str], what: &str) -> HashSet<String> {
    let idx: Vec<usize> = cols.iter().map(|c| table.col(c)).collect();
    let mut seen = HashSet::new();
    for row in &table.rows {
        let key = idx
            .iter()
            .map(|&i| row[i].as_str())
            .collect::<Vec<_>>()
            .join("|");
        assert!(!key.is_empty(), "{what}: empty key");
        assert!(seen.insert(key.clone()), "{what}: duplicate key {key}");
    }
    seen
}

#[test]
fn ids_and_natural_keys_are_unique() {
    let set = small();
    for entity in Entity::ALL {
        let table = read(&set.dir, entity);
        let key: &[&str] = match entity {
            Entity::Usage => &["customer_id", "period", "metric"],
            Entity::Consents => &["customer_id", "channel", "purpose"],
            Entity::CampaignMembers => &["campaign_id", "customer_id"],
            _ => &["id"],
        };
        unique(&table, key, entity.name());
    }
}

#[test]
fn every_reference_resolves() {
    let set = small();
    let ids = |e: Entity| -> HashSet<String> {
        read(&set.dir, e)
            .column("id")
            .into_iter()
            .map(str::to_owned)
            .collect()
    };
    let customers = ids(Entity::Customers);
    let products = ids(Entity::Products);
    let channels = ids(Entity::Channels);
    let stores = ids(Entity::Stores);
    let campaigns = ids(Entity::Campaigns);
    let checks: [(Entity, &str, &HashSet<String>, bool); 15] = [
        (Entity::Customers, "acquisition_channel", &channels, false),
        (Entity::Consents, "customer_id", &customers, true),
        (Entity::Transactions, "customer_id", &customers, true),
        (Entity::Transactions, "product_id", &products, true),
        (Entity::Transactions, "channel_id", &channels, false),
        (Entity::Transactions, "store_id", &stores, false),
        (Entity::Contracts, "customer_id", &customers, true),
        (Entity::Contracts, "product_id", &products, true),
        (Entity::Usage, "customer_id", &customers, true),
        (Entity::Interactions, "channel_id", &channels, true),
        (Entity::Interactions, "campaign_id", &campaigns, false),
        (Entity::Complaints, "product_id", &products, false),
        (Entity::Surveys, "customer_id", &customers, true),
        (Entity::CampaignMembers, "customer_id", &customers, true),
        (Entity::CampaignMembers, "campaign_id", &campaigns, true),
    ];
    for (entity, col, targets, required) in checks {
        for v in read(&set.dir, entity).column(col) {
            if v.is_empty() {
                assert!(!required, "{}.{col} empty", entity.name());
            } else {
                assert!(
                    targets.contains(v),
                    "{}.{col} = {v} does not resolve",
                    entity.name()
                );
            }
        }
    }
    for entity in [
        Entity::Interactions,
        Entity::LifeEvents,
        Entity::Complaints,
        Entity::Contracts,
    ] {
        for v in read(&set.dir, entity).column("customer_id") {
            assert!(customers.contains(v), "{}.customer_id = {v}", entity.name());
        }
    }
}

fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && s.chars()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
        && chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok()
}

fn is_time(s: &str) -> bool {
    s.len() == 20
        && s.ends_with('Z')
        && is_date(&s[..10])
        && chrono::NaiveDateTime::parse_from_str(&s[..19], "%Y-%m-%dT%H:%M:%S").is_ok()
}

fn is_amount(s: &str) -> bool {
    let Some((int, dec)) = s.split_once('.') else {
        return false;
    };
    !int.is_empty()
        && int.chars().all(|c| c.is_ascii_digit())
        && dec.len() == 2
        && dec.chars().all(|c| c.is_ascii_digit())
}

fn check(
    set_dir: &std::path::Path,
    entity: Entity,
    col: &str,
    ok: fn(&str) -> bool,
    optional: bool,
) {
    for v in read(set_dir, entity).column(col) {
        if optional && v.is_empty() {
            continue;
        }
        assert!(ok(v), "{}.{col}: bad value {v:?}", entity.name());
    }
}

#[test]
fn values_have_the_documented_formats() {
    let dir = &small().dir;
    let dates = [
        (Entity::Stores, "opened_on", false),
        (Entity::Products, "launch_date", false),
        (Entity::Customers, "birth_date", false),
        (Entity::Customers, "acquisition_date", false),
        (Entity::Consents, "date", false),
        (Entity::Campaigns, "start_date", false),
        (Entity::Campaigns, "end_date", false),
        (Entity::Contracts, "start_date", false),
        (Entity::Contracts, "end_date", true),
        (Entity::Contracts, "cancelled_on", true),
        (Entity::LifeEvents, "date", false),
        (Entity::Surveys, "date", false),
    ];
    for (e, c, opt) in dates {
        check(dir, e, c, is_date, opt);
    }
    let times = [
        (Entity::Transactions, "time", false),
        (Entity::Interactions, "time", false),
        (Entity::Complaints, "opened_at", false),
        (Entity::Complaints, "first_response_at", true),
        (Entity::Complaints, "resolved_at", true),
        (Entity::CampaignMembers, "contacted_at", true),
    ];
    for (e, c, opt) in times {
        check(dir, e, c, is_time, opt);
    }
    let amounts = [
        (Entity::Channels, "cost_per_contact"),
        (Entity::Channels, "cost_per_minute"),
        (Entity::Products, "price"),
        (Entity::Products, "unit_cost"),
        (Entity::Transactions, "amount"),
        (Entity::Transactions, "cost"),
        (Entity::Transactions, "discount"),
        (Entity::Contracts, "monthly_fee"),
        (Entity::Complaints, "compensation"),
        (Entity::Campaigns, "cost_per_contact"),
    ];
    for (e, c) in amounts {
        check(dir, e, c, is_amount, false);
    }
    check(
        dir,
        Entity::Customers,
        "solvent",
        |v| v == "true" || v == "false",
        false,
    );
    check(
        dir,
        Entity::Usage,
        "period",
        |v| is_date(&format!("{v}-01")) && v.len() == 7,
        false,
    );
    check(
        dir,
        Entity::Usage,
        "value",
        |v| v.parse::<u64>().is_ok(),
        false,
    );
    check(
        dir,
        Entity::Interactions,
        "duration_seconds",
        |v| v.parse::<u32>().is_ok(),
        false,
    );
    check(
        dir,
        Entity::Surveys,
        "score",
        |v| v.parse::<u8>().is_ok_and(|s| s <= 10),
        false,
    );
    let enums: [(Entity, &str, &[&str]); 14] = [
        (
            Entity::Channels,
            "kind",
            &[
                "store",
                "call_centre",
                "web",
                "app",
                "email",
                "sms",
                "mail",
                "adviser",
                "telesales",
                "social",
            ],
        ),
        (
            Entity::Products,
            "kind",
            &["one_off", "subscription", "contract"],
        ),
        (Entity::Customers, "gender", &["F", "M", "X"]),
        (
            Entity::Customers,
            "income_band",
            &["low", "medium", "high", "very_high"],
        ),
        (
            Entity::Customers,
            "assets_band",
            &["low", "medium", "high", "very_high"],
        ),
        (Entity::Customers, "status", &["active", "churned"]),
        (
            Entity::Consents,
            "channel",
            &["email", "sms", "phone", "mail", "push"],
        ),
        (
            Entity::Consents,
            "purpose",
            &["marketing", "service", "profiling", "partners"],
        ),
        (Entity::Consents, "status", &["granted", "withdrawn"]),
        (Entity::Transactions, "kind", &["sale", "refund"]),
        (
            Entity::Contracts,
            "status",
            &["active", "ended", "cancelled"],
        ),
        (Entity::Interactions, "direction", &["inbound", "outbound"]),
        (
            Entity::LifeEvents,
            "kind",
            &[
                "moving",
                "birth",
                "marriage",
                "divorce",
                "retirement",
                "job_change",
                "bereavement",
            ],
        ),
        (
            Entity::Complaints,
            "status",
            &["open", "answered", "resolved", "closed"],
        ),
    ];
    for (e, c, allowed) in enums {
        for v in read(dir, e).column(c) {
            assert!(allowed.contains(&v), "{}.{c}: {v:?}", e.name());
        }
    }
    for v in read(dir, Entity::Interactions).column("operation") {
        let ops = [
            "information",
            "appointment",
            "simple_sale",
            "complex_sale",
            "service",
            "complaint",
            "retention",
            "campaign",
        ];
        assert!(ops.contains(&v), "operation {v}");
    }
}

#[test]
fn dates_are_coherent() {
    let set = small();
    let end = "2026-10-31";
    let contracts = read(&set.dir, Entity::Contracts);
    let (s, e, st, c) = (
        contracts.col("start_date"),
        contracts.col("end_date"),
        contracts.col("status"),
        contracts.col("cancelled_on"),
    );
    for r in &contracts.rows {
        assert!(r[s].as_str() <= end);
        assert!(r[e].is_empty() || r[e] >= r[s], "end before start: {r:?}");
        assert_eq!(r[st] == "cancelled", !r[c].is_empty(), "{r:?}");
        assert!(
            r[c].is_empty() || (r[c] >= r[s] && r[c].as_str() <= end),
            "{r:?}"
        );
    }
    let complaints = read(&set.dir, Entity::Complaints);
    let (o, f, z) = (
        complaints.col("opened_at"),
        complaints.col("first_response_at"),
        complaints.col("resolved_at"),
    );
    for r in &complaints.rows {
        assert!(r[f].is_empty() || r[f] >= r[o], "{r:?}");
        assert!(r[z].is_empty() || r[z] >= r[o], "{r:?}");
        assert!(r[z].as_str() <= "2026-10-31T23:59:59Z");
    }
    let customers = read(&set.dir, Entity::Customers);
    for (b, a) in customers
        .column("birth_date")
        .into_iter()
        .zip(customers.column("acquisition_date"))
    {
        assert!(b > "1900-01-01" && b < a && a <= end, "{b} {a}");
    }
    for t in read(&set.dir, Entity::Transactions).column("time") {
        assert!(("2025-11-01"..="2026-10-31T23:59:59Z").contains(&t), "{t}");
    }
}

#[test]
fn names_look_french_and_texts_get_quoted() {
    let set = small();
    let text = std::fs::read_to_string(set.dir.join("customers.csv")).unwrap_or_default();
    assert!(
        text.chars()
            .any(|c| matches!(c, 'é' | 'è' | 'ç' | 'ë' | 'ï')),
        "no accents in names"
    );
    assert!(
        text.contains("\",") || text.contains(",\""),
        "no quoted address"
    );
    let customers = read(&set.dir, Entity::Customers);
    let households: HashSet<&str> = customers.column("household_id").into_iter().collect();
    assert!(
        households.len() < customers.rows.len(),
        "no shared household"
    );
    assert!(customers.column("solvent").contains(&"false"));
}

#[test]
fn nothing_is_sold_before_its_launch() {
    let set = small();
    let products = read(&set.dir, Entity::Products);
    let launch: std::collections::HashMap<&str, &str> = products
        .column("id")
        .into_iter()
        .zip(products.column("launch_date"))
        .collect();
    let checks = [
        (Entity::Transactions, "time"),
        (Entity::Contracts, "start_date"),
    ];
    for (entity, col) in checks {
        let t = read(&set.dir, entity);
        let (p, d) = (t.col("product_id"), t.col(col));
        for r in &t.rows {
            let launched = launch.get(r[p].as_str()).copied().unwrap_or("9999");
            assert!(
                r[d][..10] >= *launched,
                "{} {r:?} before launch {launched}",
                entity.name()
            );
        }
    }
}
