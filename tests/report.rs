//! `tanmatsu report` on reports made as a terminal makes them (docs/terminal-report.md): signed with a key of the
//! terminal's own, chained by number and hash, enrolled at the desk. OpenSSL makes the keys, certificates and
//! signatures and computes the key IDs, so nothing here trusts tanmatsu's own crypto; the auditor's HTML page is
//! rendered by a real browser.

mod common;

use common::tanmatsu;
use common::tools::{run, run_ok};
use std::path::{Path, PathBuf};
use tanmatsu::spec::{self, HowMet};

/// A terminal: its key and self-signed certificate, as OpenSSL makes them, and its identity.
struct Terminal {
    keys: tempfile::TempDir,
    hostname: String,
    uuid: String,
    serial: String,
    certificate: String,
    key_id: String,
}

impl Terminal {
    fn new(hostname: &str) -> Terminal {
        let keys = tempfile::tempdir().unwrap();
        let key = keys.path().join("key.pem");
        let certificate = keys.path().join("cert.der");
        let subject = format!("/CN={hostname} tanmatsu report key");
        run_ok(
            "openssl",
            &[
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-days",
                "3650",
                "-subj",
                &subject,
                "-keyout",
                &key.display().to_string(),
                "-outform",
                "DER",
                "-out",
                &certificate.display().to_string(),
            ],
        );
        // The key's ID: SHA-256 of its RSAPublicKey DER, which OpenSSL derives from the certificate on its own.
        let public = keys.path().join("public.pem");
        let rsa_public = keys.path().join("rsa-public.der");
        let pem = run_ok(
            "openssl",
            &["x509", "-inform", "DER", "-in", &certificate.display().to_string(), "-pubkey", "-noout"],
        );
        std::fs::write(&public, pem).unwrap();
        run_ok(
            "openssl",
            &[
                "rsa",
                "-pubin",
                "-in",
                &public.display().to_string(),
                "-RSAPublicKey_out",
                "-outform",
                "DER",
                "-out",
                &rsa_public.display().to_string(),
            ],
        );
        let key_id = sha256sum(&rsa_public);
        let certificate_base64 = run_ok("openssl", &["base64", "-A", "-in", &certificate.display().to_string()]);
        // Distinct machines for distinct names.
        let n: usize = hostname.bytes().map(usize::from).sum::<usize>() % 10_000;
        Terminal {
            keys,
            hostname: hostname.into(),
            uuid: format!("4C4C4544-0042-{n:04}-8051-B7C04F4E3332"),
            serial: format!("5CG{n:07}Q"),
            certificate: certificate_base64.trim().into(),
            key_id,
        }
    }

    /// Report no. `sequence`, after the report whose file hash is `previous`, in which every item software can see
    /// passes but for `changes` as (item, result, evidence).
    fn report(
        &self,
        sequence: u64,
        previous: Option<&str>,
        at: &str,
        changes: &[(&str, &str, &str)],
    ) -> serde_json::Value {
        let mut checks = Vec::new();
        let mut summary = serde_json::json!({ "pass": 0, "warning": 0, "ineffective": 0, "fail": 0 });
        for item in spec::items().iter().filter(|i| i.how != HowMet::Process) {
            let (result, evidence) = changes
                .iter()
                .find(|(id, _, _)| *id == item.id)
                .map(|(_, result, evidence)| (result.to_string(), evidence.to_string()))
                .unwrap_or(("pass".into(), format!("{} measured", item.id)));
            summary[&result] = (summary[&result].as_u64().unwrap() + 1).into();
            checks.push(
                serde_json::json!({ "item": item.id, "check": "sample", "result": result, "evidence": evidence }),
            );
        }
        serde_json::json!({
            "schema": "tanmatsu-terminal-report",
            "schema_version": 2,
            "tanmatsu_version": "0.1.0",
            "media_id": format!("{:0>16X}", self.hostname.len()),
            "template": { "name": "builtin", "version": 1 },
            "generated_at": at,
            "sequence": sequence,
            "previous_report_sha256": previous,
            "terminal": {
                "hostname": self.hostname,
                "expected_hostname": self.hostname,
                "manufacturer": "HP",
                "model": "EliteDesk 800 G9",
                "serial": self.serial,
                "uuid": self.uuid,
            },
            "key": { "sha256": self.key_id, "storage": "tpm", "certificate": self.certificate },
            "windows": {
                "caption": "Microsoft Windows 11 Pro",
                "version": "10.0.26100",
                "build": "26100",
                "display_version": "24H2",
                "ubr": 2314 + sequence * 100,
            },
            "existing_terminal": false,
            "measurements": { "definitions_age_days": 10 + sequence, "full_scan_age_days": 3 },
            "summary": summary,
            "checks": checks,
        })
    }

    /// Writes `value` as the terminal does (UTF-8 with a byte-order mark, CRLF) and signs the bytes with OpenSSL
    /// (`<file>.sig`, base64). Returns the file and its SHA-256.
    fn save(&self, dir: &Path, name: &str, value: &serde_json::Value) -> (PathBuf, String) {
        let file = dir.join(name);
        write_report(&file, value);
        self.sign(&file);
        let sha = sha256sum(&file);
        (file, sha)
    }

