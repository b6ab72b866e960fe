//! Turning the cells of one imported row into typed values: parsing, defaults, cross-field rules,
//! reference resolution and duplicate detection. Every problem becomes a reject naming line, field, value
//! and what was expected.

use super::rejects::Reject;
use chrono::NaiveDate;
use fidelis_domain::schema::{EntitySpec, FieldKind, Key};
use fidelis_domain::value::{self, Value, allowed_values};
use fidelis_domain::{Currency, Entity};
use std::collections::HashMap;

/// External id → internal id of the rows an import may refer to, loaded before the import starts.
#[derive(Default)]
pub(crate) struct References {
    pub ids: HashMap<Entity, HashMap<String, i64>>,
    /// Product internal id → unit cost in minor units (a transaction's default cost).
    pub product_unit_costs: HashMap<i64, i64>,
}

/// A row that passed every check: one value per field of the entity (references resolved), and the
/// custom attributes when the entity has them.
pub(crate) struct CheckedRow {
    pub values: Vec<Value>,
    pub attributes: Option<serde_json::Value>,
}

pub(crate) struct RowChecker<'a> {
    spec: &'a EntitySpec,
    refs: &'a References,
    today: NaiveDate,
    currency_index: Option<usize>,
    /// Hash of the key of each row seen so far → its line, to reject duplicates inside a file.
    seen: HashMap<u128, u64>,
}

impl<'a> RowChecker<'a> {
    pub fn new(spec: &'a EntitySpec, refs: &'a References, today: NaiveDate) -> RowChecker<'a> {
        RowChecker {
            spec,
            refs,
            today,
            currency_index: spec.field("currency").map(|(i, _)| i),
            seen: HashMap::new(),
        }
    }

    /// Checks one row. `cells` holds the text of each field (by field index; `None` when the file has no
    /// such column or the cell is empty). Problems are appended to `rejects`.
    pub fn check(
        &mut self,
        line: u64,
        cells: &[Option<&str>],
        attributes: &[(String, String)],
        rejects: &mut Vec<Reject>,
    ) -> Option<CheckedRow> {
        let spec = self.spec;
        let before = rejects.len();
        let reject = |rejects: &mut Vec<Reject>, field: &str, value: &str, reason: String| {
            rejects.push(Reject::new(line, field, value, reason));
        };

        // NUL bytes cannot be stored by PostgreSQL and are never meaningful in these files.
        for (i, cell) in cells.iter().enumerate() {
            if let Some(text) = cell
                && text.contains('\0')
            {
                reject(
                    rejects,
                    spec.fields[i].name,
                    text,
                    "a value without NUL bytes".into(),
                );
            }
        }
        for (name, text) in attributes {
            if text.contains('\0') {
                reject(
                    rejects,
                    &format!("attr.{name}"),
                    text,
                    "a value without NUL bytes".into(),
                );
            }
        }
        if rejects.len() > before {
            return None;
        }

        // The row's currency first: amounts are read in its minor units.
        let currency = match self.currency_index.and_then(|i| cells[i].map(|t| (i, t))) {
            Some((i, text)) => match Currency::parse(text) {
                Ok(c) => c,
                Err(expected) => {
                    reject(
                        rejects,
                        spec.fields[i].name,
                        text,
                        format!("expected {expected}"),
                    );
                    return None;
                }
            },
            None => Currency::EUR,
        };

        let mut values = Vec::with_capacity(spec.fields.len());
        for (i, field) in spec.fields.iter().enumerate() {
            let text = cells[i].or(field.default);
            let value = match text {
                None => {
                    let derived_id = field.kind == FieldKind::Id
                        && matches!(spec.key, Key::ExternalId { required: false });
                    if field.required && !derived_id {
                        reject(
                            rejects,
                            field.name,
                            "",
                            "a value: this field is required".into(),
                        );
                    }
                    Value::Null
                }
                Some(text) => match value::parse_value(field, text, currency) {
                    Ok(v) => v,
                    Err(expected) => {
                        let reason = match allowed_values(field) {
                            Some(list) => format!("expected one of {list}"),
                            None => format!("expected {expected}"),
                        };
                        reject(rejects, field.name, text, reason);
                        Value::Null
                    }
                },
            };
            values.push(value);
        }
        if rejects.len() > before {
            return None;
        }
        if let Err(problem) = value::check_row(spec, &values, self.today) {
            let index = spec.field(problem.field).map(|(i, _)| i).unwrap_or(0);
            let shown = cells[index].unwrap_or("");
            reject(
                rejects,
                problem.field,
                shown,
                format!("expected {}", problem.expected),
            );
            return None;
        }

        // References to rows imported earlier.
        for (i, field) in spec.fields.iter().enumerate() {
            if let FieldKind::Ref(target) = field.kind
                && let Value::Text(external) = &values[i]
            {
                match self
                    .refs
                    .ids
                    .get(&target)
                    .and_then(|m| m.get(external.as_str()))
                {
                    Some(&id) => values[i] = Value::Int(id),
                    None => {
                        let what = singular(target);
                        let reason =
                            format!("unknown {what}: no {what} with this id has been imported");
                        reject(rejects, field.name, external, reason);
                    }
                }
            }
        }
        if rejects.len() > before {
            return None;
        }

        // A transaction without a cost costs its quantity of the product's unit cost.
        if spec.entity == Entity::Transactions {
            let (cost_i, _) = spec.field("cost").expect("transactions have a cost");
            if values[cost_i].is_null() {
                let product = values[spec.field("product_id").expect("product").0]
                    .as_int()
                    .unwrap_or(0);
                let quantity = values[spec.field("quantity").expect("quantity").0]
                    .as_int()
                    .unwrap_or(1);
                let unit = self
                    .refs
                    .product_unit_costs
                    .get(&product)
                    .copied()
                    .unwrap_or(0);
                values[cost_i] = Value::Int(unit.saturating_mul(quantity));
            }
        }

        let attributes = spec.custom_attributes.then(|| {
            let map: serde_json::Map<String, serde_json::Value> = attributes
                .iter()
                .filter(|(_, v)| !v.is_empty())
                .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
                .collect();
            serde_json::Value::Object(map)
        });

        // The row's key: its id (given or derived from its content) or its natural key, remembered as a
        // 128-bit hash so that ten million keys cost a few hundred megabytes less than their text.
        let key = match spec.key {
            Key::ExternalId { .. } => {
                let (id_i, _) = spec
                    .field("id")
                    .expect("entities keyed by id have an id field");
                if values[id_i].is_null() {
                    values[id_i] = Value::Text(derived_id(&values));
                }
                key_hash([values[id_i].as_text().unwrap_or_default()])
            }
            Key::Natural(fields) => {
                let parts: Vec<String> = fields
                    .iter()
                    .map(|name| key_part(&values[spec.field(name).map(|(i, _)| i).unwrap_or(0)]))
                    .collect();
                key_hash(parts.iter().map(String::as_str))
            }
        };
        if let Some(first) = self.seen.get(&key) {
            let (field, shown) = match spec.key {
                Key::ExternalId { .. } => (
                    "id",
                    values[spec.field("id").map(|(i, _)| i).unwrap_or(0)]
                        .as_text()
                        .unwrap_or_default(),
                ),
                Key::Natural(fields) => (
                    fields[0],
                    cells[spec.field(fields[0]).map(|(i, _)| i).unwrap_or(0)].unwrap_or(""),
                ),
            };
            let reason = match spec.key {
                Key::ExternalId { .. } => {
                    format!("a unique id: this id is already on line {first}")
                }
                Key::Natural(fields) => format!(
                    "a unique ({}): the same is already on line {first}",
                    fields.join(", ")
                ),
            };
            reject(rejects, field, shown, reason);
            return None;
        }
        self.seen.insert(key, line);
        Some(CheckedRow { values, attributes })
    }
}

