//! The certificate rules at a chosen moment, so that the tests do not depend on today's date.

mod common;

use common::{Scratch, repo};
use tanmatsu::certificate::{chains_to, open_pkcs12, read_certificate};
use tanmatsu::check::{Context, check};
use tanmatsu::diagnostic::Severity;
use tanmatsu::i18n::Lang;
use tanmatsu::profile::LoadedProfile;

const PASSWORD: &str = "example-only-pfx-password";

fn unix(date: &str) -> i64 {
    let output = std::process::Command::new("date").args(["-u", "-d", date, "+%s"]).output().unwrap();
    String::from_utf8(output.stdout).unwrap().trim().parse().unwrap()
}

fn sec3_findings(pfx_fixture: &str, now: &str) -> Vec<(Severity, String)> {
    let scratch = Scratch::new();
    std::fs::copy(repo().join("tests/fixtures/certs").join(pfx_fixture), scratch.path("certs/under-test.pfx")).unwrap();
    let profile = scratch.edited_profile("kenpo-kumiai", "certs/CHUKAN-T01.pfx", "certs/under-test.pfx");
    let loaded = LoadedProfile::load(&profile).unwrap();
    check(&loaded, &Context { now: unix(now), templates: None, windows_media: None })
        .findings
        .into_iter()
        .filter(|f| f.item == Some("SEC-3") && f.message.key != "check.certificate.example")
        .map(|f| (f.severity, f.message.in_language(Lang::En)))
        .collect()
}

#[test]
fn a_certificate_within_sixty_days_of_expiry_is_a_warning() {
    let findings = sec3_findings("expires-2026-03-01.pfx", "2026-01-15");
    assert_eq!(findings, vec![(Severity::Warning, "the device certificate expires on 2026-03-01, in 45 days".into())]);
}

#[test]
fn a_certificate_far_from_expiry_is_fine_and_an_expired_one_is_not() {
    assert_eq!(sec3_findings("expires-2026-03-01.pfx", "2025-06-01"), vec![]);
    let findings = sec3_findings("expires-2026-03-01.pfx", "2026-03-02");
    assert_eq!(findings, vec![(Severity::Error, "the device certificate expired on 2026-03-01".into())]);
}

#[test]
fn a_certificate_that_is_not_yet_valid_is_an_error() {
    let findings = sec3_findings("expires-2026-03-01.pfx", "2024-06-01");
    assert!(findings.iter().any(|(s, m)| *s == Severity::Error && m.contains("is not valid until 2025-01-01")));
}

#[test]
fn a_server_certificate_is_not_a_device_certificate() {
    let findings = sec3_findings("server-only.pfx", "2030-01-01");
    assert!(findings.iter().any(|(_, m)| m.contains("is not for client authentication")), "{findings:?}");
}

#[test]
fn legacy_3des_files_open_too() {
    assert_eq!(sec3_findings("legacy-3des.pfx", "2030-01-01"), vec![]);
}

#[test]
fn chain_building_uses_signatures_not_just_names() {
    let root = read_certificate(&repo().join("tests/fixtures/certs/example-root-ca.pem")).unwrap();
    let ours = open_pkcs12(&repo().join("examples/certs/CHUKAN-T01.pfx"), PASSWORD).unwrap();
    let stranger = open_pkcs12(&repo().join("tests/fixtures/certs/other-ca.pfx"), PASSWORD).unwrap();
    assert!(chains_to(&ours.leaf, &[], std::slice::from_ref(&root)));
    assert!(!chains_to(&stranger.leaf, &[], std::slice::from_ref(&root)));
    // The stranger's file carries its own CA; that CA is not a listed authority, so it does not help.
    assert!(!chains_to(&stranger.leaf, &stranger.others, std::slice::from_ref(&root)));
}

/// OpenSSL, an independent implementation, agrees with our verdicts on which files chain to the example root.
#[test]
fn openssl_agrees_on_the_chain_verdicts() {
    let scratch = tempfile::tempdir().unwrap();
    let root = repo().join("tests/fixtures/certs/example-root-ca.pem");
    let cases = [
        (repo().join("examples/certs/CHUKAN-T01.pfx"), true),
        (repo().join("examples/certs/FUKUSHI-T01.pfx"), true),
        (repo().join("tests/fixtures/certs/legacy-3des.pfx"), true),
        (repo().join("tests/fixtures/certs/other-ca.pfx"), false),
    ];
    let authority = read_certificate(&root).unwrap();
    for (pfx, chains) in cases {
        let leaf_pem = scratch.path().join("leaf.pem");
        let extracted = std::process::Command::new("openssl")
            .args(["pkcs12", "-nokeys", "-clcerts", "-passin", &format!("pass:{PASSWORD}"), "-in"])
            .arg(&pfx)
            .arg("-out")
            .arg(&leaf_pem)
            .status()
            .expect("openssl is installed by scripts/test.sh");
        assert!(extracted.success(), "openssl opens {}", pfx.display());
        let verified = std::process::Command::new("openssl")
            .args(["verify", "-partial_chain", "-attime", &unix("2030-01-01").to_string(), "-CAfile"])
            .arg(&root)
            .arg(&leaf_pem)
            .output()
            .unwrap();
        assert_eq!(verified.status.success(), chains, "openssl on {}: {:?}", pfx.display(), verified);
        let ours = open_pkcs12(&pfx, PASSWORD).unwrap();
        assert_eq!(chains_to(&ours.leaf, &[], std::slice::from_ref(&authority)), chains, "{}", pfx.display());
    }
}