    fn sign(&self, file: &Path) {
        let raw = self.keys.path().join("signature.bin");
        let key = self.keys.path().join("key.pem");
        run_ok(
            "openssl",
            &[
                "dgst",
                "-sha256",
                "-sign",
                &key.display().to_string(),
                "-out",
                &raw.display().to_string(),
                &file.display().to_string(),
            ],
        );
        let sig = format!("{}.sig", file.display());
        run_ok("openssl", &["base64", "-A", "-in", &raw.display().to_string(), "-out", &sig]);
    }

    /// Reports no. 1 to `count`, a day apart, each naming the one before; `changes` apply to the last.
    fn chain(&self, dir: &Path, count: u64, changes: &[(&str, &str, &str)]) -> Vec<PathBuf> {
        let mut previous: Option<String> = None;
        let mut files = Vec::new();
        for sequence in 1..=count {
            let at = format!("2026-11-{:02}T10:00:00+09:00", 10 + sequence);
            let own: &[(&str, &str, &str)] = if sequence == count { changes } else { &[] };
            let value = self.report(sequence, previous.as_deref(), &at, own);
            let (file, sha) = self.save(dir, &format!("{}-{sequence:03}.json", self.hostname), &value);
            previous = Some(sha);
            files.push(file);
        }
        files
    }
}

fn write_report(file: &Path, value: &serde_json::Value) {
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend(serde_json::to_string_pretty(value).unwrap().replace('\n', "\r\n").into_bytes());
    std::fs::write(file, bytes).unwrap();
}

fn sha256sum(file: &Path) -> String {
    run_ok("sha256sum", &[&file.display().to_string()]).split_whitespace().next().unwrap().to_string()
}

/// Enrols the key of `report` in `ledger`, starting the ledger when it is not there yet.
fn enrol(report: &Path, ledger: &Path) -> (i32, String, String) {
    let mut command = tanmatsu();
    command
        .args(["ledger", "enrol"])
        .arg(report)
        .args(["--operator", "山田", "--approver", "佐藤", "--ledger"])
        .arg(ledger);
    if !ledger.exists() {
        command.arg("--new-ledger");
    }
    common::outcome(&mut command)
}

fn report_command(path: &Path, ledger: &Path, extra: &[&str]) -> (i32, String, String) {
    common::outcome(tanmatsu().arg("report").arg(path).arg("--ledger").arg(ledger).args(extra))
}

/// A desk with `terminals`, each with a chain of `count` reports in the stick's report folder, every key enrolled
/// from the terminal's first report.
struct Desk {
    dir: tempfile::TempDir,
}

impl Desk {
    fn new() -> Desk {
        let desk = Desk { dir: tempfile::tempdir().unwrap() };
        std::fs::create_dir_all(desk.reports()).unwrap();
        desk
    }
    fn reports(&self) -> PathBuf {
        self.dir.path().join("stick/tanmatsu/reports")
    }
    fn stick(&self) -> PathBuf {
        self.dir.path().join("stick")
    }
    fn ledger(&self) -> PathBuf {
        self.dir.path().join("media-ledger.csv")
    }
    fn enrolled_chain(&self, terminal: &Terminal, count: u64, changes: &[(&str, &str, &str)]) -> Vec<PathBuf> {
        let files = terminal.chain(&self.reports(), count, changes);
        let (code, stdout, stderr) = enrol(&files[0], &self.ledger());
        assert_eq!(code, 0, "{stdout}{stderr}");
        files
    }
    /// One report of `terminal`, saved and signed as `name`, its key enrolled from it.
    fn enrolled(&self, terminal: &Terminal, name: &str, value: &serde_json::Value) {
        let (file, _) = terminal.save(&self.reports(), name, value);
        let (code, stdout, stderr) = enrol(&file, &self.ledger());
        assert_eq!(code, 0, "{stdout}{stderr}");
    }
    fn report(&self, extra: &[&str]) -> (i32, String, String) {
        report_command(&self.stick(), &self.ledger(), extra)
    }
}

fn edit(file: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(file).unwrap();
    assert!(text.contains(from), "`{from}` is in {}", file.display());
    std::fs::write(file, text.replacen(from, to, 1)).unwrap();
}

#[test]
fn a_genuine_chain_is_verified_and_every_item_is_shown() {
    let desk = Desk::new();
    let t01 = Terminal::new("CHUKAN-T01");
    desk.enrolled_chain(&t01, 3, &[]);
    let (code, stdout, stderr) = desk.report(&[]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.contains("(no. 3)"), "the latest report is no. 3: {stdout}");
    assert!(stdout.contains("verified: signed by the enrolled key, 3 report(s) in an unbroken chain"), "{stdout}");
    for item in spec::items() {
        let row = stdout
            .lines()
            .find(|l| l.split_whitespace().next() == Some(&item.id))
            .unwrap_or_else(|| panic!("{} listed", item.id));
        assert!(row.contains(&item.label_ja), "{row}");
        let expected = if item.how == HowMet::Process { "person signs off" } else { "pass" };
        assert!(row.contains(expected), "{row}");
    }
    assert!(stdout.contains("=> meets the spec"));
    assert!(stdout.contains("3 entries, chain intact") || stdout.contains("1 entries, chain intact"), "{stdout}");

    // The ledger row names the machine as the report does, and the key as OpenSSL computes its ID.
    let ledger = std::fs::read_to_string(desk.ledger()).unwrap();
    let row = ledger.lines().find(|l| l.contains(",enrol,")).expect("an enrolment row");
    for expected in [t01.hostname.as_str(), &t01.uuid, &t01.serial, &t01.key_id, "EliteDesk 800 G9", "山田", "佐藤"]
    {
        assert!(row.contains(expected), "{expected} in {row}");
    }
}

