//! Generated passwords are made once, kept beside the profile, and reused.

mod common;

use common::Scratch;
use tanmatsu::profile::{LoadedProfile, PasswordSource};
use tanmatsu::secrets::{Secrets, secrets_path};

#[test]
fn a_generated_password_is_stored_once_and_reused() {
    let scratch = Scratch::new();
    let loaded = LoadedProfile::load(&scratch.path("kenpo-kumiai.toml")).unwrap();
    let store = secrets_path(&loaded.path);
    let _ = std::fs::remove_file(&store);

    let mut secrets = Secrets::open(&loaded, Default::default()).unwrap();
    assert_eq!(secrets.peek("kanri", &PasswordSource::Generate).unwrap(), None);
    let first = secrets.password("kanri", &PasswordSource::Generate).unwrap();
    let other = secrets.password("sousa01", &PasswordSource::Generate).unwrap();
    assert_ne!(first, other);
    secrets.save().unwrap();

    let text = std::fs::read_to_string(&store).unwrap();
    assert!(text.contains("kanri") && text.contains(first.expose()));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&store).unwrap().permissions().mode() & 0o777, 0o600);
    }

    let mut again = Secrets::open(&loaded, Default::default()).unwrap();
    assert_eq!(again.password("kanri", &PasswordSource::Generate).unwrap(), first);
}

#[test]
fn file_sources_drop_one_trailing_newline() {
    let scratch = Scratch::new();
    std::fs::write(scratch.path("pw.txt"), "Correct-Horse-9\r\n").unwrap();
    let loaded = LoadedProfile::load(&scratch.path("kenpo-kumiai.toml")).unwrap();
    let secrets = Secrets::open(&loaded, Default::default()).unwrap();
    let secret = secrets.peek("x", &PasswordSource::File("pw.txt".into())).unwrap().unwrap();
    assert_eq!(secret.expose(), "Correct-Horse-9");
}

#[test]
fn a_corrupt_secrets_file_is_an_error_not_a_new_password() {
    let scratch = Scratch::new();
    let loaded = LoadedProfile::load(&scratch.path("kenpo-kumiai.toml")).unwrap();
    std::fs::write(secrets_path(&loaded.path), "[generated\nkanri = ").unwrap();
    assert!(
        Secrets::open(&loaded, Default::default()).is_err(),
        "silently regenerating would change a terminal's password"
    );
}

#[test]
fn the_password_slip_shows_generated_passwords_and_names_other_sources() {
    let scratch = Scratch::new();
    let profile = scratch.edited_profile(
        "kenpo-kumiai",
        "name = \"sousa02\", full_name = \"中間サーバー操作者 02\", password = { generate = true }",
        "name = \"sousa02\", full_name = \"中間サーバー操作者 02\", password = { env = \"SOUSA02_PASSWORD\" }",
    );
    let output =
        common::tanmatsu().arg("slip").arg(&profile).env("SOUSA02_PASSWORD", "Never-Shown-123").output().unwrap();
    assert!(output.status.success());
    let slip = String::from_utf8(output.stdout).unwrap();
    let loaded = LoadedProfile::load(&profile).unwrap();
    let secrets = Secrets::open(&loaded, Default::default()).unwrap();
    let admin = secrets.peek("kanri", &PasswordSource::Generate).unwrap().unwrap();
    assert!(slip.contains("CHUKAN-T01") && slip.contains(admin.expose()), "{slip}");
    assert!(slip.contains("(environment variable SOUSA02_PASSWORD)"), "{slip}");
    assert!(!slip.contains("Never-Shown-123"), "a password from the environment is never printed");
}

/// Desk review F2: a profile copied without its secrets file, for a terminal whose stick the ledger records, must not
/// get new passwords behind the clerk's back; a first build says that it generated them, and how to print the slip.
#[test]
fn a_terminal_made_before_keeps_its_passwords_unless_new_ones_are_asked_for() {
    let scratch = Scratch::new();
    let profile = scratch.path("kenpo-kumiai.toml");
    let store = secrets_path(&profile);
    let ledger = scratch.path("media-ledger.csv");
    let _ = std::fs::remove_file(&store);

    // The first render: no ledger, no secrets; the passwords are made, and the output says so.
    let first = scratch.path("first");
    let (code, _, stderr) = common::outcome(
        common::tanmatsu().arg("render").arg(&profile).arg("-o").arg(&first).arg("--ledger").arg(&ledger),
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("new passwords were generated for kanri, sousa01, sousa02"), "{stderr}");
    assert!(stderr.contains("tanmatsu slip"), "{stderr}");
    let filed = std::fs::read_to_string(&store).unwrap();

    // Its stick is written and recorded; then the secrets file is left behind when the profile is copied.
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(first.join("tanmatsu/manifest.json")).unwrap()).unwrap();
    tanmatsu::ledger::append(
        &ledger,
        tanmatsu::ledger::NewEntry {
            action: "write".into(),
            media_id: manifest["media_id"].as_str().unwrap().into(),
            operator: "山田".into(),
            approver: "佐藤".into(),
            ..Default::default()
        },
    )
    .unwrap();
    std::fs::remove_file(&store).unwrap();

    for command in [vec!["render", "-o", "again"], vec!["build", "-o", "again.img"], vec!["slip"]] {
        let mut run = common::tanmatsu();
        run.current_dir(scratch.dir.path()).arg(command[0]).arg(&profile).args(&command[1..]);
        let (code, stdout, stderr) = common::outcome(&mut run);
        assert_ne!(code, 0, "{command:?}: {stdout}{stderr}");
        assert!(stderr.contains("but its media were made before (media ledger"), "{command:?}: {stderr}");
        assert!(stderr.contains("--new-passwords"), "{command:?}: {stderr}");
        assert!(!store.exists(), "{command:?}: no new secrets file");
        assert!(!scratch.path("again").exists() && !scratch.path("again.img").exists(), "{command:?}: nothing written");
    }

    // Asked for, new passwords are made, and said to be new.
    let mut run = common::tanmatsu();
    run.current_dir(scratch.dir.path()).arg("render").arg(&profile).args(["-o", "again", "--new-passwords"]);
    let (code, _, stderr) = common::outcome(&mut run);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("new passwords were generated"), "{stderr}");
    assert_ne!(std::fs::read_to_string(&store).unwrap(), filed);
}
