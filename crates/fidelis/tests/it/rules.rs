//! `fidelis rules check` on the sample configuration and on broken files.

use crate::{fidelis, stderr, stdout};
use std::path::PathBuf;

fn sample(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../fidelis-rules/examples/config")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

#[test]
fn rules_check_accepts_the_samples_and_points_at_errors() {
    let dir = tempfile::tempdir().unwrap();
    for (file, kind) in [
        ("rules.toml", "rules"),
        ("policy.toml", "policy"),
        ("routing.toml", "routing"),
        ("segments.toml", "segments"),
        ("calendar.toml", "calendar"),
    ] {
        let o = fidelis(
            dir.path(),
            &["rules", "check", &sample(file), "--kind", kind],
        );
        assert_eq!(o.status.code(), Some(0), "{file}: {}", stdout(&o));
        assert!(stdout(&o).contains(": ok"), "{file}: {}", stdout(&o));
    }
    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        "[[rule]]\nid = \"late\"\ntrigger = { event = \"complaint_opened\" }\ncondition = \"\"\"\nprofile.age >\n\"\"\"\naction = { kind = \"alert\", message = \"late\" }\n",
    )
    .unwrap();
    let o = fidelis(dir.path(), &["rules", "check", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let out = stdout(&o) + &stderr(&o);
    // The expression's error is placed in the file, inside the multi-line condition.
    assert!(
        out.contains("bad.toml: line 6, column 1: in the condition of rule `late`"),
        "{out}"
    );
    std::fs::write(&bad, "[[rule]\nid = 1\n").unwrap();
    let o = fidelis(dir.path(), &["rules", "check", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let out = stdout(&o) + &stderr(&o);
    assert!(out.contains("bad.toml: line 1, column"), "{out}");
}

fn json_of(o: &std::process::Output) -> serde_json::Value {
    assert!(o.status.success(), "{}{}", stdout(o), stderr(o));
    serde_json::from_str(&stdout(o)).unwrap_or_else(|e| panic!("{e}: {}", stdout(o)))
}

/// A generated base through the whole flow: value refresh, segment refresh and report, rules test
/// on one customer, a three-month backtest (consistent: reached + suppressed = candidates, per rule
/// and in total; contacts cost what the channels say), and the channel report.
#[test]
fn segments_rules_test_backtest_and_channels_on_generated_data() {
    let dir = tempfile::tempdir().unwrap();
    let cwd = dir.path();
    let db = format!("sqlite://{}", cwd.join("gen.db").display());
    let run = |args: &[&str]| {
        let o = fidelis(cwd, args);
        assert!(o.status.success(), "{args:?}: {}{}", stdout(&o), stderr(&o));
        o
    };
    run(&[
        "generate",
        "--customers",
        "300",
        "--months",
        "12",
        "--seed",
        "5",
        "--out",
        "gen",
    ]);
    run(&["import-dir", "--db", &db, "gen"]);
    run(&["refresh", "--db", &db, "--as-of", "2026-07-31"]);

    let refresh = json_of(&run(&[
        "segment",
        "refresh",
        "--db",
        &db,
        "--as-of",
        "2026-07-31",
        "--json",
    ]));
    let customers = refresh["customers"].as_u64().unwrap();
    assert!(customers > 250, "{refresh}");
    // Each single-label segmentation covers every customer once.
    for segmentation in ["rfm", "value", "cluster"] {
        let sizes = refresh["segmentations"][segmentation].as_object().unwrap();
        let total: u64 = sizes.values().map(|n| n.as_u64().unwrap()).sum();
        assert_eq!(total, customers, "{segmentation}: {sizes:?}");
    }
    let table = refresh["clusters"]["table"].as_array().unwrap();
    assert_eq!(table.len(), 7, "k = 2..8");
    let chosen = refresh["clusters"]["chosen_k"].as_u64().unwrap();
    let best = table
        .iter()
        .max_by(|a, b| {
            a["silhouette"]
                .as_f64()
                .unwrap()
                .total_cmp(&b["silhouette"].as_f64().unwrap())
        })
        .unwrap();
    assert_eq!(best["k"].as_u64(), Some(chosen));
    // Same seed, same clusters.
    let again = json_of(&run(&[
        "segment",
        "refresh",
        "--db",
        &db,
        "--as-of",
        "2026-07-31",
        "--json",
    ]));
    assert_eq!(again["clusters"], refresh["clusters"]);

    let report = json_of(&run(&[
        "segment",
        "report",
        "--db",
        &db,
        "--segmentation",
        "value",
        "--json",
    ]));
    let sizes = report["sizes"].as_array().unwrap();
    let in_run = |run: u64| -> u64 {
        sizes
            .iter()
            .filter(|s| s["run_id"].as_u64() == Some(run))
            .map(|s| s["customers"].as_u64().unwrap())
            .sum()
    };
    assert_eq!(report["runs"].as_array().unwrap().len(), 2);
    assert_eq!((in_run(1), in_run(2)), (customers, customers));
    assert!(
        report["profiles"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["fact"] == "value.clv" && p["index"].as_f64().is_some())
    );

    let test = json_of(&run(&[
        "rules",
        "test",
        "--db",
        &db,
        "--customer",
        "C000001",
        "--as-of",
        "2026-08-15",
        "--json",
    ]));
    assert_eq!(test["customer"], "C000001");
    assert!(
        test["rules"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["rule"] == "contract_end_retention" && r.get("holds").is_some()),
        "{}",
        test["rules"]
    );
    assert!(
        test["facts"]["rfm.segment"].is_string(),
        "{}",
        test["facts"]
    );
    let missing = fidelis(cwd, &["rules", "test", "--db", &db, "--customer", "NOPE"]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(stderr(&missing).contains("no customer with id \"NOPE\""));

    let b = json_of(&run(&[
        "rules",
        "backtest",
        "--db",
        &db,
        "--from",
        "2026-08-01",
        "--to",
        "2026-10-31",
        "--json",
    ]));
    let n = |v: &serde_json::Value| v.as_u64().unwrap();
    assert_eq!(n(&b["days"]), 92);
    assert!(n(&b["candidates"]) > 0, "{b}");
    assert_eq!(n(&b["reached"]) + n(&b["suppressed"]), n(&b["candidates"]));
    for r in b["rules"].as_array().unwrap() {
        assert_eq!(
            n(&r["reached"]) + n(&r["suppressed"]),
            n(&r["candidates"]),
            "{r}"
        );
        let by_reason: u64 = r["suppressed_by_reason"]
            .as_object()
            .unwrap()
            .values()
            .map(n)
            .sum();
        assert_eq!(by_reason, n(&r["suppressed"]), "{r}");
        assert!(n(&r["customers_reached"]) <= n(&r["reached"]));
    }
    let cost: f64 = b["channels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["contacts"].as_f64().unwrap() * c["cost_per_contact"].as_f64().unwrap())
        .sum();
    assert!((cost - b["total_cost"].as_f64().unwrap()).abs() < 1e-6);

    let channels = json_of(&run(&["channels", "report", "--db", &db, "--json"]));
    let cells = channels["cells"].as_array().unwrap();
    assert!(!cells.is_empty());
    for c in cells {
        assert!(n(&c["conversions"]) <= n(&c["contacts"]), "{c}");
    }

    // The daily run queues what the policy lets out, once: a second run of the same day queues
    // nothing new; every proposed action is queued or suppressed.
    let day = json_of(&run(&[
        "rules",
        "run",
        "--db",
        &db,
        "--as-of",
        "2026-07-31",
        "--json",
    ]));
    let suppressed: u64 = day["suppressed"].as_object().unwrap().values().map(n).sum();
    assert!(n(&day["candidates"]) > 0, "{day}");
    assert!(n(&day["queued"]) > 0, "{day}");
    assert_eq!(
        n(&day["queued"]) + n(&day["already_queued"]) + suppressed,
        n(&day["candidates"]),
        "{day}"
    );
    let again = json_of(&run(&[
        "rules",
        "run",
        "--db",
        &db,
        "--as-of",
        "2026-07-31",
        "--json",
    ]));
    assert_eq!(n(&again["queued"]), 0, "{again}");
    assert!(n(&again["already_queued"]) >= n(&day["queued"]), "{again}");
}