/// Each way of altering what a terminal wrote, and what `report` must then say. The latest report of the genuine
/// chain fails SEC-1, which every forgery tries to hide.
#[test]
fn an_altered_chain_is_unverified_and_says_why() {
    type Forgery = fn(&[PathBuf], &Terminal, &Terminal);
    let forgeries: &[(&str, Forgery, &str)] = &[
        (
            "a result changed after signing",
            |files, _, _| edit(&files[2], "\"result\": \"fail\"", "\"result\": \"pass\""),
            "the signature does not match the report",
        ),
        (
            "the failing row deleted, summary and all",
            |files, _, _| {
                let mut value: serde_json::Value =
                    serde_json::from_str(std::fs::read_to_string(&files[2]).unwrap().trim_start_matches('\u{feff}'))
                        .unwrap();
                value["checks"].as_array_mut().unwrap().retain(|c| c["result"] != "fail");
                value["summary"]["fail"] = 0.into();
                write_report(&files[2], &value);
            },
            "the signature does not match the report",
        ),
        (
            "a later date put on the report",
            |files, _, _| edit(&files[2], "2026-11-13T10:00:00+09:00", "2099-01-01T10:00:00+09:00"),
            "the signature does not match the report",
        ),
        (
            "the signature deleted",
            |files, _, _| std::fs::remove_file(format!("{}.sig", files[2].display())).unwrap(),
            "unsigned: there is no signature file",
        ),
        (
            "the report re-signed by another key",
            |files, _, other| other.sign(&files[2]),
            "the signature does not match the report",
        ),
        (
            "the middle report deleted",
            |files, _, _| {
                std::fs::remove_file(&files[1]).unwrap();
                std::fs::remove_file(format!("{}.sig", files[1].display())).unwrap();
            },
            "report no. 2 of this terminal is missing",
        ),
        (
            "an older report put in the middle's place",
            |files, _, _| {
                std::fs::copy(&files[0], &files[1]).unwrap();
                std::fs::copy(format!("{}.sig", files[0].display()), format!("{}.sig", files[1].display())).unwrap();
            },
            "report no. 2 of this terminal is missing",
        ),
        (
            "a second, cleaner report no. 3 signed by the terminal",
            |files, terminal, _| {
                let previous = sha256sum(&files[1]);
                let clean = terminal.report(3, Some(&previous), "2026-11-13T11:00:00+09:00", &[]);
                terminal.save(files[0].parent().unwrap(), "CHUKAN-T01-003b.json", &clean);
            },
            "there are different reports numbered 3",
        ),
        (
            "a report that names no report before it",
            |files, terminal, _| {
                let value = terminal.report(
                    3,
                    None,
                    "2026-11-13T10:00:00+09:00",
                    &[("SEC-1", "fail", "definitions 200 days old")],
                );
                terminal.save(files[0].parent().unwrap(), "CHUKAN-T01-003.json", &value);
            },
            "does not name the report before it",
        ),
        (
            "a signed report from another machine (the key carried over)",
            |files, terminal, _| {
                let mut value = terminal.report(3, Some(&sha256sum(&files[1])), "2026-11-13T10:00:00+09:00", &[]);
                value["terminal"]["uuid"] = "00000000-0000-0000-0000-000000000001".into();
                terminal.save(files[0].parent().unwrap(), "CHUKAN-T01-003.json", &value);
            },
            "but this report comes from UUID 00000000-0000-0000-0000-000000000001",
        ),
        (
            "a signed report dated in the future",
            |files, terminal, _| {
                let value = terminal.report(3, Some(&sha256sum(&files[1])), "2099-01-01T10:00:00+09:00", &[]);
                terminal.save(files[0].parent().unwrap(), "CHUKAN-T01-003.json", &value);
            },
            "the report is dated 2099-01-01T10:00:00+09:00, after today",
        ),
        (
            "a signed report whose summary hides its failure",
            |files, terminal, _| {
                let mut value = terminal.report(
                    3,
                    Some(&sha256sum(&files[1])),
                    "2026-11-13T10:00:00+09:00",
                    &[("SEC-1", "fail", "x")],
                );
                value["summary"]["fail"] = 0.into();
                value["summary"]["pass"] = (value["summary"]["pass"].as_u64().unwrap() + 1).into();
                terminal.save(files[0].parent().unwrap(), "CHUKAN-T01-003.json", &value);
            },
            "its summary does not match its checks",
        ),
    ];
    let other = Terminal::new("OTHER");
    let terminal = Terminal::new("CHUKAN-T01");
    for (what, forge, expected) in forgeries {
        let desk = Desk::new();
        let files = desk.enrolled_chain(&terminal, 3, &[("SEC-1", "fail", "definitions 200 days old")]);
        forge(&files, &terminal, &other);
        let (code, stdout, stderr) = desk.report(&[]);
        assert_eq!(code, 1, "{what}: {stdout}{stderr}");
        assert!(stdout.contains("UNVERIFIED:"), "{what}: {stdout}");
        assert!(stdout.contains(expected), "{what}: `{expected}` in {stdout}");
        assert!(stdout.contains("=> UNVERIFIED: these results cannot be relied on"), "{what}: {stdout}");
        assert!(!stdout.contains("meets the spec"), "{what}: {stdout}");
    }
}

