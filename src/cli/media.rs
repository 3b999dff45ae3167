//! The commands about sticks and what comes back from terminals: verify, devices, write, the ledger, reports.

use super::{EXIT_OK, EXIT_UNREADABLE, EXIT_VIOLATION, LedgerCommand, LedgerFile, Retirement, Signatures, failed};
use crate::device::{DEFAULT_MAX_SIZE, Rules, refusals};
use crate::fsutil::write_atomically;
use crate::i18n::os_error;
use crate::stick::{StickError, WriteRequest};
use crate::write::Phase;
use crate::{msg, t};
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
                if let Some(disarmed) = &verified.disarmed {
                    let removed = disarmed.removed.join(", ");
                    let line = msg!(
                        "cli.verify.disarmed",
                        terminal = &disarmed.terminal,
                        at = &disarmed.at,
                        removed = removed
                    );
                    println!("{line}");
                }
                let verdict = if verified.findings.is_empty() {
                    msg!("cli.verify.as-made")
                } else {
                    msg!("cli.verify.not-as-made")
                };
                let summary = msg!(
                    "cli.verify.summary",
                    path = path.display(),
                    verdict = verdict,
                    files = verified.files_checked,
                    bytes = verified.bytes_checked,
                    findings = verified.findings.len()
                );
                println!("{summary}");
            }
            if verified.findings.is_empty() { EXIT_OK } else { EXIT_VIOLATION }
        }
        Err(err) => failed(EXIT_UNREADABLE, err),
    }
}

