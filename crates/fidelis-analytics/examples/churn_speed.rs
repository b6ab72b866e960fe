//! Times churn modelling: (a) Telco 5-fold GBDT fit per fold, (b) training on 100,000 customers ×
//! the full feature catalogue, (c) scoring 1,000,000 customers (features + model), plus TreeSHAP.
//!
//! Run with `cargo run --release -p fidelis-analytics --example churn_speed`; `RAYON_NUM_THREADS`
//! sets the thread count. Simulated histories follow the synthetic data set's story (two years of
//! monthly usage, contracts, contacts, purchases, complaints; leavers' usage falls before they
//! cancel); generating them is not timed.

use std::time::Instant;

use fidelis_analytics::churn::simulate::simulated_histories as histories;
use fidelis_analytics::churn::*;

const TELCO: &str = include_str!("../tests/data/telco_customer_churn.csv");

fn telco_fold_times() {
    let mut lines = TELCO.lines();
    let headers: Vec<String> = lines
        .next()
        .unwrap()
        .split(',')
        .map(str::to_owned)
        .collect();
    let rows: Vec<Vec<String>> = lines
        .map(|l| l.split(',').map(str::to_owned).collect())
        .collect();
    let table = encode_table(&headers, &rows, "Churn", &TableOptions::default()).unwrap();
    let (x, y) = (&table.features, &table.labels);
    for seed in 0..3u64 {
        let folds = stratified_folds(y, 5, seed).unwrap();
        let (mut fit_seconds, mut aucs, mut baseline) = (Vec::new(), Vec::new(), Vec::new());
        for fold in 0..5 {
            let train: Vec<usize> = (0..y.len()).filter(|&i| folds[i] != fold).collect();
            let test: Vec<usize> = (0..y.len()).filter(|&i| folds[i] == fold).collect();
            let (tx, vx) = (x.select_rows(&train), x.select_rows(&test));
            let ty: Vec<bool> = train.iter().map(|&i| y[i]).collect();
            let vy: Vec<bool> = test.iter().map(|&i| y[i]).collect();
            let params = GbdtParams {
                seed: seed + fold as u64,
                ..GbdtParams::default()
            };
            let start = Instant::now();
            let model = fit_gbdt(&tx, &ty, &params, None).unwrap();
            fit_seconds.push(start.elapsed().as_secs_f64());
            aucs.push(roc_auc(&model.predict(&vx).unwrap(), &vy).unwrap());
            let logistic = fit_logistic(&tx, &ty, &LogisticParams::default()).unwrap();
            baseline.push(roc_auc(&logistic.predict(&vx).unwrap(), &vy).unwrap());
        }
        let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
        println!(
            "(a) Telco 5-fold, seed {seed}: mean AUC {:.4} (logistic {:.4}), GBDT fit {:.0} ms per fold \
             ({} rows × {} features)",
            mean(&aucs),
            mean(&baseline),
            1000.0 * mean(&fit_seconds),
            x.n_rows() * 4 / 5,
            x.n_features()
        );
    }
}

fn main() {
    println!("threads: {}", rayon::current_num_threads());
    telco_fold_times();

    let factory = FeatureFactory::new(FeatureConfig::default());
    let t = Day::from_ymd(2024, 7, 1);
    let config = LabelConfig::default();
    let people = histories(100_000, 1, t);
    let start = Instant::now();
    let set = build_training_set(&factory, &people, &[t], t.plus(200), &config).unwrap();
    let features_seconds = start.elapsed().as_secs_f64();
    let positives = set.labels.iter().filter(|&&y| y).count();
    let start = Instant::now();
    let model = fit_gbdt(&set.features, &set.labels, &GbdtParams::default(), None).unwrap();
    let fit_seconds = start.elapsed().as_secs_f64();
    println!(
        "(b) 100,000 customers: {} rows × {} features ({positives} departures) in {features_seconds:.2} s; \
         GBDT fit {fit_seconds:.2} s ({} trees)",
        set.features.n_rows(),
        set.features.n_features(),
        model.trees.len()
    );
    let start = Instant::now();
    let logistic = fit_logistic(&set.features, &set.labels, &LogisticParams::default()).unwrap();
    println!(
        "    logistic baseline fit {:.2} s ({} L-BFGS iterations)",
        start.elapsed().as_secs_f64(),
        logistic.iterations
    );
    let fresh = histories(20_000, 2, t);
    let holdout = build_training_set(&factory, &fresh, &[t], t.plus(200), &config).unwrap();
    let auc = |p: Vec<f64>| roc_auc(&p, &holdout.labels).unwrap();
    println!(
        "    holdout of 20,000 new customers: GBDT AUC {:.4}, logistic AUC {:.4}",
        auc(model.predict(&holdout.features).unwrap()),
        auc(logistic.predict(&holdout.features).unwrap())
    );
    let start = Instant::now();
    let explained = Explainer::new(&model, factory.catalogue())
        .explain(
            &set.features.select_rows(&(0..10_000).collect::<Vec<_>>()),
            3,
        )
        .unwrap();
    println!(
        "    TreeSHAP reasons for 10,000 customers: {:.2} s (e.g. {:?})",
        start.elapsed().as_secs_f64(),
        explained[0]
            .reasons
            .iter()
            .map(|r| &r.text)
            .collect::<Vec<_>>()
    );
    drop(people);
    let start = Instant::now();
    let parallel = model.predict(&set.features).unwrap();
    let parallel_seconds = start.elapsed().as_secs_f64();
    let start = Instant::now();
    let serial: Vec<f64> = set.features.rows().map(|r| model.predict_row(r)).collect();
    let serial_seconds = start.elapsed().as_secs_f64();
    assert_eq!(parallel, serial);
    println!(
        "    model only, 100,000 rows: {parallel_seconds:.3} s (all threads), {serial_seconds:.3} s (one thread)"
    );

    // (c) Scoring a million customers, 50,000 at a time: features as of today, then the model.
    let (mut features_seconds, mut predict_seconds, mut scored) = (0.0, 0.0, 0usize);
    let mut high_risk = 0usize;
    for batch in 0..20u64 {
        let people = histories(50_000, 100 + batch, t);
        let start = Instant::now();
        let x = factory.compute(&people, t);
        features_seconds += start.elapsed().as_secs_f64();
        let start = Instant::now();
        let risk = model.predict(&x).unwrap();
        predict_seconds += start.elapsed().as_secs_f64();
        scored += risk.len();
        high_risk += risk.iter().filter(|&&p| p > 0.5).count();
    }
    println!(
        "(c) scoring {scored} customers: features {features_seconds:.2} s + model {predict_seconds:.2} s = {:.2} s \
         ({high_risk} above 50 %)",
        features_seconds + predict_seconds
    );
}
