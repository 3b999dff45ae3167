//! The command line: argument parsing and the exit-code contract.
//!
//! Exit codes: 0 the job succeeded (warnings allowed); 1 the input is readable but violates the spec or cannot be
//! built; 2 the input cannot be read at all, or the command line is wrong.

mod help;
mod media;
mod profile;

use crate::build::BuildOptions;
use crate::msg;
use crate::render::RenderOptions;
use crate::stick::WriteRequest;
use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};
use media::{ReportOutputs, run_devices, run_ledger, run_report, run_verify, run_write};
use profile::{parse_size, run_build, run_check, run_init, run_render, run_slip, run_templates_list};
use std::path::PathBuf;

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
    /// The language of messages and help: ja or en (default: from LC_ALL, LC_MESSAGES, LANG or the system).
    /// Declared so that clap validates and documents it; its value is taken before parsing, by
    /// `requested_language`, because the help clap prints must already be in that language.
    #[arg(long, global = true, value_name = "LANG", value_parser = ["ja", "en"])]
    lang: Option<String>,
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
        #[command(flatten)]
        passwords: Passwords,
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
        /// The image's size: 8GB is decimal, as sticks are sold (8 × 10⁹ bytes); 8GiB or 8G is binary (default: the contents plus room, rounded)
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
        #[command(flatten)]
        passwords: Passwords,
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
        #[arg(value_name = "PATH")]
        reports: PathBuf,
        /// Also write a self-contained, printable HTML page (Japanese) for an auditor
        #[arg(long, value_name = "FILE")]
        html: Option<PathBuf>,
        /// Print the result as JSON on standard output
        #[arg(long)]
        json: bool,
        /// Also write the result as CSV for Excel (UTF-8 with a byte-order mark)
        #[arg(long, value_name = "FILE")]
        csv: Option<PathBuf>,
        /// The media ledger: the terminals' enrolled keys, and each terminal's stick
        #[command(flatten)]
        ledger: LedgerFile,
        /// Exceptions the desk approved (TOML: terminal, item, reason, approver, date)
        #[arg(long, value_name = "FILE")]
        exceptions: Option<PathBuf>,
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
        #[command(flatten)]
        passwords: Passwords,
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
        /// The folder of organisation template sets (default templates)
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
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
    /// Start a new media ledger at --ledger, which must not exist yet. Without it a ledger that is not there is
    /// refused, so that a misspelt name never starts a second ledger
    #[arg(long)]
    new_ledger: bool,
}

/// Whether passwords may be generated anew for a profile whose secrets file lacks them.
#[derive(Args)]
struct Passwords {
    /// Generate new passwords even though the media ledger shows this terminal's media were made before (then print
    /// a new slip: the one filed no longer matches)
    #[arg(long)]
    new_passwords: bool,
    #[command(flatten)]
    ledger: LedgerFile,
}

impl Signatures {
    /// Two people, both named (desk review F6): the ledger records who did it and who approved it, and one person
    /// cannot approve their own work.
    fn check(&self, ledger: &std::path::Path) -> Result<(), String> {
        crate::ledger::expect(ledger, self.new_ledger).map_err(|err| err.to_string())?;
        let (operator, approver) = (self.operator.trim(), self.approver.trim());
        if operator.is_empty() || approver.is_empty() {
            return Err(msg!("cli.signatures.empty").to_string());
        }
        if operator == approver {
            return Err(msg!("cli.signatures.same", name = operator).to_string());
        }
        Ok(())
    }
}

#[derive(Args)]
struct LedgerFile {
    /// The media ledger (CSV)
    #[arg(long = "ledger", value_name = "FILE", default_value = "media-ledger.csv")]
    path: PathBuf,
}

