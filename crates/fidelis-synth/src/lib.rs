//! Deterministic synthetic CRM data of a French telecom-and-services company, with planted truths.
//!
//! [`generate`] writes one CSV per entity of the import format (docs/data-format.md), importable as
//! is, and `ground_truth.json` with what was planted. The same [`SynthConfig`] always gives the same
//! bytes: nothing reads the clock, and every customer draws from its own random stream derived from
//! (seed, customer index), so customers are simulated in parallel chunks and written in order.
//!
//! # The generative story
//!
//! *The company* sells mobile plans and fixed internet boxes under 12- or 24-month commitments, TV
//! options and insurances by subscription, handsets and accessories one-off, and complex "wealth"
//! and premium services (complexity 4–5) sold by wealth advisers. Products differ in margin: handsets
//! sell near cost, accessories, insurance and wealth services carry the margin. Ten channels differ in
//! cost per contact and per minute, from an app contact (0.10 €) to the wealth adviser (35 € + 0.50 €/min).
//!
//! *Customers* (`C000001`…) live in French towns, some in shared households; they have an age, an
//! income band, an assets band that follows income and age, a few percent are insolvent. About 30 %
//! (for a 24-month window) are acquired during the window, the rest before it. Each has hidden traits:
//! a frailty (Gamma, mean 1) multiplying the departure hazard, a propensity to complain, to contact,
//! and to buy (a Gamma-distributed Poisson rate of one-off purchases, so BTYD models fit), and usage
//! levels per metric that depend on age.
//!
//! *Every month* an active customer may: move house, have a child, marry, divorce, change job,
//! retire; complain (billing, network, device, service — more in towns with a poor network), with a
//! first response that is sometimes beyond the 8-day norm and a resolution that sometimes never
//! comes; contact the company for information or service; buy accessories and handsets (some
//! discounted, some refunded); buy a complex product — rarely unless wealthy, and then mostly through
//! the adviser after an appointment booked by the call platform; be called by telesales; answer an
//! NPS survey whose score falls with recent, unresolved or late complaints. Contracts are charged
//! monthly; at the end of its commitment a mobile contract is renewed (often with a subsidised handset)
//! or runs on out of commitment.
//!
//! *Departure* is a decision taken with a monthly hazard (see `story::CHURN`): a base rate × frailty ×
//! multipliers for low tenure, the commitment ending within 3 months (or already over), a price above
//! the income band's means, recent complaints, an unresolved complaint, a late first response, a move,
//! a divorce or another life event, insolvency, living in a poor-network town; an adviser relationship
//! protects. The customer leaves 2–6 months after deciding. Meanwhile usage (calls, minutes, sms,
//! data_mb, logins, and less so zone_changes) falls linearly towards 35 % of normal, and the customer
//! calls the call centre about termination terms; an agent may make a retention offer (20 % off for a
//! new 12-month commitment) which, if accepted, reverses the decision. On departure every contract is
//! cancelled with a reason from the decision's strongest driver, and the customer's status is
//! `churned`. Non-leavers' usage has seasonality, a data-growth trend, holiday dips and, for 5 %, a
//! slow drift down without leaving (the false alarms a model must live with).
//!
//! *A past campaign* (`CMP01`, six months before the end) promoted a newly launched smartwatch by
//! e-mail to every eligible customer (active, solvent, with e-mail marketing consent); a random 10 %
//! control group was not contacted. Buying the watch within 30 days is the response: 3 % without the
//! e-mail, 6 % with it (times 1.4 under 35, 0.6 from 55), so the true uplift is about 3 points.
//!
//! `ground_truth.json` records the model parameters, the realised counts and, per customer, the
//! decision, departure, driver, frailty and the true probability of leaving within 6 months after
//! `end`, plus the campaign group and planted response probabilities.
//!
//! *Size and speed*: 100,000 customers × 24 months make about 16 million rows (usage 10.7 M,
//! transactions 3.7 M) and 680 MB, written in about 4 s in release on two cores, with under 400 MB
//! of memory: customers are simulated in chunks of 1,000, 16 chunks at a time, and each batch is
//! written while the next one is computed.
//!
//! Architecture Invariant: the only IO is writing the files of [`generate`] into the given directory;
//! nothing reads the clock or the environment.

mod calendar;
mod catalog;
mod config;
mod csv;
mod emit;
mod entity;
mod names;
mod profile;
mod random;
mod records;
mod sim;
mod story;
mod truth;
mod world;

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

pub use config::{FileRows, MAX_CUSTOMERS, MAX_MONTHS, SynthConfig, SynthError, SynthSummary};
pub use entity::Entity;

use calendar::format_day;
use csv::CsvBuf;
use emit::Buffers;
use sim::Sim;
use truth::{CustomerTruth, GroundTruth, Tally};
use world::World;

