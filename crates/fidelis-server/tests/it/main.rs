//! Integration tests of the HTTP server, each on a fresh database and a random port.

mod harness;
mod home_and_customers;
