//! The command line: argument parsing and the exit-code contract.
//!
//! Exit codes: 0 the job succeeded (warnings allowed); 1 the input is readable but violates the spec or cannot be
//! built; 2 the input cannot be read at all, or the command line is wrong.

use crate::build::{BuildOptions, build_image};
use crate::check::{self, Context};
use crate::device::{DEFAULT_MAX_SIZE, Rules, refusals};
use crate::fsutil::write_atomically;
use crate::init::starting_profile;
use crate::profile::{LoadedProfile, OrganizationKind};
use crate::render::{RenderOptions, render_to_folder};
use crate::stick::{StickError, WriteRequest};
use crate::templates::Library;
use crate::write::Phase;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::{Path, PathBuf};

pub const EXIT_OK: i32 = 0;
pub const EXIT_VIOLATION: i32 = 1;
pub const EXIT_UNREADABLE: i32 = 2;

#[derive(Parser)]
#[command(
    name = "tanmatsu",
    version,
    about = "Provisioning media for the My Number intermediate-server terminal (統合専用端末)",
    long_about = "tanmatsu turns one terminal profile (TOML) into provisioning media for the integrated dedicated \
                  terminal (統合専用端末), and checks profiles against the terminal spec (端末仕様 第4.1版)."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check a profile against the terminal spec and print a compliance table
    ///
    /// Exit status: 0 when the profile meets the spec (warnings allowed), 1 when it violates it, 2 when it
    /// cannot be read.
    Check {
        /// The terminal profile (TOML)
        profile: PathBuf,
        /// Print the result as JSON on standard output
        #[arg(long)]
        json: bool,
        /// A folder of organisation template sets (besides `templates/` next to the profile)
        #[arg(long, value_name = "DIR")]
        templates: Option<PathBuf>,
        /// Windows installation media (an ISO or an extracted folder): the profile's image must be among its images
        #[arg(long, value_name = "ISO|DIR")]
        windows_media: Option<PathBuf>,
    },
    /// Render the root of a provisioning USB stick into a folder
    ///
    /// Writes `autounattend.xml` and the `tanmatsu/` folder (payloads, certificates, updates, manifest). The
    /// profile must meet the spec, and the answer file must pass validation against the catalog of Windows Setup
    /// settings. The folder is written completely or not at all.
    Render {
        /// The terminal profile (TOML)
        profile: PathBuf,
        /// The folder to write (the root of the stick)
        #[arg(short, long, value_name = "DIR")]
        output: PathBuf,
        /// Replace the folder if it exists and is not empty
        #[arg(long)]
        force: bool,
        /// A folder of organisation template sets (besides `templates/` next to the profile)
        #[arg(long, value_name = "DIR")]
        templates: Option<PathBuf>,
    },
    /// Build a bootable-media disk image (GPT + FAT32) that holds what `render` lays out
    ///
    /// The image is identical for identical inputs (set SOURCE_DATE_EPOCH to choose its timestamps). It is written
    /// as IMAGE.partial and renamed when complete; an error or Ctrl-C leaves any earlier IMAGE untouched.
    Build {
        /// The terminal profile (TOML)
        profile: PathBuf,
        /// The image file to write
        #[arg(short, long, value_name = "IMAGE")]
        output: PathBuf,
        /// The image's size, such as 8G or 512M (default: the contents plus room, rounded)
        #[arg(long, value_parser = parse_size)]
        size: Option<u64>,
        /// Windows installation media (an ISO or an extracted folder) to put on the stick beside tanmatsu's files,
        /// so that one stick boots into unattended setup
        #[arg(long, value_name = "ISO|DIR")]
        windows_media: Option<PathBuf>,
        /// The most an install.wim part may hold when install.wim must be split for FAT32
        #[arg(long, value_parser = parse_size, default_value = "4000M")]
        wim_split_size: u64,
        /// Print a JSON summary (image, size, SHA-256) on standard output
        #[arg(long)]
        json: bool,
        /// A folder of organisation template sets (besides `templates/` next to the profile)
        #[arg(long, value_name = "DIR")]
        templates: Option<PathBuf>,
    },
    /// Check that a stick, a folder or an image holds exactly what its manifest lists
    ///
    /// Re-hashes every file and names every missing, changed or unlisted one. PATH is an image file, a block
    /// device, or a folder such as a mounted stick (E:\). Exit status 1 on any finding.
    Verify {
        /// The image, device or folder
        path: PathBuf,
        /// Also check the SHA-256 of the whole image or device
        #[arg(long, value_name = "HEX")]
        sha256: Option<String>,
        /// Print the result as JSON on standard output
        #[arg(long)]
        json: bool,
    },
    /// List the disks a stick could be written to, and why any disk is not a candidate
    Devices {
        /// Print the list as JSON
        #[arg(long)]
        json: bool,
    },
    /// Write an image to a USB stick, read it back from the stick, and record it in the media ledger
    ///
    /// Refuses a disk that is not removable, holds the running system, has a mounted partition, is smaller than
    /// the image or larger than the size ceiling. Asks for the device's name to be typed unless --yes is given.
    Write {
        /// The image made by `tanmatsu build`
        image: PathBuf,
        /// The stick, such as /dev/sdb
        #[arg(long, value_name = "DEVICE")]
        device: PathBuf,
        #[command(flatten)]
        signed: Signatures,
        #[command(flatten)]
        ledger: LedgerFile,
        /// Do not ask for confirmation (for scripts)
        #[arg(long)]
        yes: bool,
        /// Allow a disk that reports itself as fixed (some card readers; loop devices); never the system disk
        #[arg(long)]
        allow_fixed_disk: bool,
        /// Refuse disks larger than this
        #[arg(long, value_parser = parse_size, default_value = "256G")]
        max_size: u64,
    },
    /// The media ledger (媒体管理簿): list it, check it, record a stick's deletion or disposal
    #[command(subcommand)]
    Ledger(LedgerCommand),
    /// Read the terminals' self-check reports and show compliance, per terminal and for the fleet
    ///
    /// PATH is a stick (its tanmatsu/reports), a folder of reports or one report. Exit status 1 when any terminal
    /// fails an item or any report cannot be read.
    Report {
        path: PathBuf,
        /// Also write a self-contained, printable HTML page (Japanese) for an auditor
        #[arg(long, value_name = "FILE")]
        html: Option<PathBuf>,
        /// Print the result as JSON on standard output
        #[arg(long)]
        json: bool,
        /// The media ledger, to show each terminal's stick
        #[arg(long, value_name = "FILE")]
        ledger: Option<PathBuf>,
    },
    /// Template sets: list them with their versions
    #[command(subcommand)]
    Templates(TemplatesCommand),
    /// Print the password slip: the passwords tanmatsu generated for the terminal's accounts
    ///
    /// Generates any that are not generated yet, so that the slip and the media agree. Print it, file it under
    /// lock; the passwords are on no media and in no log.
    Slip {
        /// The terminal profile (TOML)
        profile: PathBuf,
    },
    /// Write a commented profile to start from
    Init {
        /// Where to write it
        #[arg(default_value = "terminal.toml")]
        path: PathBuf,
        /// The kind of organisation the terminal belongs to
        #[arg(long, value_enum, default_value_t = Kind::Insurer)]
        kind: Kind,
        /// Replace the file if it exists
        #[arg(long)]
        force: bool,
    },
}

