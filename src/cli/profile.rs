//! The commands that turn a profile into something: check, render, build, slip, init, and the template list.

use super::{EXIT_OK, EXIT_UNREADABLE, EXIT_VIOLATION, Kind, failed};
use crate::build::{BuildOptions, build_image};
use crate::check::{self, Context};
use crate::fsutil::write_atomically;
use crate::i18n::os_error;
use crate::init::starting_profile;
use crate::profile::{LoadedProfile, OrganizationKind};
use crate::render::{RenderOptions, render_to_folder};
use crate::templates::Library;
use crate::{msg, t};
use std::path::{Path, PathBuf};

/// Loads a profile, or prints why it cannot be read.
fn load(path: &Path) -> Result<LoadedProfile, i32> {
    LoadedProfile::load(path).map_err(|err| {
        eprintln!("{err}");
        EXIT_UNREADABLE
    })
}

pub(super) fn run_check(path: &Path, json: bool, templates: Option<PathBuf>, windows_media: Option<PathBuf>) -> i32 {
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

pub(super) fn run_render(path: &Path, output: &Path, force: bool, options: &RenderOptions) -> i32 {
    let loaded = match load(path) {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    match render_to_folder(&loaded, output, force, options) {
        Ok(rendered) => {
            print_warnings(&rendered.warnings);
            let manifest = &rendered.manifest;
            let bytes: u64 = manifest.files.iter().map(|f| f.size).sum();
            let (files, templates) =
                (manifest.files.len(), format!("{}@{}", manifest.templates.name, manifest.templates.version));
            eprintln!(
                "{}",
                msg!("cli.rendered", folder = output.display(), files = files, bytes = bytes, templates = templates)
            );
            EXIT_OK
        }
        Err(err) => render_failed(&err),
    }
}

/// The check's warnings, which the media were made despite: a placeholder payload, a terminal that will accept no
/// stick, an image nobody checked (desk review F7).
fn print_warnings(warnings: &[crate::diagnostic::Diagnostic]) {
    for warning in warnings {
        eprintln!("{warning}\n");
    }
}

/// Prints why rendering or building failed, with every finding behind it.
fn render_failed(err: &crate::render::RenderError) -> i32 {
    let code = failed(EXIT_VIOLATION, err);
    for finding in err.findings() {
        eprintln!("{finding}\n");
    }
    code
}

pub(super) fn run_build(path: &Path, output: &Path, options: &BuildOptions, json: bool) -> i32 {
    let loaded = match load(path) {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    // An image replaces only an image tanmatsu built: `-o` naming the secrets file, the profile or any other file
    // would otherwise replace the only copy of it (reliability review D3).
    if output.exists() && crate::verify::read_manifest(output).is_err() {
        return failed(EXIT_VIOLATION, msg!("cli.build.not-an-image", path = output.display()));
    }
    crate::build::handle_interrupts();
    match build_image(&loaded, output, options) {
        Ok(built) if json => {
            println!("{}", serde_json::to_string_pretty(&built).expect("the summary serialises"));
            EXIT_OK
        }
        Ok(built) => {
            print_warnings(&built.warnings);
            let image = built.image.display();
            eprintln!(
                "{}",
                msg!("cli.built", image = image, bytes = built.size, files = built.files, sha256 = &built.sha256)
            );
            EXIT_OK
        }
        Err(err) => render_failed(&err),
    }
}

/// `8G`, `512M`, `1.5G` (binary units, with or without `iB`), or plain bytes.
/// A size as people write it: `8GB` is decimal, as sticks are sold (8 × 10⁹ bytes, desk review F9); `8GiB` and the
/// short `8G` are binary (8 × 2³⁰); a bare number is bytes. K, M, G and T.
pub(super) fn parse_size(text: &str) -> Result<u64, String> {
    let upper = text.trim().to_ascii_uppercase();
    let (number, decimal) = match (upper.strip_suffix("IB"), upper.strip_suffix('B')) {
        (Some(number), _) => (number, false),
        (None, Some(number)) => (number, true),
        (None, None) => (upper.as_str(), false),
    };
    let (digits, unit) = match number.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => (&number[..i], c),
        _ => (number, ' '),
    };
    let power = match unit {
        ' ' => 0,
        'K' => 1,
        'M' => 2,
        'G' => 3,
        'T' => 4,
        _ => return Err(t!("cli.size.unknown-unit", text = text)),
    };
    let value: f64 = digits.parse().map_err(|_| t!("cli.size.not-a-size", text = text))?;
    if value <= 0.0 {
        return Err(t!("cli.size.not-positive", text = text));
    }
    let base: f64 = if decimal { 1000.0 } else { 1024.0 };
    Ok((value * base.powi(power)) as u64)
}

/// Lists the sets: the built-in one and those in `dir` (default `templates`, which need not exist). A folder named on
/// the command line must be there (desk review F11: a wrong path listed only the built-in set, silently).
pub(super) fn run_templates_list(dir: Option<PathBuf>, json: bool) -> i32 {
    if let Some(named) = dir.as_ref().filter(|d| !d.is_dir()) {
        return failed(EXIT_UNREADABLE, msg!("cli.templates.no-folder", path = named.display()));
    }
    match Library::new(vec![dir.unwrap_or_else(|| PathBuf::from("templates"))]).list() {
        Ok(sets) if json => {
            println!("{}", serde_json::to_string_pretty(&sets).expect("the list serialises"));
            EXIT_OK
        }
        Ok(sets) => {
            for set in sets {
                let extends = set.extends.map(|e| t!("templates.extends", set = e)).unwrap_or_default();
                let description = set.description.unwrap_or_default();
                let location = set.location.unwrap_or_else(|| t!("templates.built-in"));
                println!("{}@{}{extends}  {location}  {description}", set.name, set.version);
            }
            EXIT_OK
        }
        Err(err) => failed(EXIT_UNREADABLE, err),
    }
}

pub(super) fn run_slip(path: &Path, ledger: &Path, new_passwords: bool) -> i32 {
    let loaded = match load(path) {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    let policy = crate::secrets::NewPasswords {
        made_before: crate::ledger::made_before(
            ledger,
            crate::render::media_id_of(&loaded, None).as_deref(),
            &loaded.profile.terminal.hostname,
        ),
        requested: new_passwords,
    };
    match crate::slip::password_slip(&loaded, policy) {
        Ok(slip) => {
            print!("{slip}");
            EXIT_OK
        }
        Err(err) => failed(EXIT_VIOLATION, err),
    }
}

pub(super) fn run_init(path: &Path, kind: Kind, force: bool) -> i32 {
    if path.exists() && !force {
        return failed(EXIT_VIOLATION, msg!("cli.init.exists", path = path.display()));
    }
    let kind = match kind {
        Kind::Insurer => OrganizationKind::Insurer,
        Kind::WelfareOffice => OrganizationKind::WelfareOffice,
    };
    match write_atomically(path, starting_profile(kind, crate::i18n::language()).as_bytes(), None) {
        Ok(()) => {
            eprintln!("{}", msg!("cli.init.wrote", path = path.display()));
            EXIT_OK
        }
        Err(err) => failed(EXIT_VIOLATION, msg!("cli.cannot-write", path = path.display(), reason = os_error(&err))),
    }
}

#[cfg(test)]
mod tests {
    use super::parse_size;

    #[test]
    fn sizes_are_decimal_with_b_and_binary_with_ib_or_the_letter_alone() {
        assert_eq!(parse_size("8GB"), Ok(8_000_000_000));
        assert_eq!(parse_size("8gb"), Ok(8_000_000_000));
        assert_eq!(parse_size("8GiB"), Ok(8 << 30));
        assert_eq!(parse_size("8G"), Ok(8 << 30));
        assert_eq!(parse_size("4000M"), Ok(4000 << 20));
        assert_eq!(parse_size("1.5TB"), Ok(1_500_000_000_000));
        assert_eq!(parse_size("512"), Ok(512));
        assert_eq!(parse_size("512B"), Ok(512));
        assert!(parse_size("8XB").is_err() && parse_size("0G").is_err() && parse_size("G").is_err());
    }
}
