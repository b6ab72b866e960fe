//! `init`, `import`, `import-dir` and `generate` as a user runs them.

use crate::{fidelis, stderr, stdout};

#[test]
fn import_reports_and_exit_status() {
    let dir = tempfile::tempdir().unwrap();
    let cwd = dir.path();
    let db = "sqlite://crm.db";
    let o = fidelis(cwd, &["init", "--db", db]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains(&format!(
        "ready (schema version {})",
        fidelis_store::latest_version()
    )));

    std::fs::write(cwd.join("canaux.csv"), "Identifiant;Nom;Type;Coût contact\nWEB;Site web;internet;0,20\nCC;Centre;centre d'appels;4,00\n").unwrap();
    let o = fidelis(
        cwd,
        &["import", "--db", db, "canaux", "canaux.csv", "--json"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let summary: serde_json::Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    assert_eq!(
        (
            summary["read"].as_u64(),
            summary["inserted"].as_u64(),
            summary["rejected"].as_u64()
        ),
        (Some(2), Some(2), Some(0))
    );
    assert_eq!(summary["entity"], "channels");

    // Re-import: nothing changes.
    let o = fidelis(
        cwd,
        &["import", "--db", db, "channels", "canaux.csv", "--json"],
    );
    let summary: serde_json::Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    assert_eq!(
        (
            summary["inserted"].as_u64(),
            summary["updated"].as_u64(),
            summary["unchanged"].as_u64()
        ),
        (Some(0), Some(0), Some(2))
    );

    // A rejected row: exit status 2, a rejects file naming line, field, value and reason.
    std::fs::write(
        cwd.join("clients.csv"),
        "Num,Nom,Date de naissance\nC1,Durand,12/05/1970\nC2,Martin,32/01/1980\n",
    )
    .unwrap();
    let o = fidelis(
        cwd,
        &[
            "import",
            "--db",
            db,
            "clients",
            "clients.csv",
            "--map",
            "Num=id",
            "--json",
        ],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let summary: serde_json::Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    assert_eq!(
        (summary["inserted"].as_u64(), summary["rejected"].as_u64()),
        (Some(1), Some(1))
    );
    let rejects = std::fs::read_to_string(cwd.join("clients.csv.rejects.csv")).unwrap();
    assert_eq!(
        rejects.lines().nth(1),
        Some("3,birth_date,32/01/1980,expected an existing calendar date")
    );

    // Errors a user can act on.
    let o = fidelis(cwd, &["import", "--db", db, "widgets", "clients.csv"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("unknown entity \"widgets\""),
        "{}",
        stderr(&o)
    );
    let o = fidelis(cwd, &["import", "--db", db, "customers", "missing.csv"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("cannot read missing.csv"),
        "{}",
        stderr(&o)
    );
    let o = fidelis(cwd, &["init", "--db", "mysql://x"]);
    assert!(
        stderr(&o).contains("expected a URL starting with sqlite:// or postgres://"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn generated_data_imports_without_rejects_and_reimports_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let cwd = dir.path();
    let o = fidelis(
        cwd,
        &[
            "generate",
            "--customers",
            "300",
            "--months",
            "12",
            "--seed",
            "7",
            "--out",
            "data",
            "--json",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let generated: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let o = fidelis(
        cwd,
        &["import-dir", "--db", "sqlite://g.db", "data", "--json"],
    );
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let summaries: Vec<serde_json::Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        summaries.len(),
        generated["files"].as_array().unwrap().len()
    );
    for (s, f) in summaries.iter().zip(generated["files"].as_array().unwrap()) {
        assert_eq!(s["inserted"], f["rows"], "{s}");
        assert_eq!(s["rejected"], 0, "{s}");
    }
    let o = fidelis(
        cwd,
        &["import-dir", "--db", "sqlite://g.db", "data", "--json"],
    );
    for line in stdout(&o).lines() {
        let s: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(
            (s["inserted"].as_u64(), s["updated"].as_u64()),
            (Some(0), Some(0)),
            "{s}"
        );
    }
}

#[test]
fn users_and_tokens_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let cwd = dir.path();
    let db = "sqlite://users.db";
    let o = fidelis(
        cwd,
        &[
            "user",
            "add",
            "--db",
            db,
            "--username",
            "marie",
            "--role",
            "analyst",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    let password = out.trim().rsplit(' ').next().unwrap();
    assert!(
        out.starts_with("user marie (analyst) created; password: ") && password.len() == 24,
        "{out}"
    );
    let o = fidelis(
        cwd,
        &[
            "user",
            "add",
            "--db",
            db,
            "--username",
            "marie",
            "--role",
            "agent",
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("a user named \"marie\" already exists"),
        "{}",
        stderr(&o)
    );
    let o = fidelis(
        cwd,
        &[
            "user",
            "add",
            "--db",
            db,
            "--username",
            "x",
            "--role",
            "root",
        ],
    );
    assert!(
        stderr(&o).contains("unknown role \"root\""),
        "{}",
        stderr(&o)
    );
    let o = fidelis(
        cwd,
        &[
            "user",
            "token",
            "--db",
            db,
            "--username",
            "marie",
            "--name",
            "crm-sync",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let token = stdout(&o).trim().rsplit(' ').next().unwrap().to_owned();
    assert_eq!(token.len(), 64);
    // Secrets are never stored in clear.
    let bytes = std::fs::read(cwd.join("users.db")).unwrap();
    let text = String::from_utf8_lossy(&bytes);
    assert!(!text.contains(password) && !text.contains(&token));
}

#[test]
fn serve_refuses_a_broken_configuration_file_with_its_position() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config");
    std::fs::create_dir(&config).unwrap();
    std::fs::write(
        config.join("offers.toml"),
        "[[offer]]\nid = \"a\"\nlabel = { en = \"A\", fr = \"A\" }\neligible = 'value.clvv > 1'\ncost = 1.0\neffect = 0.2\n",
    )
    .unwrap();
    let db = format!("sqlite://{}", dir.path().join("crm.db").display());
    let config_arg = config.display().to_string();
    let o = fidelis(
        dir.path(),
        &[
            "serve",
            "--db",
            &db,
            "--addr",
            "127.0.0.1:0",
            "--config",
            &config_arg,
        ],
    );
    assert!(!o.status.success());
    let err = stderr(&o);
    assert!(
        err.contains("offers.toml") && err.contains("line 4, column 13"),
        "{err}"
    );
    assert!(err.contains("value.clvv"), "{err}");
    let o = fidelis(
        dir.path(),
        &["serve", "--db", &db, "--config", "no-such-dir"],
    );
    assert!(!o.status.success());
    assert!(stderr(&o).contains("not a directory"), "{}", stderr(&o));
}
