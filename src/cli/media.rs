//! The commands about sticks and what comes back from terminals: verify, devices, write, the ledger, reports.

use super::{EXIT_OK, EXIT_UNREADABLE, EXIT_VIOLATION, LedgerCommand, LedgerFile, Retirement, Signatures};
use crate::device::{DEFAULT_MAX_SIZE, Rules, refusals};
use crate::fsutil::write_atomically;
use crate::stick::{StickError, WriteRequest};
use crate::write::Phase;
use std::path::Path;

pub(super) fn run_verify(path: &Path, sha256: Option<&str>, json: bool) -> i32 {
    match crate::verify::verify(path, sha256) {
        Ok(verified) => {
            if json {
                println!("{}", serde_json::to_string_pretty(&verified).expect("the result serialises"));
            } else {
                for finding in &verified.findings {
                    println!("{finding}");
                }
                let verdict = if verified.findings.is_empty() { "verified" } else { "NOT as made" };
                println!(
                    "{}: {verdict} ({} files, {} bytes checked, {} findings)",
                    path.display(),
                    verified.files_checked,
                    verified.bytes_checked,
                    verified.findings.len()
                );
            }
            if verified.findings.is_empty() { EXIT_OK } else { EXIT_VIOLATION }
        }
        Err(err) => {
            eprintln!("error: {err}");
            EXIT_UNREADABLE
        }
    }
}

pub(super) fn run_devices(json: bool) -> i32 {
    let disks = match crate::device::list() {
        Ok(disks) => disks,
        Err(err) => {
            eprintln!("error: cannot list disks: {err}");
            return EXIT_UNREADABLE;
        }
    };
    let rules = Rules { image_size: 0, allow_fixed: false, max_size: DEFAULT_MAX_SIZE };
    if json {
        let listed: Vec<_> =
            disks.iter().map(|d| serde_json::json!({ "disk": d, "refusals": refusals(d, &rules) })).collect();
        println!("{}", serde_json::to_string_pretty(&listed).expect("the list serialises"));
        return EXIT_OK;
    }
    for disk in &disks {
        let reasons = refusals(disk, &rules);
        let verdict = if reasons.is_empty() { "candidate" } else { "not a candidate" };
        println!("{}  {verdict}", disk.summary());
        for reason in reasons {
            println!("    - {reason}");
        }
        if let Some(keys) = disk.approval_keys() {
            for line in keys.lines() {
                println!("    {line}");
            }
        }
    }
    EXIT_OK
}

pub(super) fn run_write(request: &WriteRequest, yes: bool) -> i32 {
    let fail = |err: StickError| {
        eprintln!("error: {err}");
        EXIT_VIOLATION
    };
    if cfg!(windows) {
        return fail(StickError::Unsupported);
    }
    let (disk, verified, image_size) = match crate::stick::prepare(request) {
        Ok(prepared) => prepared,
        Err(err) => return fail(err),
    };
    eprintln!("target: {}", disk.summary());
    if !yes && !confirmed(&disk) {
        return fail(StickError::NotConfirmed);
    }
    let mut target = match open_target(&disk) {
        Ok(target) => target,
        Err(err) => return fail(err.into()),
    };
    let bar = write_progress(image_size);
    let mut progress = |phase: Phase, bytes: u64| {
        if phase == Phase::Verifying && bar.message() != "verifying" {
            bar.set_message("verifying");
            bar.set_position(0);
        }
        bar.inc(bytes);
    };
    match crate::stick::write(request, disk, &verified, image_size, target.as_mut(), &mut progress) {
        Ok(outcome) => {
            bar.finish_and_clear();
            println!(
                "wrote and read back {} bytes to {}; SHA-256 {}",
                outcome.bytes, outcome.disk.path, outcome.sha256
            );
            println!("recorded as entry {} in {}", outcome.ledger_entry.seq, request.ledger.display());
            if let Some(keys) = outcome.disk.approval_keys() {
                println!(
                    "to approve this stick (MED-2), add to the profile:\n[[media.approved]]\nlabel = \"…\"\n{keys}"
                );
            }
            EXIT_OK
        }
        Err(err) => {
            bar.abandon();
            fail(err)
        }
    }
}

