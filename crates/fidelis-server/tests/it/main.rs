//! Integration tests of the HTTP server, each on a fresh database and a random port.

mod alerts;
mod api;
mod browser;
mod delivery;
mod harness;
mod pages;
mod routing;
mod security;