/// Two SipHash passes with different prefixes: a 128-bit hash, so a false duplicate among ten million
/// keys has a probability near 10^-25.
fn key_hash<'s>(parts: impl IntoIterator<Item = &'s str> + Clone) -> u128 {
    use std::hash::{Hash, Hasher};
    let lane = |prefix: u8| {
        let mut h = std::hash::DefaultHasher::new();
        prefix.hash(&mut h);
        for p in parts.clone() {
            p.hash(&mut h);
        }
        h.finish()
    };
    ((lane(1) as u128) << 64) | lane(2) as u128
}

fn key_part(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::Text(s) => s.clone(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => f.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Date(d) => d.to_string(),
        Value::DateTime(t) => t.to_rfc3339(),
        Value::Json(j) => j.to_string(),
    }
}

/// A stable id for a row that came without one: 128 bits of FNV-1a over its values, so that importing
/// the same file again finds the same rows.
fn derived_id(values: &[Value]) -> String {
    let mut a: u64 = 0xcbf2_9ce4_8422_2325;
    let mut b: u64 = 0x6c62_272e_07bb_0142;
    for v in values {
        for byte in key_part(v).bytes().chain([0x1f]) {
            a = (a ^ byte as u64).wrapping_mul(0x0000_0100_0000_01b3);
            b = (b ^ byte as u64)
                .wrapping_mul(0x0000_0100_0000_01b3)
                .rotate_left(5);
        }
    }
    format!("h{a:016x}{b:016x}")
}

fn singular(entity: Entity) -> &'static str {
    match entity {
        Entity::Channels => "channel",
        Entity::Stores => "store",
        Entity::Products => "product",
        Entity::Customers => "customer",
        Entity::Campaigns => "campaign",
        other => other.name(),
    }
}