pub(super) fn run_devices(json: bool) -> i32 {
    let disks = match crate::device::list() {
        Ok(disks) => disks,
        Err(err) => return failed(EXIT_UNREADABLE, msg!("cli.devices.cannot-list", reason = os_error(&err))),
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
        let verdict =
            if reasons.is_empty() { msg!("cli.devices.candidate") } else { msg!("cli.devices.not-candidate") };
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
    let fail = |err: StickError| failed(EXIT_VIOLATION, err);
    if cfg!(windows) {
        return fail(StickError::Unsupported);
    }
    let (disk, verified, image_size) = match crate::stick::prepare(request) {
        Ok(prepared) => prepared,
        Err(err) => return fail(err),
    };
    eprintln!("{}", msg!("cli.write.target", disk = disk.summary()));
    if !yes && !confirmed(&disk) {
        return fail(StickError::NotConfirmed);
    }
    let mut target = match open_target(&disk) {
        Ok(target) => target,
        Err(err) => return fail(err.into()),
    };
    let bar = write_progress(image_size);
    let mut verifying = false;
    let mut progress = |phase: Phase, bytes: u64| {
        if phase == Phase::Verifying && !verifying {
            verifying = true;
            bar.set_message(t!("cli.write.verifying"));
            bar.set_position(0);
        }
        bar.inc(bytes);
    };
    match crate::stick::write(request, disk, &verified, image_size, target.as_mut(), &mut progress) {
        Ok(outcome) => {
            bar.finish_and_clear();
            let (bytes, device, sha256) = (outcome.bytes, &outcome.disk.path, &outcome.sha256);
            println!("{}", msg!("cli.write.done", bytes = bytes, device = device, sha256 = sha256));
            let (seq, ledger) = (outcome.ledger_entry.seq, request.ledger.display());
            println!("{}", msg!("cli.ledger.recorded", seq = seq, ledger = ledger));
            if let Some(keys) = outcome.disk.approval_keys() {
                println!("{}\n[[media.approved]]\nlabel = \"…\"\n{keys}", msg!("cli.write.approve"));
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
        eprintln!("{}", msg!("cli.write.not-a-terminal"));
        return false;
    }
    let name = Path::new(&disk.path).file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    eprint!("{}", msg!("cli.write.confirm", device = &disk.path, name = &name));
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
    Err(msg!("cli.write.linux-only").io_error(std::io::ErrorKind::Unsupported))
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
    bar.set_message(t!("cli.write.writing"));
    bar
}

pub(super) fn run_ledger(command: LedgerCommand) -> i32 {
    use crate::ledger;
    match command {
        LedgerCommand::List { ledger: LedgerFile { path } } => match ledger::read_existing(&path) {
            Ok(entries) => {
                for e in &entries {
                    let line = msg!(
                        "cli.ledger.entry",
                        seq = format!("{:>4}", e.seq),
                        time = &e.time,
                        action = format!("{:<16}", e.action),
                        model = &e.model,
                        serial = &e.serial,
                        media = &e.media_id,
                        operator = &e.operator,
                        approver = &e.approver
                    );
                    println!("{line}");
                }
                EXIT_OK
            }
            Err(err) => failed(EXIT_UNREADABLE, err),
        },
        LedgerCommand::Verify { ledger: LedgerFile { path } } => match ledger::read_existing(&path) {
            Ok(entries) => {
                let problems = ledger::check(&entries);
                for problem in &problems {
                    println!("{problem}");
                }
                if problems.is_empty() {
                    let (count, head) = (entries.len(), ledger::head(&entries));
                    println!("{}", msg!("cli.ledger.intact", path = path.display(), count = count, head = head));
                    EXIT_OK
                } else {
                    println!("{}", msg!("cli.ledger.altered", path = path.display(), count = problems.len()));
                    EXIT_VIOLATION
                }
            }
            Err(err) => failed(EXIT_UNREADABLE, err),
        },
        LedgerCommand::Enrol {
            report,
            replace,
            signed: Signatures { operator, approver, .. },
            ledger: LedgerFile { path },
        } => {
            let enrolment = match crate::report::enrolment(&report) {
                Ok(enrolment) => enrolment,
                Err(reason) => {
                    return failed(
                        EXIT_VIOLATION,
                        msg!("cli.ledger.cannot-enrol", report = report.display(), reason = reason),
                    );
                }
            };
            let entry =
                ledger::NewEntry { time: crate::timestamp::jst(crate::stick::now()), operator, approver, ..enrolment };
            match ledger::enrol(&path, entry, replace) {
                Ok(entry) => {
                    let enrolled = msg!(
                        "cli.ledger.enrolled",
                        seq = entry.seq,
                        ledger = path.display(),
                        terminal = &entry.terminal,
                        model = &entry.model,
                        serial = &entry.serial,
                        uuid = &entry.terminal_uuid,
                        key = &entry.terminal_key
                    );
                    println!("{}", crate::escape::console(&enrolled.to_string()));
                    EXIT_OK
                }
                Err(err) => failed(EXIT_VIOLATION, err),
            }
        }
        LedgerCommand::Retire {
            serial,
            how,
            signed: Signatures { operator, approver, .. },
            ledger: LedgerFile { path },
        } => {
            let action = match how {
                Retirement::Wiped => "retire:wiped",
                Retirement::Destroyed => "retire:destroyed",
            };
            let entry = ledger::NewEntry {
                time: crate::timestamp::jst(crate::stick::now()),
                action: action.into(),
                operator,
                approver,
                ..ledger::NewEntry::default()
            };
            match ledger::retire(&path, &serial, entry) {
                Ok(entry) => {
                    println!("{}", msg!("cli.ledger.recorded", seq = entry.seq, ledger = path.display()));
                    EXIT_OK
                }
                Err(err) => failed(EXIT_VIOLATION, err),
            }
        }
    }
}

/// Where `report` writes besides the console.
pub(crate) struct ReportOutputs<'a> {
    pub html: Option<&'a Path>,
    pub csv: Option<&'a Path>,
    pub json: bool,
}

pub(super) fn run_report(path: &Path, outputs: ReportOutputs, ledger: &Path, exceptions: Option<&Path>) -> i32 {
    let exceptions = match exceptions.map(crate::report::exceptions::load).transpose() {
        Ok(exceptions) => exceptions.unwrap_or_default(),
        Err(err) => {
            eprintln!("{err}");
            return EXIT_UNREADABLE;
        }
    };
    let sources = crate::report::Sources { ledger, exceptions: &exceptions, now: crate::stick::now() };
    let fleet = match crate::report::load(path, &sources) {
        Ok(fleet) => fleet,
        Err(err) => {
            return failed(
                EXIT_UNREADABLE,
                msg!("cli.report.unreadable", path = path.display(), reason = os_error(&err)),
            );
        }
    };
    // Nothing to show is no result: an empty stick or a wrong folder must not look like a compliant fleet.
    if fleet.terminals.is_empty() && fleet.unreadable.is_empty() {
        return failed(EXIT_VIOLATION, msg!("cli.report.none", path = path.display()));
    }
    if outputs.json {
        println!("{}", serde_json::to_string_pretty(&fleet).expect("the fleet serialises"));
    } else {
        print!("{}", crate::escape::console(&crate::report::render_text(&fleet)));
    }
    if let Some(html_path) = outputs.html {
        let generated = crate::timestamp::jst(crate::stick::now());
        let written = crate::report::render_html(&fleet, &generated)
            .map_err(|err| err.to_string())
            .and_then(|page| write_atomically(html_path, page.as_bytes(), None).map_err(|err| os_error(&err)));
        if let Err(err) = written {
            return failed(EXIT_VIOLATION, msg!("cli.cannot-write", path = html_path.display(), reason = err));
        }
    }
    if let Some(csv_path) = outputs.csv
        && let Err(err) = write_atomically(csv_path, &crate::report::render_csv(&fleet), None)
    {
        return failed(EXIT_VIOLATION, msg!("cli.cannot-write", path = csv_path.display(), reason = os_error(&err)));
    }
    if fleet.all_compliant() { EXIT_OK } else { EXIT_VIOLATION }
}
