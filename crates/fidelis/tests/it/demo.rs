//! `fidelis serve --demo` on a fresh directory: builds the demo database, serves it, reuses it next time.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `serve --demo` and waits for its "serving" line; returns the server and what it printed before.
fn start(cwd: &std::path::Path, port: u16) -> (Server, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_fidelis"))
        .args(["serve", "--demo", "--addr", &format!("127.0.0.1:{port}")])
        .current_dir(cwd)
        .env_remove("FIDELIS_DB")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start fidelis serve --demo");
    let stdout = child.stdout.take().expect("stdout");
    let server = Server(child);
    let mut printed = String::new();
    let deadline = Instant::now() + Duration::from_secs(300);
    for line in BufReader::new(stdout).lines() {
        let line = line.expect("read stdout");
        printed.push_str(&line);
        printed.push('\n');
        if line.contains("is serving") {
            return (server, printed);
        }
        assert!(
            Instant::now() < deadline,
            "the demo did not start: {printed}"
        );
    }
    panic!("fidelis exited before serving: {printed}");
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The password printed for `username` on first start.
fn printed_password(printed: &str, username: &str) -> String {
    printed
        .lines()
        .find_map(|l| {
            let mut words = l.split_whitespace();
            (words.next() == Some(username)).then(|| words.next().unwrap_or("").to_owned())
        })
        .unwrap_or_else(|| panic!("no password printed for {username}: {printed}"))
}

#[test]
fn demo_builds_serves_and_is_reused() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let (server, printed) = start(dir.path(), port);
    assert!(printed.contains("Creating the demo database"), "{printed}");
    assert!(dir.path().join("fidelis-demo.db").exists());
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::blocking::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    assert_eq!(
        client.get(format!("{base}/")).send().unwrap().status(),
        303,
        "login first"
    );
    let agent_password = printed_password(&printed, "agent");
    assert_eq!(agent_password.len(), 24);
    assert_ne!(agent_password, printed_password(&printed, "admin"));
    let session = crate::login(&base, "agent", &agent_password);
    let home = client
        .get(format!("{base}/"))
        .header("cookie", &session)
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(
        home.contains("<th scope=\"row\">Clients</th><td class=\"num\">5000</td>"),
        "{home}"
    );
    let customer: serde_json::Value = client
        .get(format!("{base}/api/v1/customers/C000001"))
        .header("cookie", &session)
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(customer["id"], "C000001");
    let page = client
        .get(format!("{base}/customers/C000001"))
        .header("cookie", &session)
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(
        page.contains("id=\"strategy\""),
        "the demo is valued on first start: {page}"
    );
    assert!(customer["last_name"].is_string());
    // Scored on first start: every current customer has a risk; the first at-risk one opened by
    // the agent shows the departure alert.
    let alerts_of = |id: &str| -> serde_json::Value {
        client
            .get(format!("{base}/api/v1/customers/{id}/alerts"))
            .header("cookie", &session)
            .send()
            .unwrap()
            .json()
            .unwrap()
    };
    let scored: Vec<(String, serde_json::Value)> = (1..=400)
        .map(|i| format!("C{i:06}"))
        .map(|id| {
            let a = alerts_of(&id);
            (id, a)
        })
        .filter(|(_, a)| a["current"]["risk"].is_number())
        .collect();
    assert!(
        scored.len() > 300,
        "most customers are current: {}",
        scored.len()
    );
    let (at_risk, _) = scored
        .iter()
        .find(|(_, a)| a["current"]["at_risk"] == true)
        .expect("an at-risk customer among the first 400");
    let page = client
        .get(format!("{base}/customers/{at_risk}"))
        .header("cookie", &session)
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(page.contains("id=\"risk-value\""), "{page}");
    assert!(page.contains("id=\"alert-banner\""), "{page}");
    drop(server);

    let port = free_port();
    let (_server, printed) = start(dir.path(), port);
    assert!(
        !printed.contains("Creating") && !printed.contains("First start"),
        "the demo database and users are reused: {printed}"
    );
    let session = crate::login(
        &format!("http://127.0.0.1:{port}"),
        "agent",
        &agent_password,
    );
    let status = client
        .get(format!("http://127.0.0.1:{port}/api/v1/customers/C000001"))
        .header("cookie", &session)
        .send()
        .unwrap()
        .status();
    assert_eq!(status, 200);
}
