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

    let mut secrets = Secrets::open(&loaded).unwrap();
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

    let mut again = Secrets::open(&loaded).unwrap();
    assert_eq!(again.password("kanri", &PasswordSource::Generate).unwrap(), first);
}

#[test]
fn file_sources_drop_one_trailing_newline() {
    let scratch = Scratch::new();
    std::fs::write(scratch.path("pw.txt"), "Correct-Horse-9\r\n").unwrap();
    let loaded = LoadedProfile::load(&scratch.path("kenpo-kumiai.toml")).unwrap();
    let secrets = Secrets::open(&loaded).unwrap();
    let secret = secrets.peek("x", &PasswordSource::File("pw.txt".into())).unwrap().unwrap();
    assert_eq!(secret.expose(), "Correct-Horse-9");
}

#[test]
fn a_corrupt_secrets_file_is_an_error_not_a_new_password() {
    let scratch = Scratch::new();
    let loaded = LoadedProfile::load(&scratch.path("kenpo-kumiai.toml")).unwrap();
    std::fs::write(secrets_path(&loaded.path), "[generated\nkanri = ").unwrap();
    assert!(Secrets::open(&loaded).is_err(), "silently regenerating would change a terminal's password");
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
    let secrets = Secrets::open(&loaded).unwrap();
    let admin = secrets.peek("kanri", &PasswordSource::Generate).unwrap().unwrap();
    assert!(slip.contains("CHUKAN-T01") && slip.contains(admin.expose()), "{slip}");
    assert!(slip.contains("(environment variable SOUSA02_PASSWORD)"), "{slip}");
    assert!(!slip.contains("Never-Shown-123"), "a password from the environment is never printed");
}