#[test]
fn a_report_whose_key_is_not_enrolled_is_unverified_with_the_way_to_enrol_it() {
    let desk = Desk::new();
    let t01 = Terminal::new("CHUKAN-T01");
    t01.chain(&desk.reports(), 1, &[]);
    let (code, stdout, _) = desk.report(&[]);
    assert_eq!(code, 1, "{stdout}");
    assert!(stdout.contains(&format!("the key {} is not enrolled", t01.key_id)), "{stdout}");
    assert!(stdout.contains("tanmatsu ledger enrol"), "{stdout}");
}

#[test]
fn enrolment_takes_only_a_report_signed_by_its_own_key_and_only_once() {
    let desk = Desk::new();
    let t01 = Terminal::new("CHUKAN-T01");
    let files = t01.chain(&desk.reports(), 2, &[]);

    std::fs::rename(format!("{}.sig", files[0].display()), desk.dir.path().join("kept.sig")).unwrap();
    let (code, _, stderr) = enrol(&files[0], &desk.ledger());
    assert_ne!(code, 0);
    assert!(stderr.contains("unsigned: there is no signature file"), "{stderr}");
    std::fs::rename(desk.dir.path().join("kept.sig"), format!("{}.sig", files[0].display())).unwrap();

    edit(&files[1], "CHUKAN-T01", "CHUKAN-T99");
    let (code, _, stderr) = enrol(&files[1], &desk.ledger());
    assert_ne!(code, 0);
    assert!(stderr.contains("the signature does not match the report"), "{stderr}");
    assert!(!desk.ledger().exists(), "nothing enrolled, nothing written");

    let (code, stdout, stderr) = enrol(&files[0], &desk.ledger());
    assert_eq!(code, 0, "{stdout}{stderr}");
    let (code, _, stderr) = enrol(&files[0], &desk.ledger());
    assert_ne!(code, 0);
    assert!(stderr.contains("already enrolled"), "{stderr}");
}

#[test]
fn a_broken_ledger_enrols_no_one() {
    let desk = Desk::new();
    let t01 = Terminal::new("CHUKAN-T01");
    desk.enrolled_chain(&t01, 1, &[]);
    edit(&desk.ledger(), "佐藤", "鈴木");
    let (code, stdout, _) = desk.report(&[]);
    assert_eq!(code, 1, "{stdout}");
    assert!(stdout.contains("the media ledger was altered, so no enrolment in it can be trusted"), "{stdout}");
    assert!(stdout.contains("was altered"), "{stdout}");
}

#[test]
fn a_host_name_other_than_the_profile_names_fails_the_terminal() {
    let desk = Desk::new();
    let t01 = Terminal::new("CHUKAN-T01");
    let mut value = t01.report(1, None, "2026-11-11T10:00:00+09:00", &[]);
    value["terminal"]["hostname"] = "DESKTOP-4F2K9QX".into();
    desk.enrolled(&t01, "T01-001.json", &value);
    let (code, stdout, _) = desk.report(&[]);
    assert_eq!(code, 1, "{stdout}");
    assert!(
        stdout.contains("the terminal calls itself DESKTOP-4F2K9QX, but the profile names it CHUKAN-T01"),
        "{stdout}"
    );
    assert!(stdout.contains("=> FAILS identity"), "{stdout}");
}

#[test]
fn hardware_below_the_recommended_value_is_advisory_on_an_existing_terminal_only() {
    for (existing, expected, code) in [(true, "below recommended (existing terminal)", 0), (false, "FAIL", 1)] {
        let desk = Desk::new();
        let t01 = Terminal::new("CHUKAN-T01");
        let mut value =
            t01.report(1, None, "2026-11-11T10:00:00+09:00", &[("HW-2", "fail", "4 GB (8 GB recommended)")]);
        value["existing_terminal"] = existing.into();
        desk.enrolled(&t01, "T01-001.json", &value);
        let (status, stdout, _) = desk.report(&[]);
        assert_eq!(status, code, "{stdout}");
        let row = stdout.lines().find(|l| l.trim_start().starts_with("HW-2")).unwrap();
        assert!(row.contains(expected) && row.contains("4 GB"), "{row}");
    }
}

#[test]
fn every_check_of_a_failing_item_is_shown_the_failing_one_first() {
    let desk = Desk::new();
    let t01 = Terminal::new("CHUKAN-T01");
    let mut value = t01.report(1, None, "2026-11-11T10:00:00+09:00", &[]);
    let checks = value["checks"].as_array_mut().unwrap();
    checks.push(
        serde_json::json!({ "item": "SEC-1", "check": "definitions", "result": "warning", "evidence": "9 days old" }),
    );
    checks.push(serde_json::json!({ "item": "SEC-1", "check": "full scan", "result": "fail", "evidence": "never" }));
    value["summary"]["warning"] = 1.into();
    value["summary"]["fail"] = 1.into();
    desk.enrolled(&t01, "T01-001.json", &value);
    let (code, stdout, _) = desk.report(&[]);
    assert_eq!(code, 1, "{stdout}");
    let lines: Vec<&str> = stdout.lines().collect();
    let at = lines.iter().position(|l| l.trim_start().starts_with("SEC-1")).unwrap();
    assert!(lines[at].contains("FAIL") && lines[at].contains("[fail] full scan: never"), "{}", lines[at]);
    assert!(lines[at + 1].contains("[warning] definitions: 9 days old"), "{}", lines[at + 1]);
    assert!(!lines[at + 2].contains("SEC-1 measured"), "passing checks of a failing item stay out of the console");
    assert!(stdout.contains("=> FAILS SEC-1"), "{stdout}");
}

