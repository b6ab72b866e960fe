//! Parsing of the value formats met in imported files: French and ISO dates, amounts with either decimal
//! separator, booleans in English and French, e-mail addresses and phone numbers.
//!
//! Every parser takes the trimmed cell text and returns the value or a short sentence saying what was
//! expected; the caller adds the file, line and field.

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, NaiveTime, Utc};

/// What a parser expected, in words a user understands.
pub type Expected = &'static str;

/// Parses a calendar date: `2024-12-31`, `2024/12/31`, `31/12/2024`, `31.12.2024`, `31-12-2024`, or the date
/// part of an ISO date-time.
pub fn parse_date(text: &str) -> Result<NaiveDate, Expected> {
    const EXPECTED: Expected = "a date such as 2024-12-31 or 31/12/2024";
    let text = text.trim();
    // An ISO date-time carries its date in the first ten characters.
    let date_part = match text.find(['T', ' ']) {
        Some(10) => &text[..10],
        Some(_) => return Err(EXPECTED),
        None => text,
    };
    let bytes = date_part.as_bytes();
    let (year, month, day) = match bytes {
        [y0, y1, y2, y3, sep1, m0, m1, sep2, d0, d1]
            if matches!(sep1, b'-' | b'/') && sep1 == sep2 =>
        {
            (
                digits(&[*y0, *y1, *y2, *y3]),
                digits(&[*m0, *m1]),
                digits(&[*d0, *d1]),
            )
        }
        [d0, d1, sep1, m0, m1, sep2, y0, y1, y2, y3]
            if matches!(sep1, b'/' | b'.' | b'-') && sep1 == sep2 =>
        {
            (
                digits(&[*y0, *y1, *y2, *y3]),
                digits(&[*m0, *m1]),
                digits(&[*d0, *d1]),
            )
        }
        _ => return Err(EXPECTED),
    };
    match (year, month, day) {
        (Some(y), Some(m), Some(d)) => {
            NaiveDate::from_ymd_opt(y as i32, m, d).ok_or("an existing calendar date")
        }
        _ => Err(EXPECTED),
    }
}

/// Parses a month (`2024-05`, `05/2024`) or a date, returning the first day of that month or the date.
pub fn parse_period(text: &str) -> Result<NaiveDate, Expected> {
    const EXPECTED: Expected = "a month such as 2024-05 or a date such as 2024-05-01";
    let text = text.trim();
    let bytes = text.as_bytes();
    let (year, month) = match bytes {
        [y0, y1, y2, y3, b'-' | b'/', m0, m1] => {
            (digits(&[*y0, *y1, *y2, *y3]), digits(&[*m0, *m1]))
        }
        [m0, m1, b'/' | b'-' | b'.', y0, y1, y2, y3] => {
            (digits(&[*y0, *y1, *y2, *y3]), digits(&[*m0, *m1]))
        }
        _ => return parse_date(text).map_err(|_| EXPECTED),
    };
    match (year, month) {
        (Some(y), Some(m)) => {
            NaiveDate::from_ymd_opt(y as i32, m, 1).ok_or("a month between 01 and 12")
        }
        _ => Err(EXPECTED),
    }
}

/// Parses a date-time and converts it to UTC. Without an offset the time is read as UTC; a plain date is
/// midnight UTC.
pub fn parse_datetime(text: &str) -> Result<DateTime<Utc>, Expected> {
    const EXPECTED: Expected =
        "a date-time such as 2024-12-31T14:05:00Z, 2024-12-31 14:05 or 31/12/2024 14:05";
    let text = text.trim();
    if text.len() <= 10 {
        return parse_date(text)
            .map(|d| d.and_time(NaiveTime::MIN).and_utc())
            .map_err(|_| EXPECTED);
    }
    let sep = text.as_bytes()[10];
    if sep != b'T' && sep != b' ' {
        return Err(EXPECTED);
    }
    let date = parse_date(&text[..10]).map_err(|_| EXPECTED)?;
    let rest = &text[11..];
    // Split the clock time from an optional offset (Z, +01:00, -0500).
    let (clock, offset_minutes) = match rest.find(['Z', 'z', '+', '-']) {
        Some(i) => (&rest[..i], parse_offset(&rest[i..]).ok_or(EXPECTED)?),
        None => (rest.trim_end(), 0),
    };
    let time = parse_clock(clock.trim_end()).ok_or(EXPECTED)?;
    let local = NaiveDateTime::new(date, time);
    Ok((local - Duration::minutes(offset_minutes)).and_utc())
}