#[derive(Subcommand)]
enum TemplatesCommand {
    /// List the built-in set and the organisation sets in a folder
    List {
        /// The folder of organisation template sets
        #[arg(long, value_name = "DIR", default_value = "templates")]
        dir: PathBuf,
        /// Print the list as JSON
        #[arg(long)]
        json: bool,
    },
}

/// Who did it and who approved it: every ledger entry names both (MED-3).
#[derive(Args)]
struct Signatures {
    /// Who does it (recorded in the media ledger)
    #[arg(long)]
    operator: String,
    /// Who approved it (recorded in the media ledger)
    #[arg(long)]
    approver: String,
}

#[derive(Args)]
struct LedgerFile {
    /// The media ledger (CSV)
    #[arg(long = "ledger", value_name = "FILE", default_value = "media-ledger.csv")]
    path: PathBuf,
}

#[derive(Subcommand)]
enum LedgerCommand {
    /// List every entry
    List {
        #[command(flatten)]
        ledger: LedgerFile,
    },
    /// Check that no entry was edited or deleted, and print the head hash to note on paper
    Verify {
        #[command(flatten)]
        ledger: LedgerFile,
    },
    /// Record that a stick's data was deleted for good or that it was physically destroyed (MED-5)
    Retire {
        /// The stick's serial number, as the ledger has it
        serial: String,
        #[arg(long, value_enum)]
        how: Retirement,
        #[command(flatten)]
        signed: Signatures,
        #[command(flatten)]
        ledger: LedgerFile,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum Retirement {
    /// Data deleted so that it cannot be recovered; the stick goes back to the administrator
    Wiped,
    /// Physically destroyed
    Destroyed,
}

#[derive(Clone, Copy, ValueEnum)]
enum Kind {
    /// 医療保険者等: a health-insurance organisation
    Insurer,
    /// 福祉事務所: a welfare office
    WelfareOffice,
}

/// Runs the command line and returns the process's exit code.
pub fn run() -> i32 {
    match Cli::parse().command {
        Command::Check { profile, json, templates, windows_media } => {
            run_check(&profile, json, templates, windows_media)
        }
        Command::Render { profile, output, force, templates } => run_render(&profile, &output, force, templates),
        Command::Build { profile, output, size, windows_media, wim_split_size, json, templates } => {
            let options = BuildOptions {
                render: RenderOptions { templates, windows_media },
                size,
                wim_split_size,
                progress: !json,
            };
            run_build(&profile, &output, &options, json)
        }
        Command::Verify { path, sha256, json } => run_verify(&path, sha256.as_deref(), json),
        Command::Devices { json } => run_devices(json),
        Command::Write { image, device, signed, ledger, yes, allow_fixed_disk, max_size } => {
            let request = WriteRequest {
                image: &image,
                device: &device,
                allow_fixed: allow_fixed_disk,
                max_size,
                ledger: &ledger.path,
                operator: &signed.operator,
                approver: &signed.approver,
            };
            run_write(&request, yes)
        }
        Command::Ledger(command) => run_ledger(command),
        Command::Report { path, html, json, ledger } => run_report(&path, html.as_deref(), json, ledger.as_deref()),
        Command::Templates(TemplatesCommand::List { dir, json }) => run_templates_list(dir, json),
        Command::Init { path, kind, force } => run_init(&path, kind, force),
        Command::Slip { profile } => run_slip(&profile),
    }
}

/// Loads a profile, or prints why it cannot be read.
fn load(path: &Path) -> Result<LoadedProfile, i32> {
    LoadedProfile::load(path).map_err(|err| {
        eprintln!("{err}");
        EXIT_UNREADABLE
    })
}

fn run_check(path: &Path, json: bool, templates: Option<PathBuf>, windows_media: Option<PathBuf>) -> i32 {
    let loaded = match load(path) {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    let context = Context { windows_media, ..Context::now(templates) };
    let report = check::check(&loaded, &context);
    if json {
        println!("{:#}", report.to_json());
    } else {
        print!("{}", report.render());
    }
    if report.is_compliant() { EXIT_OK } else { EXIT_VIOLATION }
}

fn run_render(path: &Path, output: &Path, force: bool, templates: Option<PathBuf>) -> i32 {
    let loaded = match load(path) {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    match render_to_folder(&loaded, output, force, &RenderOptions { templates, windows_media: None }) {
        Ok(rendered) => {
            let size: u64 = rendered.manifest.files.iter().map(|f| f.size).sum();
            eprintln!(
                "rendered {} ({} files, {} bytes; templates {}@{})",
                output.display(),
                rendered.manifest.files.len(),
                size,
                rendered.manifest.templates.name,
                rendered.manifest.templates.version
            );
            EXIT_OK
        }
        Err(err) => render_failed(&err),
    }
}

/// Prints why rendering or building failed, with every finding behind it.
fn render_failed(err: &crate::render::RenderError) -> i32 {
    eprintln!("error: {err}");
    for finding in err.findings() {
        eprintln!("{finding}\n");
    }
    EXIT_VIOLATION
}

fn run_build(path: &Path, output: &Path, options: &BuildOptions, json: bool) -> i32 {
    let loaded = match load(path) {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    crate::build::handle_interrupts();
    match build_image(&loaded, output, options) {
        Ok(built) if json => {
            println!("{}", serde_json::to_string_pretty(&built).expect("the summary serialises"));
            EXIT_OK
        }
        Ok(built) => {
            eprintln!(
                "built {} ({} bytes, {} files)\nsha256 {}",
                built.image.display(),
                built.size,
                built.files,
                built.sha256
            );
            EXIT_OK
        }
        Err(err) => render_failed(&err),
    }
}

fn run_verify(path: &Path, sha256: Option<&str>, json: bool) -> i32 {
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

/// `8G`, `512M`, `1.5G` (binary units, with or without `iB`), or plain bytes.
fn parse_size(text: &str) -> Result<u64, String> {
    let upper = text.trim().to_ascii_uppercase();
    let number = upper.trim_end_matches("IB").trim_end_matches('B');
    let (digits, unit) = match number.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => (&number[..i], c),
        _ => (number, ' '),
    };
    let shift = match unit {
        ' ' => 0,
        'K' => 10,
        'M' => 20,
        'G' => 30,
        'T' => 40,
        _ => return Err(format!("`{text}` has an unknown unit; use K, M, G or T")),
    };
    let value: f64 = digits.parse().map_err(|_| format!("`{text}` is not a size such as 8G or 512M"))?;
    if value <= 0.0 {
        return Err(format!("`{text}` is not a positive size"));
    }
    Ok((value * (1u64 << shift) as f64) as u64)
}

fn run_devices(json: bool) -> i32 {
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
        let verdict = if reasons.is_empty() { "candidate".to_string() } else { "not a candidate".to_string() };
        println!(
            "{}  {}  serial {}  {} bytes  {verdict}",
            disk.path,
            disk.model,
            disk.serial.as_deref().unwrap_or("-"),
            disk.size
        );
        for reason in reasons {
            println!("    - {reason}");
        }
        if let (Some(usb), Some(storage)) = (&disk.usb_instance_id, &disk.disk_instance_id) {
            println!("    usb_instance_id = '{usb}'\n    disk_instance_id = '{storage}'");
        }
    }
    EXIT_OK
}

fn run_write(request: &WriteRequest, yes: bool) -> i32 {
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
    eprintln!(
        "target: {}  {}  serial {}  {} bytes",
        disk.path,
        disk.model,
        disk.serial.as_deref().unwrap_or("-"),
        disk.size
    );
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
            if let (Some(usb), Some(storage)) = (&outcome.disk.usb_instance_id, &outcome.disk.disk_instance_id) {
                println!(
                    "to approve this stick (MED-2), add to the profile:\n[[media.approved]]\nlabel = \"…\"\nusb_instance_id = '{usb}'\ndisk_instance_id = '{storage}'"
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
    let name =
        std::path::Path::new(&disk.path).file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    eprint!("everything on {} will be erased. Type `{name}` to continue: ", disk.path);
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer).is_ok() && answer.trim() == name
}

#[cfg(target_os = "linux")]
fn open_target(disk: &crate::device::Disk) -> std::io::Result<Box<dyn crate::write::Target>> {
    Ok(Box::new(crate::write::block_device::BlockDevice::open(std::path::Path::new(&disk.path))?))
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

fn run_ledger(command: LedgerCommand) -> i32 {
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

fn run_report(path: &Path, html: Option<&Path>, json: bool, ledger: Option<&Path>) -> i32 {
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

fn run_templates_list(dir: PathBuf, json: bool) -> i32 {
    match Library::new(vec![dir]).list() {
        Ok(sets) if json => {
            println!("{}", serde_json::to_string_pretty(&sets).expect("the list serialises"));
            EXIT_OK
        }
        Ok(sets) => {
            for set in sets {
                let extends = set.extends.map(|e| format!(" (extends {e})")).unwrap_or_default();
                let description = set.description.unwrap_or_default();
                println!("{}@{}{extends}  {}  {description}", set.name, set.version, set.location);
            }
            EXIT_OK
        }
        Err(err) => {
            eprintln!("error: {err}");
            EXIT_UNREADABLE
        }
    }
}

fn run_slip(path: &Path) -> i32 {
    let loaded = match load(path) {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    match crate::slip::password_slip(&loaded) {
        Ok(slip) => {
            print!("{slip}");
            EXIT_OK
        }
        Err(err) => {
            eprintln!("error: {err}");
            EXIT_VIOLATION
        }
    }
}

fn run_init(path: &Path, kind: Kind, force: bool) -> i32 {
    if path.exists() && !force {
        eprintln!("error: `{}` already exists; pass --force to replace it", path.display());
        return EXIT_VIOLATION;
    }
    let kind = match kind {
        Kind::Insurer => OrganizationKind::Insurer,
        Kind::WelfareOffice => OrganizationKind::WelfareOffice,
    };
    match write_atomically(path, starting_profile(kind).as_bytes(), None) {
        Ok(()) => {
            eprintln!("wrote {}; edit it, then run `tanmatsu check {}`", path.display(), path.display());
            EXIT_OK
        }
        Err(err) => {
            eprintln!("error: cannot write `{}`: {err}", path.display());
            EXIT_VIOLATION
        }
    }
}