#[test]
fn an_approved_exception_is_shown_with_its_reason_and_a_bad_exceptions_file_is_located() {
    let desk = Desk::new();
    let t01 = Terminal::new("CHUKAN-T01");
    desk.enrolled_chain(&t01, 1, &[("HW-6", "fail", "11.6 inch")]);
    let exceptions = desk.dir.path().join("exceptions.toml");
    std::fs::write(
        &exceptions,
        "[[exception]]\nterminal = \"CHUKAN-T01\"\nitem = \"HW-6\"\nreason = \"外部ディスプレイを常設\"\napprover = \"課長 山田\"\ndate = \"2026-11-30\"\n",
    )
    .unwrap();
    let (code, stdout, stderr) = desk.report(&["--exceptions", exceptions.to_str().unwrap()]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    let at = stdout.lines().position(|l| l.trim_start().starts_with("HW-6")).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(lines[at].contains("exception approved") && lines[at].contains("11.6 inch"), "{}", lines[at]);
    assert!(
        lines[at + 1].contains("exception approved by 課長 山田 on 2026-11-30: 外部ディスプレイを常設"),
        "{}",
        lines[at + 1]
    );

    std::fs::write(&exceptions, "[[exception]]\nterminal = \"CHUKAN-T01\"\nitem = \"HW-66\"\nreason = \"x\"\napprover = \"y\"\ndate = \"2026-11-30\"\n").unwrap();
    let (code, stdout, stderr) = desk.report(&["--exceptions", exceptions.to_str().unwrap()]);
    assert_ne!(code, 0);
    assert!(stdout.is_empty(), "no report from a bad exceptions file: {stdout}");
    assert!(stderr.contains("exceptions.toml") && stderr.contains(":3:") && stderr.contains("HW-66"), "{stderr}");
}

#[test]
fn a_fleet_shows_which_terminals_fail_which_items_and_the_latest_report_counts() {
    let desk = Desk::new();
    let (t01, t02, t03) = (Terminal::new("T01"), Terminal::new("T02"), Terminal::new("T03"));
    desk.enrolled_chain(&t01, 1, &[("HW-2", "warning", "4 GB (8 GB recommended)")]);
    // T02's first report failed HW-4 too; the latest, no. 2, counts.
    let first = t02.report(1, None, "2026-11-11T10:00:00+09:00", &[("SEC-1", "fail", "x"), ("HW-4", "fail", "BIOS")]);
    let (first_file, first_sha) = t02.save(&desk.reports(), "T02-z-first.json", &first);
    let latest = t02.report(2, Some(&first_sha), "2026-11-12T10:00:00+09:00", &[("SEC-1", "fail", "real-time False")]);
    t02.save(&desk.reports(), "T02-a-latest.json", &latest);
    assert_eq!(enrol(&first_file, &desk.ledger()).0, 0);
    desk.enrolled_chain(&t03, 1, &[("SEC-7", "ineffective", "HomepageLocation is set")]);

    let (code, stdout, _) = desk.report(&[]);
    assert_eq!(code, 1, "{stdout}");
    assert!(stdout.contains("fleet: 3 terminals, 1 meet the spec"), "{stdout}");
    assert!(stdout.contains("SEC-1 fails on T02"), "{stdout}");
    assert!(stdout.contains("SEC-7 fails on T03"), "{stdout}");
    assert!(!stdout.contains("HW-4 fails"), "the earlier report of T02 does not count: {stdout}");
    assert!(stdout.contains("pass (warning)"), "a warning is shown but passes: {stdout}");

    let (_, json, _) = desk.report(&["--json"]);
    let fleet: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(fleet["terminals"].as_array().unwrap().len(), 3);
    let t02 =
        fleet["terminals"].as_array().unwrap().iter().find(|t| t["report"]["terminal"]["hostname"] == "T02").unwrap();
    assert_eq!(t02["report"]["sequence"], 2);
    assert_eq!(t02["history"].as_array().unwrap().len(), 2);
    assert_eq!(t02["verification"]["verified"], true);
    assert_eq!(t02["failing"], serde_json::json!(["SEC-1"]));
}

#[test]
fn broken_reports_are_named_and_the_rest_still_shown() {
    let desk = Desk::new();
    let t01 = Terminal::new("T01");
    desk.enrolled_chain(&t01, 1, &[]);
    let dir = desk.reports();
    let mut old = t01.report(1, None, "2026-11-11T10:00:00+09:00", &[]);
    old["schema_version"] = 1.into();
    write_report(&dir.join("old.json"), &old);
    let whole = serde_json::to_string(&t01.report(1, None, "2026-11-11T10:00:00+09:00", &[])).unwrap();
    std::fs::write(dir.join("truncated.json"), &whole[..whole.len() / 2]).unwrap();
    std::fs::write(dir.join("other.json"), "{\"hello\": 1}").unwrap();
    // A key given twice: a reader that took the last would see a pass the signer never wrote.
    let twice =
        whole.replacen("\"existing_terminal\":false", "\"existing_terminal\":false,\"existing_terminal\":true", 1);
    assert_ne!(twice, whole);
    std::fs::write(dir.join("twice.json"), twice).unwrap();
    let mut unknown = t01.report(1, None, "2026-11-11T10:00:00+09:00", &[]);
    unknown["checks"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({ "item": "ZZ-9", "check": "c", "result": "fail", "evidence": "e" }));
    write_report(&dir.join("unknown.json"), &unknown);
    // A FIFO named like a report is no report: reading it would wait for ever.
    run_ok("mkfifo", &[&dir.join("fifo.json").display().to_string()]);
    let mut extra = t01.report(1, None, "2026-11-11T10:00:00+09:00", &[]);
    extra["compliant"] = true.into();
    write_report(&dir.join("extra.json"), &extra);

    let (code, stdout, _) = desk.report(&[]);
    assert_eq!(code, 1);
    assert!(stdout.contains("T01 ") && stdout.contains("=> meets the spec"), "the good report is shown: {stdout}");
    assert!(stdout.contains("old.json: schema version 1, which this tanmatsu does not read"), "{stdout}");
    assert!(stdout.contains("truncated.json: not valid JSON"), "{stdout}");
    assert!(stdout.contains("other.json: not a tanmatsu terminal report"), "{stdout}");
    assert!(
        stdout.contains("twice.json: does not follow the report schema: duplicate field `existing_terminal`"),
        "{stdout}"
    );
    assert!(stdout.contains("extra.json: does not follow the report schema: unknown field `compliant`"), "{stdout}");
    assert!(
        stdout.contains("unknown.json: the check `c` is of `ZZ-9`, which is not an item of the terminal spec"),
        "{stdout}"
    );
    assert!(stdout.contains("fifo.json: not a file"), "{stdout}");
}

#[test]
fn a_missing_check_is_not_a_pass() {
    let desk = Desk::new();
    let t01 = Terminal::new("T01");
    let mut partial = t01.report(1, None, "2026-11-11T10:00:00+09:00", &[]);
    partial["checks"].as_array_mut().unwrap().retain(|c| c["item"] != "HW-8");
    partial["summary"]["pass"] = (partial["summary"]["pass"].as_u64().unwrap() - 1).into();
    desk.enrolled(&t01, "t.json", &partial);
    let (code, stdout, _) = desk.report(&[]);
    assert_eq!(code, 1, "{stdout}");
    assert!(stdout.lines().any(|l| l.trim_start().starts_with("HW-8") && l.contains("NOT CHECKED")), "{stdout}");
}

#[test]
fn the_csv_file_opens_as_one_row_per_terminal_and_item() {
    let desk = Desk::new();
    let t01 = Terminal::new("T01");
    desk.enrolled_chain(&t01, 2, &[("SEC-3", "fail", "a \"quoted\", comma")]);
    let csv = desk.dir.path().join("fleet.csv");
    let (code, _, _) = desk.report(&["--csv", csv.to_str().unwrap()]);
    assert_eq!(code, 1);
    let bytes = std::fs::read(&csv).unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "Excel reads UTF-8 by its byte-order mark");
    assert!(String::from_utf8_lossy(&bytes).contains("\r\n"));
    // Python's csv module reads it back.
    let script = "import csv,sys\nrows=list(csv.DictReader(open(sys.argv[1],encoding='utf-8-sig',newline='')))\n\
                  print(len(rows))\nr=[r for r in rows if r['項目 item']=='SEC-3'][0]\n\
                  print(r['端末 terminal'],r['検証 verification'],r['報告番号 sequence'],r['結果 result'],sep='|')\n\
                  print(r['根拠 evidence'])";
    let out = run_ok("python3", &["-c", script, csv.to_str().unwrap()]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], spec::items().len().to_string(), "{out}");
    assert_eq!(lines[1], "T01|verified|2|FAIL", "{out}");
    assert!(lines[2].contains("[fail] sample: a \"quoted\", comma"), "{out}");
}

