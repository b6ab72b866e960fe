//! Reading an import file: text decoding (UTF-8 with or without BOM, UTF-16 with BOM, otherwise
//! Windows-1252), CSV with a detected separator or JSONL, and the mapping of its columns to fields.

use fidelis_domain::parse::normalise_name;
use fidelis_domain::schema::{EntitySpec, Key};
use std::borrow::Cow;
use std::collections::HashMap;

/// The text of a file and the encoding it was read with.
pub(crate) struct Decoded {
    pub text: String,
    pub encoding: &'static str,
}

/// Decodes file bytes. Valid UTF-8 is taken as such; a file with a UTF-16 BOM is decoded from UTF-16;
/// anything else is read as Windows-1252, which agrees with Latin-1 on every printable character and adds
/// `€`, `œ` and the typographic quotes that French files carry.
pub(crate) fn decode(bytes: Vec<u8>) -> Decoded {
    if let Some((encoding, bom_len)) = encoding_rs::Encoding::for_bom(&bytes) {
        if encoding == encoding_rs::UTF_8 {
            let mut bytes = bytes;
            bytes.drain(..bom_len);
            return match String::from_utf8(bytes) {
                Ok(text) => Decoded {
                    text,
                    encoding: "utf-8",
                },
                Err(e) => decode_windows_1252(e.as_bytes()),
            };
        }
        let (text, _) = encoding.decode_with_bom_removal(&bytes);
        return Decoded {
            text: text.into_owned(),
            encoding: encoding.name(),
        };
    }
    match String::from_utf8(bytes) {
        Ok(text) => Decoded {
            text,
            encoding: "utf-8",
        },
        Err(e) => decode_windows_1252(e.as_bytes()),
    }
}

fn decode_windows_1252(bytes: &[u8]) -> Decoded {
    let (text, _, _) = encoding_rs::WINDOWS_1252.decode(bytes);
    Decoded {
        text: text.into_owned(),
        encoding: "windows-1252",
    }
}

/// Where the cells of a column go.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Target {
    Field(usize),
    /// A custom attribute (customers' `attr.<name>` columns).
    Attribute(String),
}

/// Maps column names to fields, with the user's `--map column=field` overrides.
pub(crate) struct ColumnMapper<'a> {
    spec: &'a EntitySpec,
    overrides: HashMap<String, usize>,
}

impl<'a> ColumnMapper<'a> {
    pub fn new(
        spec: &'a EntitySpec,
        mappings: &[(String, String)],
    ) -> Result<ColumnMapper<'a>, String> {
        let mut overrides = HashMap::new();
        for (column, field) in mappings {
            let field_norm = normalise_name(field);
            let index = spec
                .fields
                .iter()
                .position(|f| f.name == field_norm)
                .ok_or_else(|| {
                    format!(
                        "--map {column}={field}: {} has no field {field:?}; its fields are {}",
                        spec.table,
                        field_list(spec)
                    )
                })?;
            overrides.insert(normalise_name(column), index);
        }
        Ok(ColumnMapper { spec, overrides })
    }

    pub fn target(&self, column: &str) -> Option<Target> {
        let trimmed = column.trim().trim_start_matches('\u{feff}');
        let n = normalise_name(trimmed);
        if let Some(&i) = self.overrides.get(&n) {
            return Some(Target::Field(i));
        }
        if self.spec.custom_attributes {
            let lower = trimmed.to_lowercase();
            for prefix in ["attr.", "attr_"] {
                if let Some(name) = lower.strip_prefix(prefix).filter(|n| !n.is_empty()) {
                    return Some(Target::Attribute(name.to_owned()));
                }
            }
        }
        self.spec.match_column(&n).map(Target::Field)
    }

    /// Maps a CSV header; errors name the column and list what is expected.
    pub fn map_header(&self, header: &[&str]) -> Result<Vec<Target>, String> {
        let mut targets = Vec::with_capacity(header.len());
        let mut seen: HashMap<usize, &str> = HashMap::new();
        for column in header {
            match self.target(column) {
                Some(Target::Field(i)) => {
                    if let Some(previous) = seen.insert(i, column) {
                        return Err(format!(
                            "columns {previous:?} and {column:?} both designate the field {}",
                            self.spec.fields[i].name
                        ));
                    }
                    targets.push(Target::Field(i));
                }
                Some(t) => targets.push(t),
                None => {
                    return Err(format!(
                        "unknown column {column:?} for {}: expected one of {} (or --map {column}=FIELD)",
                        self.spec.table,
                        field_list(self.spec)
                    ));
                }
            }
        }
        let missing: Vec<&str> = self
            .spec
            .fields
            .iter()
            .enumerate()
            .filter(|(i, f)| {
                f.required
                    && f.default.is_none()
                    && !seen.contains_key(i)
                    && !optional_id(self.spec, f.name)
            })
            .map(|(_, f)| f.name)
            .collect();
        if !missing.is_empty() {
            return Err(format!(
                "missing required column(s) {} for {}",
                missing.join(", "),
                self.spec.table
            ));
        }
        Ok(targets)
    }
}

