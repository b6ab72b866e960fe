//! `fidelis rules check` on the sample configuration and on broken files.

use crate::{fidelis, stderr, stdout};
use std::path::PathBuf;

fn sample(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../fidelis-rules/examples/config")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

#[test]
fn rules_check_accepts_the_samples_and_points_at_errors() {
    let dir = tempfile::tempdir().unwrap();
    for (file, kind) in [
        ("rules.toml", "rules"),
        ("policy.toml", "policy"),
        ("routing.toml", "routing"),
        ("segments.toml", "segments"),
        ("calendar.toml", "calendar"),
    ] {
        let o = fidelis(
            dir.path(),
            &["rules", "check", &sample(file), "--kind", kind],
        );
        assert_eq!(o.status.code(), Some(0), "{file}: {}", stdout(&o));
        assert!(stdout(&o).contains(": ok"), "{file}: {}", stdout(&o));
    }
    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        "[[rule]]\nid = \"late\"\ntrigger = { event = \"complaint_opened\" }\ncondition = \"\"\"\nprofile.age >\n\"\"\"\naction = { kind = \"alert\", message = \"late\" }\n",
    )
    .unwrap();
    let o = fidelis(dir.path(), &["rules", "check", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let out = stdout(&o) + &stderr(&o);
    // The expression's error is placed in the file, inside the multi-line condition.
    assert!(
        out.contains("bad.toml: line 6, column 1: in the condition of rule `late`"),
        "{out}"
    );
    std::fs::write(&bad, "[[rule]\nid = 1\n").unwrap();
    let o = fidelis(dir.path(), &["rules", "check", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let out = stdout(&o) + &stderr(&o);
    assert!(out.contains("bad.toml: line 1, column"), "{out}");
}
