//! Same seed, same bytes; another seed, other data; and the thread count changes nothing.

use fidelis_synth::{Entity, GROUND_TRUTH_FILE, SynthError, generate};

use crate::{config, scratch};

fn files(dir: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    let mut names: Vec<String> = Entity::ALL.iter().map(|e| e.file_name()).collect();
    names.push(GROUND_TRUTH_FILE.to_owned());
    names
        .into_iter()
        .map(|n| {
            let bytes = std::fs::read(dir.join(&n)).unwrap_or_default();
            (n, bytes)
        })
        .collect()
}

#[test]
fn same_seed_gives_identical_bytes_whatever_the_thread_count() {
    let (a, b) = (scratch("det-a"), scratch("det-b"));
    // 2,500 customers span three chunks, so chunk ordering is exercised too.
    let cfg = config(2_500, 6, 99);
    let first = generate(&cfg, &a).map_err(|e| e.to_string());
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .map_err(|e| e.to_string());
    let second = pool.and_then(|p| p.install(|| generate(&cfg, &b)).map_err(|e| e.to_string()));
    assert_eq!(first, second);
    for ((name, x), (_, y)) in files(&a).into_iter().zip(files(&b)) {
        assert!(!x.is_empty(), "{name} missing");
        assert!(x == y, "{name} differs between two runs with the same seed");
    }
}

#[test]
fn another_seed_gives_other_data() {
    let (a, b) = (scratch("seed-a"), scratch("seed-b"));
    let ra = generate(&config(300, 3, 1), &a);
    let rb = generate(&config(300, 3, 2), &b);
    assert!(ra.is_ok() && rb.is_ok());
    for e in [Entity::Customers, Entity::Transactions, Entity::Usage] {
        let x = std::fs::read(a.join(e.file_name())).unwrap_or_default();
        let y = std::fs::read(b.join(e.file_name())).unwrap_or_default();
        assert!(x != y, "{} identical for seeds 1 and 2", e.name());
    }
    // The reference files do not depend on the seed.
    let x = std::fs::read(a.join("products.csv")).unwrap_or_default();
    let y = std::fs::read(b.join("products.csv")).unwrap_or_default();
    assert_eq!(x, y);
}

#[test]
fn invalid_config_is_an_error_and_writes_nothing() {
    let dir = scratch("invalid");
    let cases = [
        (config(0, 12, 1), "customers"),
        (config(10, 0, 1), "months"),
        (config(10, 241, 1), "months"),
    ];
    for (cfg, word) in cases {
        match generate(&cfg, &dir) {
            Err(e @ (SynthError::Customers { .. } | SynthError::Months { .. })) => {
                assert!(e.to_string().contains(word), "{e}")
            }
            other => panic!("{cfg:?} gave {other:?}"),
        }
    }
    assert!(!dir.exists());
}

#[test]
fn one_customer_one_month_works() {
    let dir = scratch("tiny");
    let summary = generate(&config(1, 1, 5), &dir).map_err(|e| e.to_string());
    assert_eq!(summary.map(|s| s.rows(Entity::Customers)), Ok(1));
}

#[test]
fn unwritable_directory_names_the_path() {
    let dir = scratch("blocked");
    let _ = std::fs::create_dir_all(dir.parent().unwrap_or(&dir));
    let _ = std::fs::write(&dir, b"a file, not a directory");
    match generate(&config(5, 1, 1), &dir) {
        Err(SynthError::Io { path, .. }) => assert!(path.starts_with(&dir)),
        other => panic!("expected an IO error, got {other:?}"),
    }
}

#[test]
fn extreme_configs_generate_consistent_files() {
    let cases = [
        (40, 240, (2200, 12, 31)),
        (40, 1, (2000, 1, 1)),
        (40, 13, (2024, 2, 29)),
        (40, 7, (2031, 3, 2)),
    ];
    for (customers, months, (y, m, d)) in cases {
        let dir = scratch(&format!("extreme-{months}-{y}"));
        let end = chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default();
        let cfg = fidelis_synth::SynthConfig {
            customers,
            months,
            seed: 3,
            end,
        };
        let summary = match generate(&cfg, &dir) {
            Ok(s) => s,
            Err(e) => panic!("{cfg:?}: {e}"),
        };
        assert_eq!(summary.rows(Entity::Customers), u64::from(customers));
        let last = end.format("%Y-%m-%d").to_string();
        for e in [Entity::Transactions, Entity::Interactions] {
            for t in crate::read(&dir, e).column("time") {
                assert!(t[..10] <= *last, "{cfg:?}: {} at {t}", e.name());
            }
        }
        for b in crate::read(&dir, Entity::Customers).column("birth_date") {
            assert!(b > "1900-01-01", "{b}");
        }
    }
}
