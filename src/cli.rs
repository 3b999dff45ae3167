//! The command line: argument parsing and the exit-code contract.
//!
//! Exit codes: 0 the job succeeded (warnings allowed); 1 the input is readable but violates the spec or cannot be
//! built; 2 the input cannot be read at all, or the command line is wrong.

use crate::check::{self, Context};
use crate::fsutil::write_atomically;
use crate::init::starting_profile;
use crate::profile::{LoadedProfile, OrganizationKind};
use clap::{Parser, Subcommand, ValueEnum};
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
        Command::Check { profile, json } => run_check(&profile, json),
        Command::Init { path, kind, force } => run_init(&path, kind, force),
    }
}

fn run_check(path: &Path, json: bool) -> i32 {
    let loaded = match LoadedProfile::load(path) {
        Ok(loaded) => loaded,
        Err(err) => {
            eprintln!("{err}");
            return EXIT_UNREADABLE;
        }
    };
    let report = check::check(&loaded, Context::now());
    if json {
        println!("{:#}", report.to_json());
    } else {
        print!("{}", report.render());
    }
    if report.is_compliant() { EXIT_OK } else { EXIT_VIOLATION }
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