fn parse_clock(text: &str) -> Option<NaiveTime> {
    let (hms, nanos) = match text.split_once(['.', ',']) {
        Some((hms, frac)) if !frac.is_empty() && frac.len() <= 9 => {
            let value: u32 = frac.parse().ok()?;
            (hms, value * 10u32.pow(9 - frac.len() as u32))
        }
        Some(_) => return None,
        None => (text, 0),
    };
    let b = hms.as_bytes();
    let (h, m, s) = match b {
        [h0, h1, b':', m0, m1] => (digits(&[*h0, *h1])?, digits(&[*m0, *m1])?, 0),
        [h0, h1, b':', m0, m1, b':', s0, s1] => (
            digits(&[*h0, *h1])?,
            digits(&[*m0, *m1])?,
            digits(&[*s0, *s1])?,
        ),
        _ => return None,
    };
    NaiveTime::from_hms_nano_opt(h, m, s, nanos)
}

fn parse_offset(text: &str) -> Option<i64> {
    if text.eq_ignore_ascii_case("z") {
        return Some(0);
    }
    let sign = match text.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let b = &text.as_bytes()[1..];
    let (h, m) = match b {
        [h0, h1] => (digits(&[*h0, *h1])?, 0),
        [h0, h1, m0, m1] | [h0, h1, b':', m0, m1] => (digits(&[*h0, *h1])?, digits(&[*m0, *m1])?),
        _ => return None,
    };
    if h > 14 || m > 59 {
        return None;
    }
    Some(sign * (h as i64 * 60 + m as i64))
}

fn digits(bytes: &[u8]) -> Option<u32> {
    bytes.iter().try_fold(0u32, |acc, &b| {
        b.is_ascii_digit().then(|| acc * 10 + (b - b'0') as u32)
    })
}

/// Parses an amount into integer minor units with `exponent` decimals (2 for EUR).
///
/// Accepts `1234.56`, `1234,56`, `1 234,56` (space, no-break or thin space between thousands), `1.234,56`,
/// `1,234.56`, a leading `-`, and a currency sign or code before or after the number. A single comma is
/// a decimal comma (French usage). More decimals than the currency has are refused rather than rounded.
pub fn parse_amount(text: &str, exponent: u32) -> Result<i64, Expected> {
    const EXPECTED: Expected = "an amount such as 1234.56 or 1 234,56";
    let mut s = text.trim();
    for sign in ["€", "EUR", "$", "USD", "£", "GBP", "CHF"] {
        s = s.strip_prefix(sign).unwrap_or(s).trim();
        s = s.strip_suffix(sign).unwrap_or(s).trim();
    }
    let (negative, s) = match s.strip_prefix('-') {
        Some(rest) => (true, rest.trim_start()),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    // Keep digits and separators; spaces of any kind are thousands separators.
    let mut cleaned = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '0'..='9' | '.' | ',' => cleaned.push(c),
            ' ' | '\u{a0}' | '\u{202f}' | '\u{2009}' | '\'' => {}
            _ => return Err(EXPECTED),
        }
    }
    if cleaned.is_empty() {
        return Err(EXPECTED);
    }
    let commas = cleaned.matches(',').count();
    let dots = cleaned.matches('.').count();
    let decimal_separator = match (commas, dots) {
        (0, 0) => None,
        (1, 0) => Some(','),
        (0, 1) => Some('.'),
        (_, 0) | (0, _) => None, // 1,234,567 or 1.234.567: thousands only
        _ => {
            // Both present: the last one is the decimal separator and must appear once.
            let last = if cleaned.rfind(',') > cleaned.rfind('.') {
                ','
            } else {
                '.'
            };
            if cleaned.matches(last).count() != 1 {
                return Err(EXPECTED);
            }
            Some(last)
        }
    };
    let (int_part, frac_part) = match decimal_separator {
        Some(sep) => cleaned.split_once(sep).unwrap_or((&cleaned, "")),
        None => (cleaned.as_str(), ""),
    };
    let int_digits: String = int_part.chars().filter(char::is_ascii_digit).collect();
    if int_digits.is_empty() && frac_part.is_empty() {
        return Err(EXPECTED);
    }
    if !frac_part.chars().all(|c| c.is_ascii_digit()) {
        return Err(EXPECTED);
    }
    let frac_trimmed = frac_part.trim_end_matches('0');
    if frac_trimmed.len() > exponent as usize {
        return Err(if exponent == 2 {
            "an amount with at most 2 decimals"
        } else {
            "an amount with no more decimals than the currency has"
        });
    }
    let scale = 10i64.pow(exponent);
    let int_value: i64 = if int_digits.is_empty() {
        0
    } else {
        int_digits.parse().map_err(|_| "an amount within range")?
    };
    let mut frac_value: i64 = 0;
    for (i, c) in frac_trimmed.chars().enumerate() {
        frac_value += (c as i64 - '0' as i64) * 10i64.pow(exponent - 1 - i as u32);
    }
    let minor = int_value
        .checked_mul(scale)
        .and_then(|v| v.checked_add(frac_value))
        .ok_or("an amount within range")?;
    Ok(if negative { -minor } else { minor })
}