fn optional_id(spec: &EntitySpec, name: &str) -> bool {
    name == "id" && matches!(spec.key, Key::ExternalId { required: false })
}

pub(crate) fn field_list(spec: &EntitySpec) -> String {
    spec.fields
        .iter()
        .map(|f| f.name)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Guesses the CSV separator from the header line: the most frequent of `,`, `;`, tab and `|`.
pub(crate) fn detect_delimiter(text: &str) -> u8 {
    let first_line = text.lines().next().unwrap_or("");
    [b',', b';', b'\t', b'|']
        .into_iter()
        .max_by_key(|d| (first_line.bytes().filter(|b| b == d).count(), *d == b','))
        .unwrap_or(b',')
}

/// A JSON value of a JSONL object as the text the field parsers read; `None` for null.
pub(crate) fn json_cell(value: &serde_json::Value) -> Result<Option<Cow<'_, str>>, &'static str> {
    match value {
        serde_json::Value::Null => Ok(None),
        serde_json::Value::String(s) => Ok(Some(Cow::Borrowed(s))),
        serde_json::Value::Number(n) => Ok(Some(Cow::Owned(n.to_string()))),
        serde_json::Value::Bool(b) => Ok(Some(Cow::Borrowed(if *b { "true" } else { "false" }))),
        _ => Err("a string, number, boolean or null (not an array or object)"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use fidelis_domain::Entity;

    #[test]
    fn decoding() {
        let latin1 = b"nom;ville\nFran\xe7oise;B\xe9ziers 5\x80\n".to_vec();
        let d = decode(latin1);
        assert_eq!(d.encoding, "windows-1252");
        assert_eq!(d.text, "nom;ville\nFrançoise;Béziers 5€\n");
        let bom = [b"\xef\xbb\xbf".as_slice(), "prénom".as_bytes()].concat();
        let d = decode(bom);
        assert_eq!((d.text.as_str(), d.encoding), ("prénom", "utf-8"));
        let utf16: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain("é€".encode_utf16().flat_map(|u| u.to_le_bytes()))
            .collect();
        assert_eq!(decode(utf16).text, "é€");
    }

    #[test]
    fn header_mapping() {
        let spec = Entity::Customers.spec();
        let mapper = ColumnMapper::new(spec, &[("Num".into(), "id".into())]).unwrap();
        let targets = mapper
            .map_header(&["Num", "Prénom", "Date de naissance", "attr.loyalty_card"])
            .unwrap();
        assert_eq!(targets[0], Target::Field(spec.field("id").unwrap().0));
        assert_eq!(
            targets[1],
            Target::Field(spec.field("first_name").unwrap().0)
        );
        assert_eq!(
            targets[2],
            Target::Field(spec.field("birth_date").unwrap().0)
        );
        assert_eq!(targets[3], Target::Attribute("loyalty_card".into()));
        let err = mapper.map_header(&["id", "shoe_size"]).unwrap_err();
        assert!(err.contains("unknown column \"shoe_size\""), "{err}");
        let err = mapper.map_header(&["prenom"]).unwrap_err();
        assert!(err.contains("missing required column(s) id"), "{err}");
        let err = mapper.map_header(&["id", "nom", "last_name"]).unwrap_err();
        assert!(err.contains("both designate the field last_name"), "{err}");
        assert!(ColumnMapper::new(spec, &[("x".into(), "nope".into())]).is_err());
        // Transactions may come without ids.
        let tx = Entity::Transactions.spec();
        assert!(
            ColumnMapper::new(tx, &[])
                .unwrap()
                .map_header(&["client", "produit", "date", "montant"])
                .is_ok()
        );
    }

    #[test]
    fn delimiters() {
        assert_eq!(detect_delimiter("a;b;c\n1,5;2;3"), b';');
        assert_eq!(detect_delimiter("a,b,c"), b',');
        assert_eq!(detect_delimiter("a\tb"), b'\t');
        assert_eq!(detect_delimiter("id"), b',');
    }
}
