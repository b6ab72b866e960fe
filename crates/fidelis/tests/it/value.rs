//! `clv fit`, `clv summarize`, `refresh`, `value report`, `value history` and `bench btyd` as a user
//! runs them: published CDNOW figures, bad files named by line and field, the matrix of a generated
//! data set and its moves between two refreshes.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::{fidelis, stderr, stdout};

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

fn json(o: &std::process::Output) -> Value {
    assert!(o.status.success(), "{}{}", stdout(o), stderr(o));
    serde_json::from_str(&stdout(o)).unwrap_or_else(|e| panic!("{e}: {}", stdout(o)))
}

/// `got` agrees with `want` to `digits` significant digits.
fn assert_sig(what: &str, got: f64, want: f64, digits: i32) {
    let scale = 10f64.powi(want.abs().log10().floor() as i32 - digits + 1);
    assert!(
        (got - want).abs() <= 0.5 * scale,
        "{what}: {got} vs {want} to {digits} digits"
    );
}

fn fit(cwd: &Path, model: &str, file: &Path) -> Value {
    json(&fidelis(
        cwd,
        &[
            "clv",
            "fit",
            "--model",
            model,
            "--summary",
            file.to_str().unwrap(),
            "--json",
        ],
    ))
}

/// Model, file, published parameters, published log-likelihood.
type Published = (
    &'static str,
    &'static str,
    &'static [(&'static str, f64)],
    f64,
);

#[test]
fn clv_fit_reproduces_the_published_cdnow_parameters() {
    let dir = tempfile::tempdir().unwrap();
    let cwd = dir.path();
    // Fader, Hardie & Lee (2005); Fader & Hardie note 025.
    let cases: [Published; 3] = [
        (
            "bgnbd",
            "cdnow_customers_summary.csv",
            &[
                ("r", 0.2426),
                ("alpha", 4.4135),
                ("a", 0.7929),
                ("b", 2.4258),
            ],
            -9582.43,
        ),
        (
            "pnbd",
            "cdnow_customers_summary.csv",
            &[
                ("r", 0.5533),
                ("alpha", 10.578),
                ("s", 0.6062),
                ("beta", 11.669),
            ],
            -9594.97,
        ),
        (
            "gg",
            "cdnow_customers_summary_with_transactions.csv",
            &[("p", 6.2488), ("q", 3.7446), ("gamma", 15.4477)],
            -4055.92,
        ),
    ];
    for (model, file, params, ll) in cases {
        let got = fit(cwd, model, &data(file));
        for (name, want) in params {
            assert_sig(
                &format!("{model} {name}"),
                got["params"][name].as_f64().unwrap(),
                *want,
                3,
            );
            assert!(got["standard_errors"][name].as_f64().unwrap() > 0.0);
        }
        let got_ll = got["log_likelihood"].as_f64().unwrap();
        assert!((got_ll - ll).abs() < 0.01, "{model}: LL {got_ll} vs {ll}");
        assert_eq!(got["customers"], 2357);
        assert_eq!(got["warnings"], serde_json::json!([]));
    }
    // The text output names the parameters in the model's order.
    let o = fidelis(
        cwd,
        &[
            "clv",
            "fit",
            "--model",
            "bgnbd",
            "--summary",
            data("cdnow_customers_summary.csv").to_str().unwrap(),
        ],
    );
    let text = stdout(&o);
    let order: Vec<usize> = ["  r ", "  alpha ", "  a ", "  b "]
        .iter()
        .map(|p| text.find(p).unwrap_or_else(|| panic!("{p} in {text}")))
        .collect();
    assert!(order.is_sorted(), "{text}");
    assert!(text.contains("log-likelihood -9582.42"), "{text}");
}

