//! Integration tests of fidelis-synth: one binary, data sets generated once per process and shared.

mod determinism;
mod files;
mod story;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use chrono::NaiveDate;
use fidelis_synth::{Entity, SynthConfig, SynthSummary, generate};

pub(crate) fn end() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 10, 31).unwrap_or_default()
}

pub(crate) fn config(customers: u32, months: u32, seed: u64) -> SynthConfig {
    SynthConfig {
        customers,
        months,
        seed,
        end: end(),
    }
}

/// A fresh directory under cargo's scratch space; fixed names, so reruns replace rather than pile up.
pub(crate) fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("synth-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_file(&dir);
    dir
}

/// A generated data set, shared by the tests that read it.
pub(crate) struct DataSet {
    pub dir: PathBuf,
    pub summary: SynthSummary,
}

fn make(name: &str, customers: u32, months: u32, seed: u64) -> DataSet {
    let dir = scratch(name);
    let summary = match generate(&config(customers, months, seed), &dir) {
        Ok(s) => s,
        Err(e) => panic!("generate {name}: {e}"),
    };
    DataSet { dir, summary }
}

/// 600 customers over 12 months: file-level checks.
pub(crate) fn small() -> &'static DataSet {
    static SET: OnceLock<DataSet> = OnceLock::new();
    SET.get_or_init(|| make("small", 600, 12, 7))
}

/// 3,000 customers over 24 months: the planted structure.
pub(crate) fn medium() -> &'static DataSet {
    static SET: OnceLock<DataSet> = OnceLock::new();
    SET.get_or_init(|| make("medium", 3_000, 24, 11))
}

/// A parsed CSV file: header and rows of cells.
pub(crate) struct Table {
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
    index: HashMap<String, usize>,
}

impl Table {
    pub(crate) fn col(&self, name: &str) -> usize {
        match self.index.get(name) {
            Some(i) => *i,
            None => panic!("no column {name} in {:?}", self.header),
        }
    }

    /// The cells of one column.
    pub(crate) fn column(&self, name: &str) -> Vec<&str> {
        let i = self.col(name);
        self.rows.iter().map(|r| r[i].as_str()).collect()
    }
}

pub(crate) fn read(dir: &Path, entity: Entity) -> Table {
    let path = dir.join(entity.file_name());
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) => panic!("{}: {e}", path.display()),
    };
    let mut lines = parse_csv(&text);
    assert!(!lines.is_empty(), "{} is empty", path.display());
    let header = lines.remove(0);
    let index = header
        .iter()
        .enumerate()
        .map(|(i, h)| (h.clone(), i))
        .collect();
    for (n, row) in lines.iter().enumerate() {
        assert_eq!(
            row.len(),
            header.len(),
            "{} line {}: {row:?}",
            path.display(),
            n + 2
        );
    }
    Table {
        header,
        rows: lines,
        index,
    }
}

/// RFC 4180 parsing: quoted cells may hold commas, doubled quotes and line breaks.
pub(crate) fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut cell = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    cell.push('"');
                    chars.next();
                }
                '"' => quoted = false,
                c => cell.push(c),
            }
        } else {
            match c {
                '"' => quoted = true,
                ',' => row.push(std::mem::take(&mut cell)),
                '\n' => {
                    row.push(std::mem::take(&mut cell));
                    rows.push(std::mem::take(&mut row));
                }
                c => cell.push(c),
            }
        }
    }
    assert!(
        cell.is_empty() && row.is_empty(),
        "file does not end with a newline"
    );
    rows
}

#[test]
fn csv_parser_handles_quotes() {
    let rows = parse_csv("a,b\n\"1, rue\",\"dit \"\"oui\"\"\"\n,x\n");
    assert_eq!(
        rows,
        vec![vec!["a", "b"], vec!["1, rue", "dit \"oui\""], vec!["", "x"]]
    );
}
