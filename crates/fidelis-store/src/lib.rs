//! Fidelis' customer database: one concrete `Store` over SQLite and PostgreSQL, its migrations, the
//! validated import of CSV and JSONL files, and the reads the server and the analytics need.

mod alerts;
mod auth;
pub mod campaign_waves;
pub mod campaigns;
pub mod channels;
mod charts;
pub mod churn;
mod dashboard;
mod error;
pub mod facts;
pub mod import;
mod migrate;
pub mod outbox;
mod read;
mod search;
pub mod segments;
mod store;
pub mod value;

pub use alerts::{
    Alert, AlertContext, AlertValue, NewAlert, NewInteraction, OUTCOMES, OfferFeedback,
    OutcomeFollowUp, StoredInteraction,
};
pub use auth::AuditEntry;
pub use charts::ValuePoint;
pub use churn::{
    ChurnCustomer, ChurnHistories, ChurnScore, ModelInfo, ModelKind, NewModel, RiskBand,
    ScoreReason, ScoreRow, SignupRecord, StoredModel,
};
pub use dashboard::{ChannelCost, ComplaintNorms, ServiceNorms};
pub use error::{ImportError, StoreError};
pub use migrate::latest_version;
pub use read::EntityCount;
pub use search::{CustomerHit, TimelineEntry};
pub use store::{BackendKind, Store, redact};
