//! `fidelis churn evaluate` on the IBM Telco table, `fidelis features list`, and on generated data
//! `fidelis train churn`, `fidelis score churn` and `fidelis train acquisition`: the planted
//! departures found with their causes among the reasons, no use of anything after `--as-of`, the
//! same model from the same seed, one score per current customer, and an acquisition model that
//! beats the mean on held-out customers.

use crate::{fidelis, stderr, stdout};
use fidelis_store::{ModelKind, Store};
use serde_json::Value;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

fn telco() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../fidelis-analytics/tests/data/telco_customer_churn.csv")
}

#[test]
fn churn_evaluate_reaches_the_published_auc_on_telco() {
    let dir = tempfile::tempdir().unwrap();
    let table = telco();
    let o = fidelis(
        dir.path(),
        &[
            "churn",
            "evaluate",
            "--table",
            table.to_str().unwrap(),
            "--target",
            "Churn",
            "--folds",
            "5",
            "--seed",
            "0",
            "--json",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let report: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(report["folds"], 5);
    assert_eq!(report["rows"], 7043);
    assert_eq!(report["fold_aucs"].as_array().unwrap().len(), 5);
    // LightGBM 4.7 defaults give 0.8365 on this table (data README); the issue asks for 0.835.
    let mean = report["mean_auc"].as_f64().unwrap();
    assert!(mean >= 0.835, "mean AUC {mean}");
    let o = fidelis(
        dir.path(),
        &[
            "churn",
            "evaluate",
            "--table",
            table.to_str().unwrap(),
            "--target",
            "Leaves",
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("no column \"Leaves\""),
        "{}",
        stderr(&o)
    );
}

#[test]
fn the_feature_catalogue_lists_over_200_documented_variables() {
    let dir = tempfile::tempdir().unwrap();
    let o = fidelis(dir.path(), &["features", "list", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let catalogue: Vec<serde_json::Value> = serde_json::from_str(&stdout(&o)).unwrap();
    assert!(catalogue.len() >= 200, "{} variables", catalogue.len());
    let names: std::collections::HashSet<&str> = catalogue
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), catalogue.len(), "names are unique");
    assert!(
        catalogue
            .iter()
            .all(|f| !f["description"].as_str().unwrap().is_empty())
    );
    assert!(
        names.iter().any(|n| n.contains("calls")) && names.iter().any(|n| n.contains("complaint"))
    );
}

fn json(o: &std::process::Output) -> Value {
    assert!(o.status.success(), "{}{}", stdout(o), stderr(o));
    serde_json::from_str(&stdout(o)).unwrap_or_else(|e| panic!("{e}: {}", stdout(o)))
}

/// Generates `customers` over 24 months ending 2026-06-30 into `cwd/data` and imports them into
/// `cwd/c.db`; returns the database URL.
fn generated(cwd: &Path, customers: u32, seed: u32) -> String {
    let o = fidelis(
        cwd,
        &[
            "generate",
            "--customers",
            &customers.to_string(),
            "--months",
            "24",
            "--seed",
            &seed.to_string(),
            "--end",
            "2026-06-30",
            "--out",
            "data",
            "--json",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let db = "sqlite://c.db".to_owned();
    let o = fidelis(cwd, &["import-dir", "--db", &db, "data"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    db
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Runtime::new().unwrap()
}

/// The serialised models of kind `kind`, newest first.
fn models(cwd: &Path, kind: ModelKind) -> Vec<String> {
    runtime().block_on(async {
        let store = Store::open(&format!("sqlite://{}", cwd.join("c.db").display()))
            .await
            .unwrap();
        let mut out = Vec::new();
        for info in store.models(kind).await.unwrap() {
            out.push(store.model(info.version).await.unwrap().unwrap().model_json);
        }
        store.close().await;
        out
    })
}

/// Area under the ROC curve of `scores` for `labels` (ties count one half).
fn auc(scores: &[f64], labels: &[bool]) -> f64 {
    let (mut wins, mut pairs) = (0.0, 0.0);
    for (i, &a) in scores.iter().enumerate() {
        for (j, &b) in scores.iter().enumerate() {
            if labels[i] && !labels[j] {
                pairs += 1.0;
                wins += if a > b {
                    1.0
                } else if a == b {
                    0.5
                } else {
                    0.0
                };
            }
        }
    }
    wins / pairs
}

/// Usage features are named after their metric; complaint features say so.
fn is_usage(feature: &str) -> bool {
    [
        "calls_",
        "minutes_",
        "sms_",
        "data_mb_",
        "logins_",
        "zone_changes_",
    ]
    .iter()
    .any(|m| feature.starts_with(m))
}

#[test]
fn train_and_score_find_the_planted_departures() {
    let dir = tempfile::tempdir().unwrap();
    let cwd = dir.path();
    let db = generated(cwd, 3_000, 21);
    let train = |seed: &str, extra: &[&str]| {
        let mut args = vec![
            "train",
            "churn",
            "--db",
            &db,
            "--horizon",
            "3m",
            "--snapshots",
            "4",
            "--every",
            "30d",
            "--seed",
            seed,
            "--json",
        ];
        args.extend_from_slice(extra);
        json(&fidelis(cwd, &args))
    };
    let first = train("5", &[]);
    assert_eq!(first["version"], 1);
    // Data end 2026-06-30: as of July 1st, snapshots every 30 days ending 90 days before.
    assert_eq!(first["as_of"], "2026-07-01");
    assert_eq!(
        first["snapshots"],
        serde_json::json!(["2026-01-02", "2026-02-01", "2026-03-03", "2026-04-02"])
    );
    assert!(first["features"].as_i64().unwrap() >= 200, "{first}");
    let gbdt = first["gbdt"]["auc"].as_f64().unwrap();
    let baseline = first["baseline"]["auc"].as_f64().unwrap();
    // Both find the planted signal. The generator's usage decline is close to linear in the
    // features, so the logistic baseline does about as well here (it does not on Telco).
    assert!(
        gbdt > 0.8 && baseline > 0.7,
        "GBDT AUC {gbdt}, logistic {baseline}"
    );
    assert!(first["gbdt"]["top_decile"]["lift"].as_f64().unwrap() > 2.0);
    let reduction = &first["reduction"];
    assert!(
        reduction["selected_auc"].as_f64().unwrap()
            >= reduction["full_auc"].as_f64().unwrap() - 0.005
    );

    // The same seed gives the same model, byte for byte; another seed another one.
    // (The variable reduction only reports: the model is the same without it.)
    let second = train("5", &["--no-reduction"]);
    assert_eq!(second["version"], 2);
    assert_eq!(second["gbdt"], first["gbdt"]);
    let third = train("6", &["--no-reduction"]);
    let stored = models(cwd, ModelKind::Churn);
    assert_eq!(stored.len(), 3);
    assert_eq!(stored[1], stored[2]);
    assert_ne!(stored[0], stored[1]);
    assert_eq!(third["version"], 3);

    // Scoring writes one row per current customer, readable by external id.
    let scored = json(&fidelis(
        cwd,
        &[
            "score",
            "churn",
            "--db",
            &db,
            "--json",
            "--top-reasons",
            "3",
        ],
    ));
    assert_eq!(scored["model_version"], 3);
    let n = scored["scored"].as_i64().unwrap();
    let in_bands: i64 = scored["bands"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["customers"].as_i64().unwrap())
        .sum();
    assert_eq!(in_bands, n);
    assert!(n > 1_500 && n < 3_000, "{scored}");

    // Customers who had decided to leave after the data ends are the riskiest, for the planted
    // reasons: their usage falls and they complain.
    let truth: Value =
        serde_json::from_str(&std::fs::read_to_string(cwd.join("data/ground_truth.json")).unwrap())
            .unwrap();
    let leaving: HashMap<String, bool> = truth["per_customer"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["customer_id"].as_str().unwrap().to_owned(),
                c["planned_departure"].is_string(),
            )
        })
        .collect();
    let scores = runtime().block_on(async {
        let store = Store::open(&format!("sqlite://{}", cwd.join("c.db").display()))
            .await
            .unwrap();
        let mut scores = Vec::new();
        for id in leaving.keys() {
            if let Some(s) = store.churn_score(id).await.unwrap() {
                scores.push(s);
            }
        }
        store.close().await;
        scores
    });
    assert_eq!(scores.len() as i64, n);
    assert!(
        scores
            .iter()
            .all(|s| s.model_version == 3 && s.reasons.len() <= 3)
    );
    let risk: Vec<f64> = scores.iter().map(|s| s.risk).collect();
    let labels: Vec<bool> = scores.iter().map(|s| leaving[&s.customer_id]).collect();
    let leavers = labels.iter().filter(|&&l| l).count();
    assert!(leavers >= 20, "{leavers} planned departures");
    let separation = auc(&risk, &labels);
    assert!(
        separation > 0.8,
        "AUC of the planned departures {separation}"
    );
    let mut reasons: HashMap<&str, usize> = HashMap::new();
    for s in scores.iter().filter(|s| leaving[&s.customer_id]) {
        for r in &s.reasons {
            *reasons.entry(r.feature.as_str()).or_default() += 1;
            assert!(r.contribution > 0.0 && !r.text.is_empty());
        }
    }
    let mut ranked: Vec<(&str, usize)> = reasons.into_iter().collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let top: Vec<&str> = ranked.iter().take(10).map(|(f, _)| *f).collect();
    assert!(top.iter().any(|f| is_usage(f)), "{ranked:?}");
    assert!(top.iter().any(|f| f.contains("complaint")), "{ranked:?}");
}

#[test]
fn training_ignores_everything_after_as_of() {
    let dir = tempfile::tempdir().unwrap();
    let cwd = dir.path();
    let db = generated(cwd, 1_200, 8);
    let train = || {
        json(&fidelis(
            cwd,
            &[
                "train",
                "churn",
                "--db",
                &db,
                "--as-of",
                "2026-04-01",
                "--horizon",
                "60d",
                "--snapshots",
                "3",
                "--seed",
                "2",
                "--no-reduction",
                "--json",
            ],
        ))
    };
    let before = train();
    assert_eq!(before["snapshots"][2], "2026-01-31");
    // Plant a perfect signal after the date: every customer who has left by the end of the data
    // complains and calls on 2026-04-02, and a burst of usage appears in April. A model that read
    // any of it would change.
    let customers = std::fs::read_to_string(cwd.join("data/customers.csv")).unwrap();
    let mut header = customers.lines().next().unwrap().split(',');
    let status_column = header.position(|h| h == "status").unwrap();
    let churned: Vec<String> = customers
        .lines()
        .skip(1)
        .filter(|l| l.split(',').nth(status_column) == Some("churned"))
        .map(|l| l.split(',').next().unwrap().to_owned())
        .collect();
    assert!(churned.len() > 20);
    let mut complaints = String::from("id,customer_id,category,opened_at,status,compensation\n");
    let mut usage = String::from("customer_id,period,metric,value\n");
    for (i, c) in churned.iter().enumerate() {
        complaints.push_str(&format!(
            "LEAK{i},{c},billing,2026-04-02T09:00:00Z,open,50.00\n"
        ));
        usage.push_str(&format!("{c},2026-04,calls,9999\n"));
    }
    std::fs::write(cwd.join("leak_complaints.csv"), complaints).unwrap();
    std::fs::write(cwd.join("leak_usage.csv"), usage).unwrap();
    for (entity, file) in [
        ("complaints", "leak_complaints.csv"),
        ("usage", "leak_usage.csv"),
    ] {
        let o = fidelis(cwd, &["import", "--db", &db, entity, file]);
        assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    }
    let after = train();
    assert_eq!(after["gbdt"], before["gbdt"]);
    let stored = models(cwd, ModelKind::Churn);
    assert_eq!(stored[0], stored[1], "the planted future changed the model");
}

#[test]
fn acquisition_model_beats_the_mean_on_held_out_customers() {
    let dir = tempfile::tempdir().unwrap();
    let cwd = dir.path();
    let db = generated(cwd, 3_000, 4);
    let trained = json(&fidelis(
        cwd,
        &["train", "acquisition", "--db", &db, "--seed", "1", "--json"],
    ));
    assert_eq!(trained["version"], 1);
    let v = &trained["validation"];
    let (rmse, mean_rmse) = (
        v["rmse"].as_f64().unwrap(),
        v["mean_rmse"].as_f64().unwrap(),
    );
    assert!(rmse < mean_rmse, "{trained}");
    assert!(v["r2"].as_f64().unwrap() > 0.0, "{trained}");
    assert!(trained["customers"].as_i64().unwrap() >= 100, "{trained}");
    // Customers acquired at least a year before the end of the data, inside it.
    assert!(trained["cohort_from"].as_str().unwrap() >= "2024-07-01");
    assert!(trained["cohort_to"].as_str().unwrap() <= "2025-07-01");
    let model = runtime().block_on(async {
        let store = Store::open(&format!("sqlite://{}", cwd.join("c.db").display()))
            .await
            .unwrap();
        let model = store.active_acquisition_model().await.unwrap().unwrap();
        store.close().await;
        model
    });
    assert_eq!(model.0, 1);
    let applicant: fidelis_analytics::acquisition::Applicant = serde_json::from_str(
        r#"{"signup_date": "2026-07-01", "birth_date": "1970-03-02", "acquisition_channel": "adviser",
            "income_band": "very_high", "assets_band": "high", "postcode": "75008",
            "products": ["mobile_plan", "wealth"]}"#,
    )
    .unwrap();
    applicant.validate().unwrap();
    assert!(model.1.predict(&applicant).is_finite());
    let bad = serde_json::from_str::<fidelis_analytics::acquisition::Applicant>(
        r#"{"signup_date": "01/07/2026"}"#,
    )
    .unwrap_err()
    .to_string();
    assert!(bad.contains("expected a date written YYYY-MM-DD"), "{bad}");
    let bad = serde_json::from_str::<fidelis_analytics::acquisition::Applicant>(
        r#"{"income_band": "rich"}"#,
    )
    .unwrap_err()
    .to_string();
    assert!(bad.contains("unknown variant `rich`"), "{bad}");
}

#[test]
fn train_and_score_refuse_bad_input_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let cwd = dir.path();
    let o = fidelis(
        cwd,
        &["train", "churn", "--db", "sqlite://e.db", "--horizon", "9x"],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("\"9x\": expected a whole number of days, weeks, months or years"),
        "{}",
        stderr(&o)
    );
    let o = fidelis(cwd, &["score", "churn", "--db", "sqlite://e.db"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("no active churn model"),
        "{}",
        stderr(&o)
    );
    let o = fidelis(cwd, &["train", "churn", "--db", "sqlite://e.db"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("no dated history"), "{}", stderr(&o));
}

/// Every customer's stored score (risk, reasons, date, model), by external id.
fn all_scores(cwd: &Path) -> Vec<(String, Option<fidelis_store::ChurnScore>)> {
    runtime().block_on(async {
        let store = Store::open(&format!("sqlite://{}", cwd.join("c.db").display()))
            .await
            .unwrap();
        let mut out = Vec::new();
        for (_, id) in store.customer_keys().await.unwrap() {
            let score = store.churn_score(&id).await.unwrap();
            out.push((id, score));
        }
        store.close().await;
        out
    })
}

#[test]
fn scoring_range_by_range_gives_the_scores_of_scoring_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let cwd = dir.path();
    let db = generated(cwd, 700, 9);
    json(&fidelis(
        cwd,
        &["train", "churn", "--db", &db, "--no-reduction", "--json"],
    ));
    let score = |batch: &str| {
        json(&fidelis(
            cwd,
            &["score", "churn", "--db", &db, "--batch", batch, "--json"],
        ))
    };
    // Everybody in one range, then ranges of 53 customers (the last one shorter).
    let at_once = score("1000000");
    let whole = all_scores(cwd);
    let by_range = score("53");
    let ranged = all_scores(cwd);
    for key in ["scored", "customers", "as_of", "bands", "mean_risk"] {
        assert_eq!(at_once[key], by_range[key], "{key}");
    }
    let scored = whole.iter().filter(|(_, s)| s.is_some()).count();
    assert_eq!(scored as i64, at_once["scored"].as_i64().unwrap());
    assert!(scored > 300, "{at_once}");
    assert_eq!(whole, ranged);
}