impl LedgerCommand {
    /// Who signs the row the command adds, and to which ledger, if it adds one.
    fn signatures(&self) -> Option<(&Signatures, &std::path::Path)> {
        match self {
            LedgerCommand::Enrol { signed, ledger, .. } | LedgerCommand::Retire { signed, ledger, .. } => {
                Some((signed, &ledger.path))
            }
            _ => None,
        }
    }
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
    /// Enrol a terminal's report key from the first report it wrote, so that its reports can be verified
    ///
    /// The report must be signed by the key it carries. The row records the terminal's host name, maker and
    /// model, SMBIOS serial and UUID, and the key; a key is enrolled once.
    Enrol {
        /// The terminal's report (its .json; the .json.sig beside it)
        report: PathBuf,
        /// The terminal was set up again: its new key replaces the one enrolled for the same machine, whose reports
        /// are then no longer believed
        #[arg(long)]
        replace: bool,
        #[command(flatten)]
        signed: Signatures,
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

/// Prints `error: …` in the user's language, and passes `code` on as the exit code.
fn failed(code: i32, reason: impl std::fmt::Display) -> i32 {
    eprintln!("{}: {reason}", msg!("diagnostic.error"));
    code
}

/// `--lang`'s value, read before clap parses the command line, since clap's help is already in that language.
fn requested_language(args: &[String]) -> Option<&str> {
    args.iter().enumerate().find_map(|(i, arg)| match arg.strip_prefix("--lang") {
        Some("") => args.get(i + 1).map(String::as_str),
        Some(rest) => rest.strip_prefix('='),
        None => None,
    })
}

/// Runs the command line and returns the process's exit code.
pub fn run() -> i32 {
    let args: Vec<String> = std::env::args_os().map(|a| a.to_string_lossy().into_owned()).collect();
    crate::i18n::set_language(crate::i18n::detect(requested_language(&args)));
    let command = help::localize(Cli::command(), &mut help::catalog_text);
    let cli = match command.try_get_matches_from(std::env::args_os()).and_then(|m| Cli::from_arg_matches(&m)) {
        Ok(cli) => cli,
        Err(err) => return help::report(err),
    };
    match cli.command {
        Command::Check { profile, json, templates, windows_media } => {
            run_check(&profile, json, templates, windows_media)
        }
        Command::Render { profile, output, force, templates, passwords } => {
            let options = RenderOptions {
                templates,
                windows_media: None,
                ledger: passwords.ledger.path,
                new_passwords: passwords.new_passwords,
            };
            run_render(&profile, &output, force, &options)
        }
        Command::Build { profile, output, size, windows_media, wim_split_size, json, templates, passwords } => {
            let options = BuildOptions {
                render: RenderOptions {
                    templates,
                    windows_media,
                    ledger: passwords.ledger.path,
                    new_passwords: passwords.new_passwords,
                },
                size,
                wim_split_size,
                progress: !json,
            };
            run_build(&profile, &output, &options, json)
        }
        Command::Verify { path, sha256, json } => run_verify(&path, sha256.as_deref(), json),
        Command::Devices { json } => run_devices(json),
        Command::Write { image, device, signed, ledger, yes, allow_fixed_disk, max_size } => {
            if let Err(reason) = signed.check(&ledger.path) {
                return failed(EXIT_VIOLATION, reason);
            }
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
        Command::Ledger(command) => {
            if let Some(Err(reason)) = command.signatures().map(|(signed, ledger)| signed.check(ledger)) {
                return failed(EXIT_VIOLATION, reason);
            }
            run_ledger(command)
        }
        Command::Report { reports, html, json, csv, ledger, exceptions } => run_report(
            &reports,
            ReportOutputs { html: html.as_deref(), csv: csv.as_deref(), json },
            &ledger.path,
            exceptions.as_deref(),
        ),
        Command::Templates(TemplatesCommand::List { dir, json }) => run_templates_list(dir, json),
        Command::Init { path, kind, force } => run_init(&path, kind, force),
        Command::Slip { profile, passwords } => run_slip(&profile, &passwords.ledger.path, passwords.new_passwords),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::{Lang, catalog};

    /// Every command and option asks the catalogs for its help: a new option without a key, or a key left behind by
    /// a removed one, fails here.
    #[test]
    fn every_command_and_option_has_help_in_the_catalogs() {
        let mut asked = std::collections::BTreeSet::new();
        help::localize(Cli::command(), &mut |key: &str| {
            asked.insert(key.to_string());
            key.to_string()
        })
        .debug_assert();
        let missing: Vec<_> = asked.iter().filter(|key| !catalog(Lang::En).contains_key(*key)).collect();
        assert!(missing.is_empty(), "help keys missing from locales/en.toml: {missing:?}");
        let stale: Vec<_> =
            catalog(Lang::En).keys().filter(|k| k.split('.').next() == Some("help") && !asked.contains(*k)).collect();
        assert!(stale.is_empty(), "help keys for no command or option: {stale:?}");
    }

    #[test]
    fn the_language_is_read_before_clap_parses() {
        let args = |line: &str| line.split(' ').map(String::from).collect::<Vec<_>>();
        assert_eq!(requested_language(&args("tanmatsu check p.toml --lang ja")), Some("ja"));
        assert_eq!(requested_language(&args("tanmatsu --lang=en check p.toml")), Some("en"));
        assert_eq!(requested_language(&args("tanmatsu check p.toml")), None);
    }
}