/// Parses a decimal number with a dot or a comma as decimal separator (`3.5`, `3,5`, `1 200,5`).
pub fn parse_decimal(text: &str) -> Result<f64, Expected> {
    const EXPECTED: Expected = "a number such as 3.5 or 3,5";
    let cleaned: String = text
        .trim()
        .chars()
        .filter(|c| !matches!(c, ' ' | '\u{a0}' | '\u{202f}' | '\u{2009}'))
        .map(|c| if c == ',' { '.' } else { c })
        .collect();
    match cleaned.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        _ => Err(EXPECTED),
    }
}

/// Parses a whole number; `3.0` is accepted, `3.5` is not.
pub fn parse_integer(text: &str) -> Result<i64, Expected> {
    const EXPECTED: Expected = "a whole number";
    let t = text.trim();
    if let Ok(v) = t.parse::<i64>() {
        return Ok(v);
    }
    let v = parse_decimal(t).map_err(|_| EXPECTED)?;
    if v.fract() == 0.0 && v.abs() < 9.0e15 {
        Ok(v as i64)
    } else {
        Err(EXPECTED)
    }
}

/// Parses a boolean written in English or French.
pub fn parse_bool(text: &str) -> Result<bool, Expected> {
    match text.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" | "y" | "1" | "oui" | "o" | "vrai" | "t" => Ok(true),
        "false" | "no" | "n" | "0" | "non" | "faux" | "f" => Ok(false),
        _ => Err("true/false, yes/no, oui/non or 1/0"),
    }
}

/// Parses and normalises an e-mail address (trimmed, lower-cased).
pub fn parse_email(text: &str) -> Result<String, Expected> {
    const EXPECTED: Expected = "an e-mail address such as name@example.com";
    let email = text.trim().to_lowercase();
    let (local, domain) = email.split_once('@').ok_or(EXPECTED)?;
    let valid = !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
        && !email.chars().any(|c| c.is_whitespace() || c.is_control());
    if valid { Ok(email) } else { Err(EXPECTED) }
}

/// Parses and normalises a phone number to an international form (`+33612345678`); a ten-digit number
/// starting with 0 is read as French.
pub fn parse_phone(text: &str) -> Result<String, Expected> {
    const EXPECTED: Expected = "a phone number such as 06 12 34 56 78 or +33 6 12 34 56 78";
    let t = text.trim();
    let mut out = String::with_capacity(t.len());
    for (i, c) in t.chars().enumerate() {
        match c {
            '0'..='9' => out.push(c),
            '+' if i == 0 => out.push(c),
            ' ' | '.' | '-' | '(' | ')' | '/' | '\u{a0}' => {}
            _ => return Err(EXPECTED),
        }
    }
    let normalised = if let Some(rest) = out.strip_prefix("00") {
        format!("+{rest}")
    } else if out.len() == 10 && out.starts_with('0') {
        format!("+33{}", &out[1..])
    } else {
        out
    };
    let digit_count = normalised.chars().filter(char::is_ascii_digit).count();
    if (6..=15).contains(&digit_count) {
        Ok(normalised)
    } else {
        Err(EXPECTED)
    }
}

/// Normalises a column name for matching: lower case, accents removed, any run of other characters
/// becomes one `_`.
pub fn normalise_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut pending_sep = false;
    for c in name.trim().trim_start_matches('\u{feff}').chars() {
        let base = strip_accent(c.to_lowercase().next().unwrap_or(c));
        if base.is_ascii_alphanumeric() {
            if pending_sep && !out.is_empty() {
                out.push('_');
            }
            pending_sep = false;
            out.push(base);
        } else {
            pending_sep = true;
        }
    }
    out
}

