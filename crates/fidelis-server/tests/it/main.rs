//! Integration tests of the HTTP server, each on a fresh database and a random port.

mod alerts;
mod api;
mod browser;
mod campaign_pages;
mod delivery;
mod harness;
mod pages;
mod recurring;
mod routing;
mod security;
