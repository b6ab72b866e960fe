//! `fidelis uplift` on Hillstrom's e-mail test, and `fidelis campaign report` on the generated past
//! campaign, whose planted true effect the 95 % interval covers.

use crate::{fidelis, stderr, stdout};

#[test]
fn uplift_on_hillstrom_per_arm_and_outcome() {
    let dir = tempfile::tempdir().unwrap();
    let table = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../fidelis-analytics/tests/data/hillstrom.csv"
    );
    let o = fidelis(
        dir.path(),
        &[
            "uplift",
            "--table",
            table,
            "--arm-col",
            "segment",
            "--control",
            "No E-Mail",
            "--outcome",
            "visit",
            "--outcome",
            "spend",
            "--json",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let rows: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let got: Vec<(String, String, f64, f64, f64)> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["arm"].as_str().unwrap().to_owned(),
                r["outcome"].as_str().unwrap().to_owned(),
                r["difference"].as_f64().unwrap(),
                r["ci_low"].as_f64().unwrap(),
                r["ci_high"].as_f64().unwrap(),
            )
        })
        .collect();
    let want = [
        ("Mens E-Mail", "visit", 0.076590, 0.069953, 0.083226),
        ("Mens E-Mail", "spend", 0.769827, 0.485149, 1.054505),
        ("Womens E-Mail", "visit", 0.045233, 0.038894, 0.051573),
        ("Womens E-Mail", "spend", 0.424412, 0.168965, 0.679860),
    ];
    assert_eq!(got.len(), want.len());
    for (g, w) in got.iter().zip(want) {
        assert_eq!((g.0.as_str(), g.1.as_str()), (w.0, w.1));
        for (a, b) in [(g.2, w.2), (g.3, w.3), (g.4, w.4)] {
            assert!((a - b).abs() <= 1e-6, "{g:?} against {w:?}");
        }
    }
}

#[test]
fn uplift_names_the_bad_cell_and_the_missing_arm() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("t.csv"),
        "arm,bought\nA,1\nB,0\nA,oui\nB,2.5x\n",
    )
    .unwrap();
    let o = fidelis(
        dir.path(),
        &[
            "uplift",
            "--table",
            "t.csv",
            "--arm-col",
            "arm",
            "--control",
            "B",
            "--outcome",
            "bought",
        ],
    );
    assert!(!o.status.success());
    let e = stderr(&o);
    assert!(
        e.contains("t.csv, line 5, field bought: \"2.5x\" is not a number"),
        "{e}"
    );
    std::fs::write(
        dir.path().join("t.csv"),
        "arm,bought\nA,1\nB,0\nA,oui\nB,non\n",
    )
    .unwrap();
    let o = fidelis(
        dir.path(),
        &[
            "uplift",
            "--table",
            "t.csv",
            "--arm-col",
            "arm",
            "--control",
            "Z",
            "--outcome",
            "bought",
        ],
    );
    assert!(
        stderr(&o).contains("no row has arm = \"Z\""),
        "{}",
        stderr(&o)
    );
    let o = fidelis(
        dir.path(),
        &[
            "uplift",
            "--table",
            "t.csv",
            "--arm-col",
            "group",
            "--control",
            "B",
            "--outcome",
            "bought",
        ],
    );
    assert!(
        stderr(&o).contains("t.csv, line 1: no column \"group\""),
        "{}",
        stderr(&o)
    );
}

/// The generated data set's past campaign (CMP01, a 10 % control group, a planted effect of about
/// three points on buying the promoted watch within 30 days): the report's interval covers the truth.
#[test]
fn campaign_report_covers_the_planted_effect() {
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
        "6000",
        "--months",
        "9",
        "--seed",
        "11",
        "--out",
        "gen",
    ]);
    run(&["import-dir", "--db", &db, "gen"]);
    let products = std::fs::read_to_string(cwd.join("gen/products.csv")).unwrap();
    let watch = products
        .lines()
        .find(|l| l.contains("Montre connectée Lumen"))
        .and_then(|l| l.split(',').next())
        .unwrap()
        .to_owned();
    run(&[
        "campaign",
        "update",
        "--db",
        &db,
        "CMP01",
        "--offer-product",
        &watch,
    ]);
    let o = run(&["campaign", "report", "--db", &db, "CMP01", "--json"]);
    let report: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let truth: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(cwd.join("gen/ground_truth.json")).unwrap())
            .unwrap();
    let planted = truth["campaign"]["planted"]["true_uplift"]
        .as_f64()
        .unwrap();
    let realised = &truth["campaign"]["realised"];
    let all = &report["impact"][0];
    assert_eq!(all["scope"], "all");
    assert_eq!(all["treated"], realised["treatment"]);
    assert_eq!(all["control"], realised["control"]);
    let response = &all["response"];
    let (low, high) = (
        response["ci_low"].as_f64().unwrap(),
        response["ci_high"].as_f64().unwrap(),
    );
    assert!(
        low <= planted && planted <= high,
        "planted {planted} outside [{low}, {high}]"
    );
    // The measured rates are the realised ones (which the truth file rounds to six decimals).
    let close = |a: &serde_json::Value, b: &serde_json::Value| {
        (a.as_f64().unwrap() - b.as_f64().unwrap()).abs() <= 5e-7
    };
    assert!(
        close(&response["treatment"]["mean"], &realised["treatment_rate"]),
        "{response} {realised}"
    );
    assert!(
        close(&response["control"]["mean"], &realised["control_rate"]),
        "{response} {realised}"
    );
    assert_eq!(report["contacts"]["email"], realised["treatment"]);
    assert!(all["roi"].as_f64().is_some());
    assert!(all["summary"].as_str().unwrap().len() > 20);
}