#[test]
fn clv_summarize_reproduces_the_cdnow_summary() {
    let dir = tempfile::tempdir().unwrap();
    let cwd = dir.path();
    let o = fidelis(
        cwd,
        &[
            "clv",
            "summarize",
            "--transactions",
            data("CDNOW_sample.txt").to_str().unwrap(),
            "--separator",
            "whitespace",
            "--no-header",
            "--customer-col",
            "1",
            "--date-col",
            "3",
            "--amount-col",
            "5",
            "--date-format",
            "%Y%m%d",
            "--calibration-end",
            "1997-09-30",
            "--unit",
            "week",
            "--out",
            "summary.csv",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("2357 customers summarised from 6919 transactions"));
    let ours = std::fs::read_to_string(cwd.join("summary.csv")).unwrap();
    let published =
        std::fs::read_to_string(data("cdnow_customers_summary_with_transactions.csv")).unwrap();
    let ours: Vec<&str> = ours.lines().skip(1).collect();
    let published: Vec<&str> = published.lines().skip(1).collect();
    assert_eq!(ours.len(), published.len());
    for (a, b) in ours.iter().zip(&published) {
        let a: Vec<f64> = a.split(',').map(|v| v.parse().unwrap()).collect();
        let b: Vec<f64> = b.split(',').map(|v| v.parse().unwrap()).collect();
        // The published file renumbers the customers 1, 2, …; both are in increasing id order.
        assert_eq!(a[1], b[1], "frequency of customer {}", b[0]);
        for i in 2..5 {
            assert!((a[i] - b[i]).abs() <= 0.005 + 1e-9, "{a:?} vs {b:?}");
        }
    }
    // The summary feeds straight into a fit.
    let got = fit(cwd, "bgnbd", &cwd.join("summary.csv"));
    assert_sig("r", got["params"]["r"].as_f64().unwrap(), 0.2426, 3);
    let got = fit(cwd, "gg", &cwd.join("summary.csv"));
    assert_sig("p", got["params"]["p"].as_f64().unwrap(), 6.2488, 2);
}

#[test]
fn bad_summaries_name_the_file_line_field_and_value() {
    let dir = tempfile::tempdir().unwrap();
    let cwd = dir.path();
    let good = "frequency,recency,T,monetary_value\n2,5,10,20\n0,0,8,0\n";
    let cases: &[(&str, &str, &str)] = &[
        (
            "negative.csv",
            "-1,0,8,0\n",
            "negative.csv, line 4: frequency = -1 is invalid, expected a whole number ≥ 0",
        ),
        (
            "fraction.csv",
            "1.5,1,8,3\n",
            "fraction.csv, line 4: frequency = 1.5 is invalid",
        ),
        (
            "late.csv",
            "1,11,10,3\n",
            "late.csv, line 4: recency = 11 is invalid, expected recency ≤ T",
        ),
        (
            "zero.csv",
            "0,3,10,0\n",
            "zero.csv, line 4: recency = 3 is invalid, expected 0 when frequency is 0",
        ),
        (
            "negative_t.csv",
            "0,0,-3,0\n",
            "negative_t.csv, line 4: T = -3 is invalid",
        ),
        (
            "text.csv",
            "1,abc,10,3\n",
            "text.csv, line 4: recency = \"abc\" is not a number",
        ),
        (
            "nan.csv",
            "1,NaN,10,3\n",
            "nan.csv, line 4: recency = NaN is invalid",
        ),
    ];
    for (name, bad_row, message) in cases {
        std::fs::write(cwd.join(name), format!("{good}{bad_row}")).unwrap();
        let o = fidelis(cwd, &["clv", "fit", "--model", "bgnbd", "--summary", name]);
        assert_eq!(o.status.code(), Some(1), "{name}: {}", stdout(&o));
        assert!(stderr(&o).contains(message), "{name}: {}", stderr(&o));
        assert!(stdout(&o).is_empty());
    }
    // Spend: a repeat buyer with no spend.
    std::fs::write(cwd.join("spend.csv"), format!("{good}3,4,9,0\n")).unwrap();
    let o = fidelis(
        cwd,
        &["clv", "fit", "--model", "gg", "--summary", "spend.csv"],
    );
    assert!(
        stderr(&o).contains("spend.csv, line 4: monetary_value = 0 is invalid"),
        "{}",
        stderr(&o)
    );
    // Missing columns, empty data, degenerate data.
    for (name, text, model, message) in [
        (
            "columns.csv",
            "frequency,T\n1,2\n",
            "bgnbd",
            "columns.csv, line 1: expected the columns frequency, recency and T",
        ),
        (
            "nomoney.csv",
            "frequency,recency,T\n1,2,3\n",
            "gg",
            "nomoney.csv, line 1: no monetary_value column",
        ),
        (
            "empty.csv",
            "frequency,recency,T\n",
            "bgnbd",
            "empty.csv: no data: no customer summaries",
        ),
        (
            "norepeat.csv",
            "frequency,recency,T\n0,0,10\n0,0,20\n",
            "pnbd",
            "norepeat.csv: degenerate data: nobody made a repeat purchase",
        ),
        (
            "same.csv",
            "frequency,recency,T,monetary_value\n2,5,10,20\n3,5,10,20\n",
            "gg",
            "same.csv: degenerate data: every repeat buyer has the same mean spend",
        ),
    ] {
        std::fs::write(cwd.join(name), text).unwrap();
        let o = fidelis(cwd, &["clv", "fit", "--model", model, "--summary", name]);
        assert_eq!(o.status.code(), Some(1), "{name}");
        assert!(stderr(&o).contains(message), "{name}: {}", stderr(&o));
    }
    let o = fidelis(
        cwd,
        &["clv", "fit", "--model", "bgnbd", "--summary", "missing.csv"],
    );
    assert!(
        stderr(&o).contains("cannot read missing.csv"),
        "{}",
        stderr(&o)
    );

    // Nobody drops out: a fit with a boundary warning, finite parameters, no NaN.
    let mut text = String::from("frequency,recency,T\n");
    for i in 0..200 {
        let t = 10 + i % 7;
        text.push_str(&format!("{},{t},{t}\n", 1 + i % 5));
    }
    std::fs::write(cwd.join("loyal.csv"), text).unwrap();
    let got = fit(cwd, "bgnbd", &cwd.join("loyal.csv"));
    let warnings = got["warnings"].as_array().unwrap();
    assert!(
        warnings.iter().any(|w| w["kind"] == "boundary_estimate"),
        "{got}"
    );
    for v in got["params"].as_object().unwrap().values() {
        assert!(v.as_f64().is_some_and(f64::is_finite), "{got}");
    }
    let o = fidelis(
        cwd,
        &["clv", "fit", "--model", "bgnbd", "--summary", "loyal.csv"],
    );
    assert!(
        stdout(&o).contains("is a boundary estimate"),
        "{}",
        stdout(&o)
    );
    assert!(!stdout(&o).contains("NaN"), "{}", stdout(&o));
}

#[test]
fn bad_transaction_logs_name_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let cwd = dir.path();
    std::fs::write(
        cwd.join("log.csv"),
        "client;date;montant\nA;2024-01-05;10,50\nB;2024-13-05;3\n",
    )
    .unwrap();
    let args = |file: &str| {
        vec![
            "clv",
            "summarize",
            "--transactions",
            file,
            "--customer-col",
            "client",
            "--date-col",
            "date",
            "--amount-col",
            "montant",
            "--calibration-end",
            "2024-06-30",
        ]
        .into_iter()
        .map(str::to_owned)
        .collect::<Vec<_>>()
    };
    let run = |a: Vec<String>| fidelis(cwd, &a.iter().map(String::as_str).collect::<Vec<_>>());
    let o = run(args("log.csv"));
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("log.csv, line 3: date = \"2024-13-05\" is invalid"),
        "{}",
        stderr(&o)
    );
    std::fs::write(
        cwd.join("ok.csv"),
        "client;date;montant\nA;2024-01-05;10,50\nA;05/02/2024;3\nB;2024-03-01;1 000,00\n",
    )
    .unwrap();
    let o = run(args("ok.csv"));
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        "customer,frequency,recency,T,monetary_value\nA,1,4.428571428571429,25.285714285714285,3\nB,0,0,17.285714285714285,0\n"
    );
    let mut a = args("ok.csv");
    a[5] = "id".into();
    let o = run(a);
    assert!(
        stderr(&o).contains("ok.csv, line 1: no column \"id\" (columns: client, date, montant)"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn refresh_then_report_on_generated_data() {
    let dir = tempfile::tempdir().unwrap();
    let cwd = dir.path();
    let o = fidelis(
        cwd,
        &[
            "generate",
            "--customers",
            "300",
            "--months",
            "12",
            "--seed",
            "11",
            "--end",
            "2026-06-30",
            "--out",
            "data",
            "--json",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let db = "sqlite://v.db";
    let o = fidelis(cwd, &["import-dir", "--db", db, "data"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));

    let o = fidelis(cwd, &["value", "report", "--db", db]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("no refresh yet"), "{}", stderr(&o));

    let first = json(&fidelis(
        cwd,
        &["refresh", "--db", db, "--as-of", "2026-03-31", "--json"],
    ));
    let second = json(&fidelis(
        cwd,
        &["refresh", "--db", db, "--as-of", "2026-06-30", "--json"],
    ));
    assert_eq!(
        (first["run_id"].as_i64(), second["run_id"].as_i64()),
        (Some(1), Some(2))
    );
    let valued = second["customers"].as_i64().unwrap();
    assert!(valued > 200 && valued <= 300, "{second}");
    let per_strategy: i64 = second["strategies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s[1].as_i64().unwrap())
        .sum();
    assert_eq!(per_strategy, valued);
    assert_eq!(second["currency"], "EUR");
    assert!(second["purchase_model"]["model"] == "bgnbd", "{second}");

    let report = json(&fidelis(cwd, &["value", "report", "--db", db, "--json"]));
    assert_eq!(report["run"]["id"], 2);
    assert_eq!(report["run"]["as_of"], "2026-06-30");
    assert_eq!(report["previous_run"], 1);
    let cells = report["cells"].as_array().unwrap();
    assert_eq!(
        cells
            .iter()
            .map(|c| c["customers"].as_i64().unwrap())
            .sum::<i64>(),
        valued
    );
    // Median cut-offs: at most half of the customers are above each.
    let high = |quadrant: fn(&str) -> bool| -> i64 {
        cells
            .iter()
            .filter(|c| quadrant(c["quadrant"].as_str().unwrap()))
            .map(|c| c["customers"].as_i64().unwrap())
            .sum()
    };
    assert!(high(|q| q.starts_with("high")) * 2 <= valued);
    assert!(high(|q| q.ends_with("high")) * 2 <= valued);
    // Customers in both runs are counted once each in the moves.
    let moved: i64 = report["moves"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["customers"].as_i64().unwrap())
        .sum();
    assert_eq!(moved, first["customers"].as_i64().unwrap());
    let months: Vec<&str> = report["rollups"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["dimension"] == "month")
        .map(|r| r["key"].as_str().unwrap())
        .collect();
    assert!(months.contains(&"2025-07"), "{months:?}");
    assert_eq!(months.last(), Some(&"2026-06"));

    let o = fidelis(cwd, &["value", "report", "--db", db]);
    let text = stdout(&o);
    for word in [
        "value matrix of refresh 2 as of 2026-06-30",
        "loyalty",
        "multi_equipment",
        "retention",
        "termination",
        "moves since refresh 1",
    ] {
        assert!(text.contains(word), "{word} in {text}");
    }
    // A customer acquired before the first refresh has one snapshot per refresh.
    let customers = std::fs::read_to_string(cwd.join("data/customers.csv")).unwrap();
    let header: Vec<&str> = customers.lines().next().unwrap().split(',').collect();
    let acquired = header
        .iter()
        .position(|h| *h == "acquisition_date")
        .unwrap();
    let early = customers
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect::<Vec<_>>())
        .find(|c| c.len() == header.len() && !c[acquired].is_empty() && c[acquired] < "2026-03-31")
        .unwrap();
    let history = json(&fidelis(
        cwd,
        &[
            "value",
            "history",
            "--db",
            db,
            "--customer",
            early[0],
            "--json",
        ],
    ));
    let steps = history.as_array().unwrap();
    assert_eq!(steps.len(), 2);
    assert_eq!(steps[0]["as_of"], "2026-03-31");
    let o = fidelis(
        cwd,
        &["value", "history", "--db", db, "--customer", "nobody"],
    );
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn bench_btyd_runs_small_without_the_peer() {
    let dir = tempfile::tempdir().unwrap();
    let got = json(&fidelis(
        dir.path(),
        &[
            "bench",
            "btyd",
            "--customers",
            "5000",
            "--transactions",
            "20000",
            "--no-peer",
            "--json",
        ],
    ));
    let results = got["results"].as_array().unwrap();
    assert_eq!(results.len(), 4);
    assert_eq!(results[0]["rows"], 5000);
    assert_eq!(results[3]["rows"], 20000);
    for r in results {
        assert!(r["fidelis_seconds"].as_f64().unwrap() >= 0.0);
        assert!(r["peer_seconds"].is_null());
    }
    assert!(results[0]["fidelis_params"]["r"].as_f64().is_some());
}
