//! `fidelis churn evaluate` on the IBM Telco table and `fidelis features list`.

use crate::{fidelis, stderr, stdout};
use std::path::PathBuf;

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
