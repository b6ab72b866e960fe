//! Writing checked rows: multi-row `INSERT … ON CONFLICT DO UPDATE … WHERE something changed`, so that a
//! re-import of identical rows touches nothing, with NULLs typed per column as PostgreSQL requires.

use super::rows::CheckedRow;
use crate::BackendKind;
use chrono::{DateTime, NaiveDate, Utc};
use fidelis_domain::schema::{EntitySpec, FieldKind, Key};
use fidelis_domain::value::Value;
use sqlx::{PgConnection, QueryBuilder, SqliteConnection};

/// The SQL type of a column, used to bind typed NULLs.
#[derive(Debug, Clone, Copy, PartialEq)]
enum SqlType {
    Text,
    Int,
    Float,
    Bool,
    Date,
    Timestamp,
    Json,
}

fn sql_type(kind: FieldKind) -> SqlType {
    match kind {
        FieldKind::Id
        | FieldKind::Text { .. }
        | FieldKind::Email
        | FieldKind::Phone
        | FieldKind::Country
        | FieldKind::Currency
        | FieldKind::Enum(_) => SqlType::Text,
        FieldKind::Amount { .. } | FieldKind::Integer { .. } | FieldKind::Ref(_) => SqlType::Int,
        FieldKind::Decimal { .. } => SqlType::Float,
        FieldKind::Bool => SqlType::Bool,
        FieldKind::Date | FieldKind::Period => SqlType::Date,
        FieldKind::DateTime => SqlType::Timestamp,
    }
}

/// The statement pieces for upserting rows of one entity.
pub(crate) struct UpsertPlan {
    types: Vec<SqlType>,
    pub table: &'static str,
    columns: usize,
    /// `INSERT INTO table (columns) `
    head: String,
    /// ` ON CONFLICT (key) DO UPDATE SET … WHERE …`
    tail: String,
    /// Rows per statement, within the bind-parameter limits of both backends.
    pub rows_per_statement: usize,
}

impl UpsertPlan {
    pub fn new(spec: &EntitySpec, backend: BackendKind) -> UpsertPlan {
        let mut columns: Vec<&str> = spec.fields.iter().map(|f| f.column).collect();
        let mut types: Vec<SqlType> = spec.fields.iter().map(|f| sql_type(f.kind)).collect();
        if spec.custom_attributes {
            columns.push("attributes");
            types.push(SqlType::Json);
        }
        let key: Vec<&str> = match spec.key {
            Key::ExternalId { .. } => vec!["external_id"],
            Key::Natural(fields) => fields
                .iter()
                .filter_map(|f| spec.field(f).map(|(_, f)| f.column))
                .collect(),
        };
        let updated: Vec<&str> = columns
            .iter()
            .copied()
            .filter(|c| !key.contains(c))
            .collect();
        let distinct = match backend {
            BackendKind::Sqlite => "IS NOT",
            BackendKind::Postgres => "IS DISTINCT FROM",
        };
        let set = updated
            .iter()
            .map(|c| format!("{c} = excluded.{c}"))
            .collect::<Vec<_>>()
            .join(", ");
        let changed = updated
            .iter()
            .map(|c| format!("{}.{c} {distinct} excluded.{c}", spec.table))
            .collect::<Vec<_>>()
            .join(" OR ");
        let tail = if updated.is_empty() {
            format!(" ON CONFLICT ({}) DO NOTHING", key.join(", "))
        } else {
            format!(
                " ON CONFLICT ({}) DO UPDATE SET {set} WHERE {changed}",
                key.join(", ")
            )
        };
        // SQLite allows 32766 parameters per statement, PostgreSQL 65535.
        let rows_per_statement = (30_000 / columns.len()).clamp(1, 1000);
        UpsertPlan {
            table: spec.table,
            columns: columns.len(),
            head: format!("INSERT INTO {} ({}) ", spec.table, columns.join(", ")),
            types,
            tail,
            rows_per_statement,
        }
    }
}

impl UpsertPlan {
    /// The one-row statement with `?1 … ?n` placeholders, for writers that bind row by row.
    pub fn single_row_sql(&self) -> String {
        let placeholders: Vec<String> = (1..=self.columns).map(|i| format!("?{i}")).collect();
        format!(
            "{}VALUES ({}){}",
            self.head,
            placeholders.join(", "),
            self.tail
        )
    }
}

/// Binds one value as its column's type.
macro_rules! push_value {
    ($b:expr, $value:expr, $ty:expr) => {
        match ($value, $ty) {
            (Value::Text(s), _) => $b.push_bind(s),
            (Value::Int(v), _) => $b.push_bind(v),
            (Value::Float(v), _) => $b.push_bind(v),
            (Value::Bool(v), _) => $b.push_bind(v),
            (Value::Date(v), _) => $b.push_bind(v),
            (Value::DateTime(v), _) => $b.push_bind(v),
            (Value::Json(v), _) => $b.push_bind(v),
            (Value::Null, SqlType::Text) => $b.push_bind(None::<String>),
            (Value::Null, SqlType::Int) => $b.push_bind(None::<i64>),
            (Value::Null, SqlType::Float) => $b.push_bind(None::<f64>),
            (Value::Null, SqlType::Bool) => $b.push_bind(None::<bool>),
            (Value::Null, SqlType::Date) => $b.push_bind(None::<NaiveDate>),
            (Value::Null, SqlType::Timestamp) => $b.push_bind(None::<DateTime<Utc>>),
            (Value::Null, SqlType::Json) => $b.push_bind(None::<serde_json::Value>),
        }
    };
}

/// The write operations an import needs, on a connection inside its transaction.
pub(crate) trait ImportConnection {
    /// Upserts the rows; returns how many were inserted or changed.
    async fn upsert(
        &mut self,
        plan: &UpsertPlan,
        rows: Vec<CheckedRow>,
    ) -> Result<u64, sqlx::Error>;
    async fn count_rows(&mut self, table: &str) -> Result<i64, sqlx::Error>;
}

macro_rules! impl_import_connection {
    ($conn:ty, $db:ty) => {
        impl ImportConnection for $conn {
            async fn upsert(
                &mut self,
                plan: &UpsertPlan,
                rows: Vec<CheckedRow>,
            ) -> Result<u64, sqlx::Error> {
                let mut affected = 0;
                let mut rows = rows.into_iter().peekable();
                while rows.peek().is_some() {
                    let chunk: Vec<CheckedRow> =
                        rows.by_ref().take(plan.rows_per_statement).collect();
                    let mut builder = QueryBuilder::<$db>::new(&plan.head);
                    builder.push_values(chunk, |mut b, row| {
                        let extra = row.attributes.map(Value::Json);
                        for (value, ty) in row.values.into_iter().chain(extra).zip(&plan.types) {
                            push_value!(b, value, *ty);
                        }
                    });
                    builder.push(&plan.tail);
                    affected += builder.build().execute(&mut *self).await?.rows_affected();
                }
                Ok(affected)
            }

            async fn count_rows(&mut self, table: &str) -> Result<i64, sqlx::Error> {
                // `table` comes from the static entity specification, never from input.
                sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
                    .fetch_one(&mut *self)
                    .await
            }
        }
    };
}

impl_import_connection!(SqliteConnection, sqlx::Sqlite);
impl_import_connection!(PgConnection, sqlx::Postgres);
