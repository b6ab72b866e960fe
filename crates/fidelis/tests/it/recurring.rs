//! `fidelis campaign create --trigger` and `fidelis campaign run`: a birthday campaign run over two
//! days from the command line (a wave a day, the same day twice queues nothing new, control never
//! queued), reported wave by wave; `rules run` runs it too; a bad trigger is refused with the syntax
//! expected.

use crate::{fidelis, stderr, stdout};

fn json_of(o: &std::process::Output) -> serde_json::Value {
    assert!(o.status.success(), "{}{}", stdout(o), stderr(o));
    serde_json::from_str(&stdout(o)).unwrap_or_else(|e| panic!("{e}: {}", stdout(o)))
}

#[test]
fn a_birthday_campaign_runs_day_by_day_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let cwd = dir.path();
    let db = format!("sqlite://{}", cwd.join("t.db").display());
    // 40 customers born on 10 March, 40 on 11 March, all with e-mail and marketing consent.
    let mut customers = String::from("id,first_name,email,birth_date,country\n");
    let mut consents = String::from("customer_id,channel,purpose,status,date\n");
    for i in 0..80 {
        customers.push_str(&format!(
            "C{i:02},P{i},c{i}@example.org,{}-03-{},FR\n",
            1960 + i % 30,
            10 + i % 2
        ));
        consents.push_str(&format!("C{i:02},email,marketing,granted,2025-01-01\n"));
    }
    std::fs::write(cwd.join("customers.csv"), customers).unwrap();
    std::fs::write(cwd.join("consents.csv"), consents).unwrap();
    for (entity, file) in [("customers", "customers.csv"), ("consents", "consents.csv")] {
        let o = fidelis(cwd, &["import", "--db", &db, entity, file, "--json"]);
        assert!(o.status.success(), "{}", stderr(&o));
    }

    let bad = fidelis(
        cwd,
        &[
            "campaign",
            "create",
            "--db",
            &db,
            "--id",
            "X",
            "--name",
            "X",
            "--channel",
            "email",
            "--start",
            "2026-03-01",
            "--trigger",
            "birthday",
        ],
    );
    assert_eq!(bad.status.code(), Some(2), "{}", stderr(&bad));
    assert!(
        stderr(&bad).contains("expected a trigger in the rules' syntax: { event = \"birthday\" }"),
        "{}",
        stderr(&bad)
    );

    let created = fidelis(
        cwd,
        &[
            "campaign",
            "create",
            "--db",
            &db,
            "--id",
            "BDAY",
            "--name",
            "Anniversaires",
            "--channel",
            "email",
            "--offer",
            "Un cadeau",
            "--start",
            "2026-03-01",
            "--trigger",
            "{ event = \"birthday\" }",
            "--scheduled",
        ],
    );
    assert!(created.status.success(), "{}", stderr(&created));

    let run = |day: &str| {
        json_of(&fidelis(
            cwd,
            &["campaign", "run", "--db", &db, "--as-of", day, "--json"],
        ))
    };
    for day in ["2026-03-10", "2026-03-11"] {
        let r = run(day);
        let c = &r["campaigns"][0];
        assert_eq!(c["outcome"], "created", "{r}");
        assert_eq!(c["wave"], format!("BDAY@{day}"));
        assert_eq!(c["fired"], 40, "{r}");
        let (treated, control) = (
            c["treatment"].as_u64().unwrap(),
            c["control"].as_u64().unwrap(),
        );
        assert_eq!(treated + control, 40);
        assert!((3..=5).contains(&control), "{r}");
        assert_eq!(c["queue"]["queued"].as_u64(), Some(treated), "{r}");
    }
    let again = run("2026-03-11");
    assert_eq!(again["campaigns"][0]["outcome"], "already_run");
    assert_eq!(again["campaigns"][0]["queue"]["queued"], 0);
    // The daily rules run runs the recurring campaigns on the same events: nothing new that day.
    let rules = json_of(&fidelis(
        cwd,
        &[
            "rules",
            "run",
            "--db",
            &db,
            "--as-of",
            "2026-03-11",
            "--json",
        ],
    ));
    assert_eq!(
        rules["campaigns"]["campaigns"][0]["outcome"], "already_run",
        "{rules}"
    );

    let report = json_of(&fidelis(
        cwd,
        &["campaign", "report", "--db", &db, "BDAY", "--json"],
    ));
    let waves = report["waves"].as_array().unwrap();
    assert_eq!(waves.len(), 2, "{report}");
    for w in waves {
        assert_eq!(
            w["treatment"].as_i64().unwrap(),
            w["queued"].as_i64().unwrap(),
            "control members are never queued: {w}"
        );
    }
    assert_eq!(report["recurrence"]["trigger"]["event"], "birthday");
    // A recurring campaign is not assigned by hand.
    let assign = fidelis(
        cwd,
        &[
            "campaign",
            "assign",
            "--db",
            &db,
            "BDAY",
            "--as-of",
            "2026-03-10",
        ],
    );
    assert!(!assign.status.success());
    assert!(
        stderr(&assign).contains("is recurring"),
        "{}",
        stderr(&assign)
    );
}