/// Asks the user to type the device's name; only an exact match confirms.
fn confirmed(disk: &crate::device::Disk) -> bool {
    use std::io::{BufRead, IsTerminal, Write};
    if !std::io::stdin().is_terminal() {
        eprintln!("standard input is not a terminal: pass --yes to write without asking");
        return false;
    }
    let name = Path::new(&disk.path).file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    eprint!("everything on {} will be erased. Type `{name}` to continue: ", disk.path);
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer).is_ok() && answer.trim() == name
}

#[cfg(target_os = "linux")]
fn open_target(disk: &crate::device::Disk) -> std::io::Result<Box<dyn crate::write::Target>> {
    Ok(Box::new(crate::write::block_device::BlockDevice::open(Path::new(&disk.path))?))
}

#[cfg(not(target_os = "linux"))]
fn open_target(_: &crate::device::Disk) -> std::io::Result<Box<dyn crate::write::Target>> {
    Err(std::io::Error::new(std::io::ErrorKind::Unsupported, "writing disks is supported on Linux only"))
}

fn write_progress(total: u64) -> indicatif::ProgressBar {
    use std::io::IsTerminal;
    if !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(total);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{msg:10} {bar:40} {bytes}/{total_bytes} {bytes_per_sec}")
            .expect("a valid template"),
    );
    bar.set_message("writing");
    bar
}

pub(super) fn run_ledger(command: LedgerCommand) -> i32 {
    use crate::ledger;
    match command {
        LedgerCommand::List { ledger: LedgerFile { path } } => match ledger::read(&path) {
            Ok(entries) => {
                for e in &entries {
                    println!(
                        "{:>4}  {}  {:<16} {}  serial {}  {}  by {} (approved {})",
                        e.seq, e.time, e.action, e.model, e.serial, e.media_id, e.operator, e.approver
                    );
                }
                EXIT_OK
            }
            Err(err) => {
                eprintln!("error: {err}");
                EXIT_UNREADABLE
            }
        },
        LedgerCommand::Verify { ledger: LedgerFile { path } } => match ledger::read(&path) {
            Ok(entries) => {
                let problems = ledger::check(&entries);
                for problem in &problems {
                    println!("{problem}");
                }
                if problems.is_empty() {
                    println!("{}: {} entries, intact; head {}", path.display(), entries.len(), ledger::head(&entries));
                    EXIT_OK
                } else {
                    println!("{}: ALTERED ({} problems)", path.display(), problems.len());
                    EXIT_VIOLATION
                }
            }
            Err(err) => {
                eprintln!("error: {err}");
                EXIT_UNREADABLE
            }
        },
        LedgerCommand::Retire {
            serial,
            how,
            signed: Signatures { operator, approver },
            ledger: LedgerFile { path },
        } => {
            let action = match how {
                Retirement::Wiped => "retire:wiped",
                Retirement::Destroyed => "retire:destroyed",
            };
            let entry = ledger::NewEntry {
                time: crate::timestamp::iso8601(crate::stick::now()),
                action: action.into(),
                operator,
                approver,
                ..ledger::NewEntry::default()
            };
            match ledger::retire(&path, &serial, entry) {
                Ok(entry) => {
                    println!("recorded as entry {} in {}", entry.seq, path.display());
                    EXIT_OK
                }
                Err(err) => {
                    eprintln!("error: {err}");
                    EXIT_VIOLATION
                }
            }
        }
    }
}

pub(super) fn run_report(path: &Path, html: Option<&Path>, json: bool, ledger: Option<&Path>) -> i32 {
    let fleet = match crate::report::load(path, ledger) {
        Ok(fleet) => fleet,
        Err(err) => {
            eprintln!("error: cannot read reports at `{}`: {err}", path.display());
            return EXIT_UNREADABLE;
        }
    };
    if json {
        println!("{}", serde_json::to_string_pretty(&fleet).expect("the fleet serialises"));
    } else {
        print!("{}", crate::report::render_text(&fleet));
    }
    if let Some(html_path) = html {
        let generated = crate::timestamp::iso8601(crate::stick::now());
        let written = crate::report::render_html(&fleet, &generated)
            .map_err(|err| err.to_string())
            .and_then(|page| write_atomically(html_path, page.as_bytes(), None).map_err(|err| err.to_string()));
        if let Err(err) = written {
            eprintln!("error: cannot write `{}`: {err}", html_path.display());
            return EXIT_VIOLATION;
        }
    }
    if fleet.all_compliant() { EXIT_OK } else { EXIT_VIOLATION }
}