/// Counts the pixels of `rgb` in a PNG.
fn pixels_of(png_file: &Path, rgb: [u8; 3]) -> usize {
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(png_file).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buffer = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buffer).unwrap();
    let channels = info.color_type.samples();
    buffer[..info.buffer_size()].chunks(channels).filter(|p| p[..3] == rgb).count()
}

#[test]
fn the_html_page_is_well_formed_complete_and_renders_in_a_browser() {
    let desk = Desk::new();
    let (t01, t02) = (Terminal::new("T01"), Terminal::new("T02"));
    desk.enrolled_chain(&t01, 3, &[]);
    desk.enrolled_chain(
        &t02,
        1,
        &[("SEC-3", "fail", "<script>alert('x')</script> & \"q\""), ("HW-2", "warning", "4 GB")],
    );
    std::fs::write(desk.reports().join("broken.json"), "{\"schema\": \"tanmatsu-terminal-report\", ").unwrap();
    tanmatsu::ledger::append(
        &desk.ledger(),
        tanmatsu::ledger::NewEntry {
            action: "write".into(),
            serial: "4C530001230101115042".into(),
            media_id: format!("{:0>16X}", 3),
            operator: "山田".into(),
            approver: "佐藤".into(),
            ..Default::default()
        },
    )
    .unwrap();
    let html = desk.dir.path().join("report.html");
    let (code, _, stderr) = desk.report(&["--html", html.to_str().unwrap()]);
    assert_eq!(code, 1, "T02 fails: {stderr}");
    let page = std::fs::read_to_string(&html).unwrap_or_else(|err| panic!("{err}: {stderr}"));

    let tree = common::xml::parse(&page.replace("<!DOCTYPE html>", ""));
    assert_eq!(tree.name, "html");
    assert!(page.contains("統合専用端末 適合性報告書"));
    for item in spec::items() {
        assert!(page.contains(&format!("<td>{}</td>", item.id)), "{} is on the page", item.id);
    }
    assert!(!page.contains("<script>alert"), "evidence is escaped");
    assert!(page.contains("4C530001230101115042"), "the ledger entry of the terminals' stick is shown");
    assert!(page.contains("broken.json"), "the unreadable report is named");
    assert!(page.contains(&t01.uuid) && page.contains(&t01.serial), "the terminal's identity is shown");
    assert!(page.contains("<polyline"), "T01's three reports are drawn");
    assert_eq!(
        page.matches("注意の内容を確認しました").count(),
        1,
        "T02's warning has a line to sign, nothing else has"
    );
    assert!(!page.contains("src=\"http") && !page.contains("href=\"http"), "no external assets");

    // A real browser renders it: the DOM it builds has the title and the items, and it paints the charts.
    let url = format!("file://{}", html.display());
    let profile = desk.dir.path().join("chromium-profile");
    let flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
    ];
    let user_data = format!("--user-data-dir={}", profile.display());
    let mut dump_args: Vec<&str> = flags.to_vec();
    dump_args.extend([user_data.as_str(), "--dump-dom", url.as_str()]);
    let dom = run("chromium", &dump_args);
    let dom = String::from_utf8_lossy(&dom.stdout);
    assert!(dom.contains("統合専用端末 適合性報告書") && dom.contains("SEC-3"), "the browser parsed the page");
    let png = desk.dir.path().join("report.png");
    let screenshot = format!("--screenshot={}", png.display());
    let mut shot_args: Vec<&str> = flags.to_vec();
    shot_args.extend([user_data.as_str(), "--window-size=1200,2400", screenshot.as_str(), url.as_str()]);
    run("chromium", &shot_args);
    let chart_pixels = pixels_of(&png, [0x15, 0x65, 0xc0]);
    assert!(chart_pixels > 200, "the browser drew the chart lines ({chart_pixels} pixels of their colour)");
    if let Ok(keep) = std::env::var("TANMATSU_KEEP_SCREENSHOT") {
        std::fs::copy(&png, keep).unwrap();
    }
}

