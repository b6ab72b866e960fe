//! The screens show the value computed by `fidelis refresh` as soon as it exists.

use crate::{fidelis, stderr};
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

#[test]
fn dashboard_and_customer_page_show_the_value_matrix_after_a_refresh() {
    let dir = tempfile::tempdir().unwrap();
    let cwd = dir.path();
    let db = "sqlite://screens.db";
    let run = |args: &[&str]| {
        let o = fidelis(cwd, args);
        assert!(o.status.success(), "{args:?}: {}", stderr(&o));
    };
    run(&[
        "generate",
        "--customers",
        "400",
        "--months",
        "12",
        "--seed",
        "3",
        "--out",
        "data",
    ]);
    run(&["import-dir", "--db", db, "data"]);
    let mut add = Command::new(env!("CARGO_BIN_EXE_fidelis"))
        .args([
            "user",
            "add",
            "--db",
            db,
            "--username",
            "ana",
            "--role",
            "analyst",
            "--password-stdin",
        ])
        .current_dir(cwd)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    add.stdin
        .take()
        .unwrap()
        .write_all(b"analyst password 42\n")
        .unwrap();
    assert!(add.wait().unwrap().success());

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let base = format!("http://127.0.0.1:{port}");
    let serve = |cwd: &std::path::Path| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_fidelis"))
            .args(["serve", "--db", db, "--addr", &format!("127.0.0.1:{port}")])
            .current_dir(cwd)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        assert!(lines.any(|l| l.unwrap().contains("is serving")));
        child
    };
    let client = reqwest::blocking::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();

    // Before any refresh: the value parts say so.
    let mut server = serve(cwd);
    let session = crate::login(&base, "ana", "analyst%20password%2042");
    let dashboard = client
        .get(format!("{base}/dashboard"))
        .header("cookie", &session)
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(dashboard.contains("Pas encore calculée"), "{dashboard}");
    server.kill().unwrap();
    server.wait().unwrap();

    run(&["refresh", "--db", db, "--as-of", "2026-10-31"]);
    let mut server = serve(cwd);
    let session = crate::login(&base, "ana", "analyst%20password%2042");
    let dashboard = client
        .get(format!("{base}/dashboard"))
        .header("cookie", &session)
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(
        dashboard.contains("<svg") && dashboard.contains("<circle"),
        "the matrix scatter: {dashboard}"
    );
    let cells = [
        "cell-multi_equipment",
        "cell-loyalty",
        "cell-retention",
        "cell-termination",
    ];
    assert!(
        cells.iter().filter(|c| dashboard.contains(*c)).count() >= 3,
        "{dashboard}"
    );
    let page = client
        .get(format!("{base}/customers/C000001"))
        .header("cookie", &session)
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(page.contains("id=\"strategy\""), "{page}");
    assert!(page.contains("id=\"trajectory\">2026-10-31 "), "{page}");
    server.kill().unwrap();
    server.wait().unwrap();
}
