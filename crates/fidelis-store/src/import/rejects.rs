//! Rejected rows: what was wrong, where, and the rejects file that lists them.

use serde::Serialize;
use std::io::Write;
use std::path::Path;

/// Longest value copied into a reject: enough to recognise it, never a 10 MB field.
const MAX_SHOWN_CHARS: usize = 200;

/// One problem found in one row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reject {
    pub line: u64,
    pub field: String,
    pub value: String,
    pub reason: String,
}

impl Reject {
    pub fn new(line: u64, field: &str, value: &str, reason: String) -> Reject {
        Reject {
            line,
            field: field.to_owned(),
            value: shown(value),
            reason,
        }
    }
}

/// The value as shown in a reject: NUL and control characters made visible, long values cut.
fn shown(value: &str) -> String {
    let mut out = String::new();
    for (n, c) in value.chars().enumerate() {
        if n == MAX_SHOWN_CHARS {
            out.push_str(&format!("… ({} bytes in all)", value.len()));
            break;
        }
        match c {
            '\0' => out.push_str("\\0"),
            c if c.is_control() && c != '\t' => out.push_str(&c.escape_default().to_string()),
            c => out.push(c),
        }
    }
    out
}

/// Writes the rejects as CSV (`line,field,value,reason`), replacing any previous file.
pub(crate) fn write_rejects(path: &Path, rejects: &[Reject]) -> std::io::Result<()> {
    let file = std::fs::File::create(path)?;
    let mut out = std::io::BufWriter::new(file);
    let mut writer = csv::Writer::from_writer(&mut out);
    writer.write_record(["line", "field", "value", "reason"])?;
    for r in rejects {
        writer.write_record([r.line.to_string().as_str(), &r.field, &r.value, &r.reason])?;
    }
    writer.flush()?;
    drop(writer);
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shown_values_are_bounded_and_visible() {
        assert_eq!(shown("a\0b"), "a\\0b");
        let long = "x".repeat(10_000);
        let s = shown(&long);
        assert!(
            s.starts_with(&"x".repeat(200)) && s.ends_with("(10000 bytes in all)"),
            "{s}"
        );
    }
}
