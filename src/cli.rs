//! The command line: argument parsing and the exit-code contract.
//!
//! Exit codes: 0 the job succeeded (warnings allowed); 1 the input is readable but violates the spec or cannot be
//! built; 2 the input cannot be read at all, or the command line is wrong.

use crate::check::{self, Context};
use crate::fsutil::write_atomically;
use crate::init::starting_profile;
use crate::profile::{LoadedProfile, OrganizationKind};
use crate::render::{RenderOptions, render_to_folder};
use crate::templates::Library;
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
        /// A folder of organisation template sets (besides `templates/` next to the profile)
        #[arg(long, value_name = "DIR")]
        templates: Option<PathBuf>,
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
    /// Template sets: list them with their versions
    #[command(subcommand)]
    Templates(TemplatesCommand),
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
        Command::Check { profile, json, templates } => run_check(&profile, json, templates),
        Command::Render { profile, output, force, templates } => run_render(&profile, &output, force, templates),
        Command::Templates(TemplatesCommand::List { dir, json }) => run_templates_list(dir, json),
        Command::Init { path, kind, force } => run_init(&path, kind, force),
    }
}

/// Loads a profile, or prints why it cannot be read.
fn load(path: &Path) -> Result<LoadedProfile, i32> {
    LoadedProfile::load(path).map_err(|err| {
        eprintln!("{err}");
        EXIT_UNREADABLE
    })
}

fn run_check(path: &Path, json: bool, templates: Option<PathBuf>) -> i32 {
    let loaded = match load(path) {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    let report = check::check(&loaded, &Context::now(templates));
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
    match render_to_folder(&loaded, output, force, &RenderOptions { templates }) {
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
        Err(err) => {
            eprintln!("error: {err}");
            for finding in err.findings() {
                eprintln!("{finding}\n");
            }
            EXIT_VIOLATION
        }
    }
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