#[test]
fn a_patch_level_unchanged_over_two_months_of_reports_fails_sec_6() {
    for (same_level, code) in [(true, 1), (false, 0)] {
        let desk = Desk::new();
        let t01 = Terminal::new("CHUKAN-T01");
        let first = t01.report(1, None, "2026-08-03T10:00:00+09:00", &[]);
        let (first_file, first_sha) = t01.save(&desk.reports(), "T01-0001.json", &first);
        assert_eq!(enrol(&first_file, &desk.ledger()).0, 0);
        let mut second = t01.report(2, Some(&first_sha), "2026-11-02T10:00:00+09:00", &[]);
        if same_level {
            second["windows"]["ubr"] = first["windows"]["ubr"].clone();
        }
        t01.save(&desk.reports(), "T01-0002.json", &second);
        let (status, stdout, _) = desk.report(&[]);
        assert_eq!(status, code, "{stdout}");
        let row = stdout.lines().find(|l| l.trim_start().starts_with("SEC-6")).unwrap();
        if same_level {
            assert!(
                row.contains("FAIL")
                    && row.contains(
                        "the patch level 26100.2414 has not changed since report no. 1 (2026-08-03T10:00:00+09:00)"
                    ),
                "{row}"
            );
        } else {
            assert!(row.contains("pass"), "{row}");
        }
    }
}

