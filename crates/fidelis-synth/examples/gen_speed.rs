//! Times `generate` for a data set (default 100,000 customers × 24 months) and prints the rows per file.
//!
//! `cargo run --release -p fidelis-synth --example gen_speed -- [customers] [months] [out_dir]`

use std::time::Instant;

use chrono::NaiveDate;
use fidelis_synth::{SynthConfig, generate};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let customers = args.get(1).map_or(Ok(100_000), |s| s.parse())?;
    let months = args.get(2).map_or(Ok(24), |s| s.parse())?;
    let out = args.get(3).map_or_else(
        || std::env::temp_dir().join("fidelis-synth-speed"),
        Into::into,
    );
    let end = NaiveDate::from_ymd_opt(2026, 10, 31).ok_or("bad date")?;
    let config = SynthConfig {
        customers,
        months,
        seed: 42,
        end,
    };
    let started = Instant::now();
    let summary = generate(&config, &out)?;
    let elapsed = started.elapsed();
    for f in &summary.files {
        println!("{:<22} {:>12}", f.file, f.rows);
    }
    println!("{:<22} {:>12}", "total", summary.total_rows);
    println!("churned customers      {:>12}", summary.churned_customers);
    println!(
        "{customers} customers × {months} months in {:.2} s -> {}",
        elapsed.as_secs_f64(),
        out.display()
    );
    Ok(())
}
