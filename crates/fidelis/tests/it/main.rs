//! End-to-end tests of the `fidelis` binary: the commands a user types, their output and exit status.

mod campaign;
mod churn;
mod cli;
mod demo;
mod recurring;
mod rules;
mod screens;
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

/// Logs in through the login form; returns the session cookie.
pub fn login(base: &str, username: &str, password: &str) -> String {
    let client = reqwest::blocking::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let page = client.get(format!("{base}/login")).send().unwrap();
    let csrf_cookie = page
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .unwrap()
        .to_owned();
    let html = page.text().unwrap();
    let csrf = html
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap()
        .to_owned();
    let body = format!("username={username}&password={password}&csrf={csrf}&next=%2F");
    let response = client
        .post(format!("{base}/login"))
        .header("cookie", csrf_cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .unwrap();
    assert_eq!(response.status(), 303);
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("fidelis_session="))
        .and_then(|v| v.split(';').next())
        .expect("a session cookie")
        .to_owned()
}
