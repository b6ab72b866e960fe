//! End-to-end tests of the `fidelis` binary: the commands a user types, their output and exit status.

mod cli;
mod demo;
mod value;

use std::path::Path;
use std::process::{Command, Output};

/// Runs the binary with `args` in `cwd`.
pub fn fidelis(cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fidelis"))
        .args(args)
        .current_dir(cwd)
        .env_remove("FIDELIS_DB")
        .env("RUST_LOG", "warn")
        .output()
        .expect("run fidelis")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}
