//! Integration tests of the store, each run against SQLite and against a real PostgreSQL server.

mod alerts;
mod auth;
mod campaign_waves;
mod campaigns;
mod churn;
mod dashboard;
mod harness;
mod import;
mod outbox;
mod segments;
mod value;
