//! Fidelis' domain: the importable entities and their fields, money in minor units, and the parsers that
//! turn the text of imported files into typed values. No IO here.

pub mod customer;
pub mod money;
pub mod parse;
pub mod schema;
pub mod user;
pub mod value;

pub use customer::{Consent, Customer};
pub use money::{Currency, Money};
pub use schema::{Entity, EntitySpec, Field, FieldKind, Key};
pub use user::{Role, User};
pub use value::Value;