/// The file holding the planted truths, next to the CSV files.
pub const GROUND_TRUTH_FILE: &str = "ground_truth.json";

/// Customers simulated per chunk; fixed so that the output never depends on the thread count.
const CHUNK: u32 = 1_000;
/// Chunks computed in parallel before being written, bounding memory to a few hundred MB.
const BATCH: u32 = 16;

struct ChunkOut {
    buffers: Buffers,
    truths: Vec<CustomerTruth>,
    tally: Tally,
}

fn run_chunk(world: &World, from: u32, to: u32) -> ChunkOut {
    let mut buffers = Buffers::new();
    let mut truths = Vec::with_capacity((to - from) as usize);
    let mut tally = Tally::default();
    for index in from..to {
        let sim = Sim::run(world, index);
        emit::customer_rows(&sim, world, &mut buffers);
        truths.push(CustomerTruth::of(&sim, world));
        tally.add_customer(&sim, world);
    }
    ChunkOut {
        buffers,
        truths,
        tally,
    }
}

struct Output {
    path: PathBuf,
    writer: BufWriter<File>,
    rows: u64,
}

impl Output {
    fn write(&mut self, buf: &CsvBuf) -> Result<(), SynthError> {
        self.rows += buf.rows;
        self.writer
            .write_all(&buf.bytes)
            .map_err(|e| io_error(&self.path, e))
    }
}

fn io_error(path: &Path, source: std::io::Error) -> SynthError {
    SynthError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Writes the data set for `config` into `out_dir` (created if missing; existing files replaced).
pub fn generate(config: &SynthConfig, out_dir: &Path) -> Result<SynthSummary, SynthError> {
    config.validate()?;
    std::fs::create_dir_all(out_dir).map_err(|e| io_error(out_dir, e))?;
    let world = World::new(config);

    let mut outputs = Vec::with_capacity(Entity::COUNT);
    for entity in Entity::ALL {
        let path = out_dir.join(entity.file_name());
        let file = File::create(&path).map_err(|e| io_error(&path, e))?;
        let mut header = CsvBuf::new();
        header.header(entity.columns());
        let mut out = Output {
            path,
            writer: BufWriter::with_capacity(1 << 20, file),
            rows: 0,
        };
        out.write(&header)?;
        outputs.push(out);
    }
    let mut reference = Buffers::new();
    emit::reference_files(&world, &mut reference);
    write_buffers(&mut outputs, &reference)?;

    let mut truths = Vec::with_capacity(config.customers as usize);
    let mut tally = Tally::default();
    let chunks = config.customers.div_ceil(CHUNK);
    let compute = |batch: u32| -> Vec<ChunkOut> {
        let first = batch * BATCH;
        (first..(first + BATCH).min(chunks))
            .into_par_iter()
            .map(|c| run_chunk(&world, c * CHUNK, ((c + 1) * CHUNK).min(config.customers)))
            .collect()
    };
    // Writing batch k overlaps with computing batch k + 1.
    let batches = chunks.div_ceil(BATCH);
    let mut pending = compute(0);
    for next in 1..=batches {
        let (written, computed) = rayon::join(
            || -> Result<(), SynthError> {
                for chunk in &pending {
                    write_buffers(&mut outputs, &chunk.buffers)?;
                }
                Ok(())
            },
            || {
                if next < batches {
                    compute(next)
                } else {
                    Vec::new()
                }
            },
        );
        written?;
        for chunk in pending {
            truths.extend(chunk.truths);
            tally.merge(&chunk.tally);
        }
        pending = computed;
    }

    let mut files = Vec::with_capacity(Entity::COUNT);
    for (entity, mut out) in Entity::ALL.into_iter().zip(outputs) {
        out.writer.flush().map_err(|e| io_error(&out.path, e))?;
        files.push(FileRows {
            entity,
            file: entity.file_name(),
            rows: out.rows,
        });
    }

    let truth_path = out_dir.join(GROUND_TRUTH_FILE);
    let truth = GroundTruth::new(&world, config.customers, &tally, truths);
    let file = File::create(&truth_path).map_err(|e| io_error(&truth_path, e))?;
    let mut writer = BufWriter::new(file);
    truth
        .write(&mut writer)
        .and_then(|()| writer.flush())
        .map_err(|e| io_error(&truth_path, e))?;

    Ok(SynthSummary {
        customers: config.customers,
        months: config.months,
        seed: config.seed,
        window_start: format_day(world.window.start),
        end: format_day(world.window.end),
        total_rows: files.iter().map(|f| f.rows).sum(),
        files,
        churned_customers: tally.churned,
        ground_truth_file: GROUND_TRUTH_FILE.to_owned(),
    })
}

fn write_buffers(outputs: &mut [Output], buffers: &Buffers) -> Result<(), SynthError> {
    for (out, buf) in outputs.iter_mut().zip(&buffers.files) {
        out.write(buf)?;
    }
    Ok(())
}