fn strip_accent(c: char) -> char {
    match c {
        'à' | 'á' | 'â' | 'ä' | 'ã' | 'å' => 'a',
        'ç' => 'c',
        'è' | 'é' | 'ê' | 'ë' => 'e',
        'ì' | 'í' | 'î' | 'ï' => 'i',
        'ñ' => 'n',
        'ò' | 'ó' | 'ô' | 'ö' | 'õ' => 'o',
        'ù' | 'ú' | 'û' | 'ü' => 'u',
        'ý' | 'ÿ' => 'y',
        'œ' => 'o',
        _ => c,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn dates() {
        let cases: &[(&str, Option<NaiveDate>)] = &[
            ("2024-12-31", Some(date(2024, 12, 31))),
            ("31/12/2024", Some(date(2024, 12, 31))),
            ("31.12.2024", Some(date(2024, 12, 31))),
            ("2024/12/31", Some(date(2024, 12, 31))),
            ("2024-12-31T10:00:00Z", Some(date(2024, 12, 31))),
            (" 01/02/2024 ", Some(date(2024, 2, 1))),
            ("2024-02-30", None),
            ("31/13/2024", None),
            ("2024-1-5", None),
            ("hier", None),
            ("", None),
        ];
        for (text, expected) in cases {
            assert_eq!(parse_date(text).ok(), *expected, "{text:?}");
        }
    }

    #[test]
    fn datetimes() {
        let utc = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
        let cases: &[(&str, Option<DateTime<Utc>>)] = &[
            ("2024-12-31T14:05:00Z", Some(utc("2024-12-31T14:05:00Z"))),
            (
                "2024-12-31T15:05:00+01:00",
                Some(utc("2024-12-31T14:05:00Z")),
            ),
            (
                "2024-12-31T09:05:00-0500",
                Some(utc("2024-12-31T14:05:00Z")),
            ),
            ("2024-12-31 14:05", Some(utc("2024-12-31T14:05:00Z"))),
            ("31/12/2024 14:05:30", Some(utc("2024-12-31T14:05:30Z"))),
            (
                "2024-12-31T14:05:00.250Z",
                Some(utc("2024-12-31T14:05:00.250Z")),
            ),
            ("2024-12-31", Some(utc("2024-12-31T00:00:00Z"))),
            ("2024-12-31T25:00:00Z", None),
            ("2024-12-31T14:05:00+99:00", None),
            ("2024-12-31X14:05", None),
        ];
        for (text, expected) in cases {
            assert_eq!(parse_datetime(text).ok(), *expected, "{text:?}");
        }
    }

    #[test]
    fn periods() {
        assert_eq!(parse_period("2024-05"), Ok(date(2024, 5, 1)));
        assert_eq!(parse_period("05/2024"), Ok(date(2024, 5, 1)));
        assert_eq!(parse_period("2024-05-17"), Ok(date(2024, 5, 17)));
        assert!(parse_period("2024-13").is_err());
    }

    #[test]
    fn amounts() {
        let cases: &[(&str, Option<i64>)] = &[
            ("1234.56", Some(123456)),
            ("1234,56", Some(123456)),
            ("1 234,56", Some(123456)),
            ("1\u{a0}234,56", Some(123456)),
            ("1\u{202f}234,56 €", Some(123456)),
            ("1.234,56", Some(123456)),
            ("1,234.56", Some(123456)),
            ("1.234.567", Some(123456700)),
            ("-12,5", Some(-1250)),
            ("€12", Some(1200)),
            ("0,10", Some(10)),
            (",5", Some(50)),
            ("12.340", Some(1234)),
            ("12.345", None),
            ("1,2,3.4,5", None),
            ("12a", None),
            ("", None),
            ("-", None),
            ("99999999999999999999", None),
        ];
        for (text, expected) in cases {
            assert_eq!(parse_amount(text, 2).ok(), *expected, "{text:?}");
        }
        assert_eq!(parse_amount("1 500", 0), Ok(1500));
    }

    #[test]
    fn booleans_numbers_contacts() {
        assert_eq!(parse_bool("Oui"), Ok(true));
        assert_eq!(parse_bool("non"), Ok(false));
        assert!(parse_bool("peut-être").is_err());
        assert_eq!(parse_decimal("3,5"), Ok(3.5));
        assert!(parse_decimal("NaN").is_err());
        assert_eq!(parse_integer("3"), Ok(3));
        assert_eq!(parse_integer("3.0"), Ok(3));
        assert!(parse_integer("3.5").is_err());
        assert_eq!(
            parse_email(" Anne.Dupont@Example.FR "),
            Ok("anne.dupont@example.fr".into())
        );
        assert!(parse_email("anne@localhost").is_err());
        assert!(parse_email("an ne@example.fr").is_err());
        assert_eq!(parse_phone("06 12 34 56 78"), Ok("+33612345678".into()));
        assert_eq!(parse_phone("0033 6 12 34 56 78"), Ok("+33612345678".into()));
        assert!(parse_phone("06 12 AB").is_err());
    }

    #[test]
    fn names() {
        assert_eq!(normalise_name("Date de naissance"), "date_de_naissance");
        assert_eq!(normalise_name("\u{feff}Prénom"), "prenom");
        assert_eq!(normalise_name("Coût-unitaire"), "cout_unitaire");
        assert_eq!(normalise_name(" E-Mail "), "e_mail");
    }
}