#[test]
fn a_terminal_set_up_again_is_enrolled_once_more_only_on_request_and_its_old_key_is_retired() {
    let desk = Desk::new();
    let old = Terminal::new("CHUKAN-T01");
    desk.enrolled_chain(&old, 3, &[]);
    // A later report is no enrolment: anyone holding a key could delete the reports before it.
    let elsewhere = desk.dir.path().join("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    let later = old.chain(&elsewhere, 2, &[]);
    let (code, _, stderr) = enrol(&later[1], &desk.ledger());
    assert_ne!(code, 0);
    assert!(stderr.contains("this is report no. 2: a key is enrolled from the terminal's first report"), "{stderr}");

    // The same machine with a new key: refused, then taken with --replace, which retires the old key.
    let mut new = Terminal::new("CHUKAN-T01");
    new.uuid = old.uuid.clone();
    new.serial = old.serial.clone();
    let value = new.report(1, None, "2026-11-20T10:00:00+09:00", &[("SEC-1", "fail", "definitions 200 days old")]);
    let (fresh, _) = new.save(&desk.reports(), "CHUKAN-T01-new-001.json", &value);
    let fresh = vec![fresh];
    let (code, _, stderr) = enrol(&fresh[0], &desk.ledger());
    assert_ne!(code, 0);
    assert!(stderr.contains("is already enrolled (entry 1, as CHUKAN-T01) under another key"), "{stderr}");
    let replaced = common::outcome(
        tanmatsu()
            .args(["ledger", "enrol"])
            .arg(&fresh[0])
            .args(["--replace", "--operator", "山田", "--approver", "佐藤", "--ledger"])
            .arg(desk.ledger()),
    );
    assert_eq!(replaced.0, 0, "{}{}", replaced.1, replaced.2);

    // The old chain, however good, is no longer believed, even with the new key's reports taken away.
    for file in fresh {
        std::fs::remove_file(format!("{}.sig", file.display())).unwrap();
        std::fs::remove_file(file).unwrap();
    }
    let (code, stdout, _) = desk.report(&[]);
    assert_eq!(code, 1, "{stdout}");
    assert!(stdout.contains("the machine was enrolled again under a new key (ledger entry 2"), "{stdout}");
    assert!(!stdout.contains("meets the spec"), "{stdout}");
}

#[test]
fn text_that_could_move_between_ledger_cells_or_rewrite_the_console_is_refused() {
    let desk = Desk::new();
    let t01 = Terminal::new("CHUKAN-T01");
    // A serial with the ledger's separator: its row's text could be shifted between cells keeping the hash.
    let mut value = t01.report(1, None, "2026-11-11T10:00:00+09:00", &[]);
    value["terminal"]["serial"] = "SA\u{1f}SB".into();
    let (file, _) = t01.save(&desk.reports(), "T01-0001.json", &value);
    let (code, _, stderr) = enrol(&file, &desk.ledger());
    assert_ne!(code, 0);
    assert!(stderr.contains("the terminal's `serial` holds a control character"), "{stderr}");
    assert!(!desk.ledger().exists());

    // An escape sequence in an unsigned file reaches the console as U+FFFD, not as a command to the terminal.
    std::fs::write(desk.reports().join("zz.json"), "{\"schema\": \"\\r\\u001b[2K\\u001b[2A => meets the spec\"}")
        .unwrap();
    let (_, stdout, _) = desk.report(&[]);
    assert!(!stdout.contains('\u{1b}') && !stdout.contains('\r'), "{stdout:?}");
    assert!(stdout.contains("\u{FFFD}[2K"), "{stdout:?}");
}

#[test]
fn odd_files_on_a_stick_are_named_and_never_stop_the_output() {
    use std::os::unix::ffi::OsStrExt;
    let desk = Desk::new();
    let t01 = Terminal::new("T01");
    let files = desk.enrolled_chain(&t01, 2, &[]);
    // A name that is not UTF-8, a signature that is a pipe, a report missing a field that may be null.
    let odd = desk.reports().join(std::ffi::OsStr::from_bytes(b"\x92[\x96\x96.json"));
    std::fs::write(&odd, "{").unwrap();
    std::fs::remove_file(format!("{}.sig", files[1].display())).unwrap();
    run_ok("mkfifo", &[&format!("{}.sig", files[1].display())]);
    let mut missing = t01.report(3, None, "2026-11-13T10:00:00+09:00", &[]);
    missing.as_object_mut().unwrap().remove("previous_report_sha256");
    write_report(&desk.reports().join("missing.json"), &missing);

    let html = desk.dir.path().join("page.html");
    let (code, stdout, stderr) = desk.report(&["--html", html.to_str().unwrap()]);
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(stdout.contains("is not a signature file"), "{stdout}");
    assert!(
        stdout.contains("missing.json: does not follow the report schema: missing field `previous_report_sha256`"),
        "{stdout}"
    );
    assert!(std::fs::read_to_string(&html).unwrap().contains("\u{FFFD}["), "the odd name is on the page");
    let (code, json, stderr) = desk.report(&["--json"]);
    assert_eq!(code, 1, "{stderr}");
    serde_json::from_str::<serde_json::Value>(&json).expect("JSON, with the odd name in it");
}

#[test]
fn reports_dated_before_the_one_before_them_are_unverified() {
    let desk = Desk::new();
    let t01 = Terminal::new("T01");
    let first = t01.report(1, None, "2026-11-20T10:00:00+09:00", &[]);
    let (first_file, first_sha) = t01.save(&desk.reports(), "T01-0001.json", &first);
    assert_eq!(enrol(&first_file, &desk.ledger()).0, 0);
    let second = t01.report(2, Some(&first_sha), "2026-11-10T10:00:00+09:00", &[]);
    t01.save(&desk.reports(), "T01-0002.json", &second);
    let (code, stdout, _) = desk.report(&[]);
    assert_eq!(code, 1, "{stdout}");
    assert!(
        stdout.contains("dated 2026-11-10T10:00:00+09:00, before the report before it (2026-11-20T10:00:00+09:00)"),
        "{stdout}"
    );
}

#[test]
fn a_folder_without_reports_is_no_result() {
    let desk = Desk::new();
    let html = desk.dir.path().join("page.html");
    let (code, stdout, stderr) = desk.report(&["--html", html.to_str().unwrap()]);
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(stderr.contains("no report was found in"), "{stderr}");
    assert!(!html.exists(), "no page for nothing");
}

#[test]
fn a_ledger_row_needs_two_named_people() {
    let desk = Desk::new();
    let t01 = Terminal::new("T01");
    let files = t01.chain(&desk.reports(), 1, &[]);
    for (operator, approver, expected) in [
        ("山田", "山田", "山田 is both the operator and the approver"),
        (" ", "佐藤", "give both --operator (who does it) and --approver"),
    ] {
        let (code, _, stderr) = common::outcome(
            tanmatsu()
                .args(["ledger", "enrol"])
                .arg(&files[0])
                .args(["--operator", operator, "--approver", approver, "--new-ledger", "--ledger"])
                .arg(desk.ledger()),
        );
        assert_ne!(code, 0);
        assert!(stderr.contains(expected), "{stderr}");
        assert!(!desk.ledger().exists());
    }
}
