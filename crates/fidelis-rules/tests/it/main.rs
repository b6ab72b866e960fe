//! Integration tests of fidelis-rules: one binary, one module per concern.

mod config_files;
mod rules_file;
