//! Times churn modelling: Telco 5-fold CV per fold, 100,000 × ~290 features training, scoring 1M.

use std::time::Instant;

use fidelis_analytics::churn::{CvOptions, GbdtParams, TableOptions, cross_validate, encode_table};

const TELCO: &str = include_str!("../tests/data/telco_customer_churn.csv");

fn main() {
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
    let args: Vec<String> = std::env::args().collect();
    let table = TableOptions {
        max_one_hot: std::env::var("ONEHOT").map_or(10, |v| v.parse().unwrap()),
        ..TableOptions::default()
    };
    let encoded = encode_table(&headers, &rows, "Churn", &table).unwrap();
    println!("{} features", encoded.features.n_features());
    let mut params = GbdtParams::default();
    if args.len() > 1 {
        params.max_leaves = args[1].parse().unwrap();
        params.max_depth = args[2].parse().unwrap();
        params.min_data_in_leaf = args[3].parse().unwrap();
        params.rounds = args[4].parse().unwrap();
        params.learning_rate = args[5].parse().unwrap();
        params.row_subsample = args[6].parse().unwrap();
        params.col_subsample = args[7].parse().unwrap();
        params.l2 = args[8].parse().unwrap();
    }
    for seed in [0u64, 1, 2] {
        let options = CvOptions {
            seed,
            gbdt: params.clone(),
            baseline: args.len() > 9,
            ..CvOptions::default()
        };
        let t = Instant::now();
        let r = cross_validate(&encoded.features, &encoded.labels, &options).unwrap();
        println!(
            "seed {seed}: gbdt {:.4} {:?} logistic {:.4} ({:.2}s)",
            r.mean_auc,
            r.fold_aucs
                .iter()
                .map(|a| (a * 1e4).round() / 1e4)
                .collect::<Vec<_>>(),
            r.baseline_mean_auc.unwrap_or(0.0),
            t.elapsed().as_secs_f64()
        );
    }
}
