//! An append-only CSV line builder over a byte buffer: quoting, dates, times and amounts without allocation.

use crate::calendar::{Day, SECONDS_PER_DAY, Ts, civil_from_days};

/// Bytes of one CSV file (or one chunk of it), built a field at a time.
#[derive(Default)]
pub(crate) struct CsvBuf {
    pub bytes: Vec<u8>,
    /// Whether the next field starts a line (no comma before it).
    line_start: bool,
    pub rows: u64,
}

impl CsvBuf {
    pub(crate) fn new() -> Self {
        CsvBuf {
            bytes: Vec::new(),
            line_start: true,
            rows: 0,
        }
    }

    fn sep(&mut self) {
        if self.line_start {
            self.line_start = false;
        } else {
            self.bytes.push(b',');
        }
    }

    /// Ends the current data line (counted in `rows`).
    pub(crate) fn end(&mut self) {
        self.bytes.push(b'\n');
        self.line_start = true;
        self.rows += 1;
    }

    pub(crate) fn header(&mut self, columns: &[&str]) {
        for c in columns {
            self.text(c);
        }
        self.bytes.push(b'\n');
        self.line_start = true;
    }

    /// A text cell, quoted only when it holds a comma, a quote or a line break (RFC 4180).
    pub(crate) fn text(&mut self, s: &str) {
        self.sep();
        if s.bytes().any(|b| matches!(b, b',' | b'"' | b'\n' | b'\r')) {
            self.bytes.push(b'"');
            for b in s.bytes() {
                if b == b'"' {
                    self.bytes.push(b'"');
                }
                self.bytes.push(b);
            }
            self.bytes.push(b'"');
        } else {
            self.bytes.extend_from_slice(s.as_bytes());
        }
    }

    pub(crate) fn opt_text(&mut self, s: Option<&str>) {
        match s {
            Some(s) => self.text(s),
            None => self.empty(),
        }
    }

    pub(crate) fn empty(&mut self) {
        self.sep();
    }

    pub(crate) fn int(&mut self, n: i64) {
        self.sep();
        let mut b = itoa::Buffer::new();
        self.bytes.extend_from_slice(b.format(n).as_bytes());
    }

    /// An id made of a letter prefix and a zero-padded number: `C000042`.
    pub(crate) fn id(&mut self, prefix: &str, n: u64, width: usize) {
        self.sep();
        self.bytes.extend_from_slice(prefix.as_bytes());
        self.padded(n, width);
    }

    /// A per-customer sequence id, `T000042-0003`: unique without a global counter, so chunks run in parallel.
    pub(crate) fn seq_id(&mut self, prefix: &str, customer_no: u64, seq: u64, width: usize) {
        self.id(prefix, customer_no, 6);
        self.bytes.push(b'-');
        self.padded(seq, width);
    }

    fn padded(&mut self, n: u64, width: usize) {
        let mut b = itoa::Buffer::new();
        let digits = b.format(n);
        for _ in digits.len()..width {
            self.bytes.push(b'0');
        }
        self.bytes.extend_from_slice(digits.as_bytes());
    }

    /// An amount in cents as `12.50`.
    pub(crate) fn amount(&mut self, cents: i64) {
        self.fixed(cents, 2, 100);
    }

    /// A decimal with `places` decimals from an integer scaled by `scale` (= 10^places).
    pub(crate) fn fixed(&mut self, scaled: i64, places: usize, scale: i64) {
        self.sep();
        if scaled < 0 {
            self.bytes.push(b'-');
        }
        let v = scaled.unsigned_abs();
        let scale = scale.unsigned_abs();
        let mut b = itoa::Buffer::new();
        self.bytes.extend_from_slice(b.format(v / scale).as_bytes());
        self.bytes.push(b'.');
        self.padded(v % scale, places);
    }

    pub(crate) fn bool(&mut self, v: bool) {
        self.sep();
        self.bytes
            .extend_from_slice(if v { b"true" } else { b"false" });
    }

    pub(crate) fn date(&mut self, day: Day) {
        self.sep();
        self.push_date(day);
    }

    pub(crate) fn opt_date(&mut self, day: Option<Day>) {
        match day {
            Some(d) => self.date(d),
            None => self.empty(),
        }
    }

    /// A month period, `2024-05`.
    pub(crate) fn period(&mut self, day: Day) {
        self.sep();
        let (y, m, _) = civil_from_days(day);
        self.padded(y as u64, 4);
        self.bytes.push(b'-');
        self.padded(u64::from(m), 2);
    }

    fn push_date(&mut self, day: Day) {
        let (y, m, d) = civil_from_days(day);
        self.padded(y as u64, 4);
        self.bytes.push(b'-');
        self.padded(u64::from(m), 2);
        self.bytes.push(b'-');
        self.padded(u64::from(d), 2);
    }

    /// A UTC date-time, `2024-05-01T14:05:00Z`.
    pub(crate) fn time(&mut self, ts: Ts) {
        self.sep();
        let day = ts.div_euclid(SECONDS_PER_DAY);
        let secs = ts.rem_euclid(SECONDS_PER_DAY) as u64;
        self.push_date(day as Day);
        self.bytes.push(b'T');
        self.padded(secs / 3600, 2);
        self.bytes.push(b':');
        self.padded(secs / 60 % 60, 2);
        self.bytes.push(b':');
        self.padded(secs % 60, 2);
        self.bytes.push(b'Z');
    }

    pub(crate) fn opt_time(&mut self, ts: Option<Ts>) {
        match ts {
            Some(t) => self.time(t),
            None => self.empty(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::days_from_civil;

    fn line(f: impl FnOnce(&mut CsvBuf)) -> String {
        let mut b = CsvBuf::new();
        f(&mut b);
        b.end();
        String::from_utf8(b.bytes).unwrap_or_default()
    }

    #[test]
    fn cells() {
        let d = days_from_civil(2024, 5, 1);
        let cases: Vec<(String, &str)> = vec![
            (line(|b| b.text("Besançon")), "Besançon\n"),
            (
                line(|b| b.text("12, rue de la Paix")),
                "\"12, rue de la Paix\"\n",
            ),
            (line(|b| b.text("dit \"oui\"")), "\"dit \"\"oui\"\"\"\n"),
            (line(|b| b.amount(1250)), "12.50\n"),
            (line(|b| b.amount(7)), "0.07\n"),
            (line(|b| b.fixed(-15_420, 4, 10_000)), "-1.5420\n"),
            (line(|b| b.date(d)), "2024-05-01\n"),
            (line(|b| b.period(d)), "2024-05\n"),
            (
                line(|b| b.time(i64::from(d) * 86_400 + 14 * 3600 + 5 * 60 + 9)),
                "2024-05-01T14:05:09Z\n",
            ),
            (line(|b| b.seq_id("T", 42, 3, 4)), "T000042-0003\n"),
            (
                line(|b| {
                    b.bool(true);
                    b.empty();
                    b.int(-3)
                }),
                "true,,-3\n",
            ),
        ];
        for (got, want) in cases {
            assert_eq!(got, want);
        }
    }
}
