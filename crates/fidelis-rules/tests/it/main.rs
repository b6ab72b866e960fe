//! Integration tests of fidelis-rules: one binary, one module per concern.

mod rules_file;
