//! `tanmatsu render`: the root of a provisioning stick, as a folder.
//!
//! The profile is checked first (a profile that violates the spec makes no media), the answer file is rendered from
//! the template set and validated against the catalog, and everything is laid out in a temporary sibling folder
//! that replaces the target only when complete.

use crate::certificate::{Certificate, DeviceIdentity, open_pkcs12, read_certificate};
use crate::check::{self, Context};
use crate::diagnostic::Diagnostic;
use crate::escape;
use crate::layout::{self, MediaFile};
use crate::manifest::{self, FileRecord, Manifest};
use crate::profile::LoadedProfile;
use crate::provisioning::{ScriptError, ScriptInputs, render_scripts, script_names};
use crate::secrets::Secrets;
use crate::templates::{Engine, Library, TemplateSet, TemplateStamp};
use crate::unattend::{encode_password, validate};
use crate::{msg, t};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Default)]
pub struct RenderOptions {
    /// A folder of organisation template sets, searched after `templates/` beside the profile.
    pub templates: Option<PathBuf>,
    /// Windows installation media the profile's image must be on (checked with the rest of the profile).
    pub windows_media: Option<PathBuf>,
    /// The media ledger: when it shows that this profile's media were made before, passwords missing from the
    /// secrets file are not generated anew unless `new_passwords` (desk review F2).
    pub ledger: PathBuf,
    pub new_passwords: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("{}", msg!("render.not-compliant", path = .0.display()))]
    NotCompliant(PathBuf, Vec<Diagnostic>),
    #[error("{}", msg!("render.template-set"))]
    TemplateSet(Vec<Diagnostic>),
    #[error("{0}")]
    Template(#[from] crate::templates::TemplateError),
    #[error("{}", msg!("render.invalid-answer-file", count = .0.len()))]
    InvalidAnswerFile(Vec<Diagnostic>),
    #[error("{}", msg!("render.invalid-scripts", count = .0.len()))]
    InvalidScripts(Vec<Diagnostic>),
    #[error("{}", msg!("render.invalid-policy", count = .0.len()))]
    InvalidPolicy(Vec<Diagnostic>),
    #[error("{0}")]
    Secret(#[from] crate::secrets::SecretError),
    #[error("{}", msg!("render.io", path = .path.display(), reason = .reason))]
    Io { path: PathBuf, reason: String },
}

impl RenderError {
    /// The individual findings behind the error, to print under it.
    pub fn findings(&self) -> &[Diagnostic] {
        match self {
            RenderError::NotCompliant(_, findings)
            | RenderError::TemplateSet(findings)
            | RenderError::InvalidAnswerFile(findings)
            | RenderError::InvalidScripts(findings)
            | RenderError::InvalidPolicy(findings) => findings,
            _ => &[],
        }
    }
}

pub fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> RenderError + '_ {
    move |err| RenderError::Io { path: path.to_path_buf(), reason: err.to_string() }
}

/// What `render` made.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub answer_file: String,
    pub manifest: Manifest,
    /// What `check` warned of: the media were made, and the desk should know.
    pub warnings: Vec<Diagnostic>,
}

/// Renders the media for `loaded` into the folder `out`, which must not exist or be empty; with `force`, it may hold
/// media tanmatsu made, and nothing else (desk review F3, reliability review D3: a user's files are never deleted).
pub fn render_to_folder(
    loaded: &LoadedProfile,
    out: &Path,
    force: bool,
    options: &RenderOptions,
) -> Result<Rendered, RenderError> {
    if folder_has_entries(out) {
        if !force {
            return Err(RenderError::Io { path: out.to_path_buf(), reason: t!("render.folder-not-empty") });
        }
        let foreign = files_tanmatsu_did_not_write(out);
        if !foreign.is_empty() {
            let shown: Vec<&str> = foreign.iter().take(5).map(String::as_str).collect();
            let more = if foreign.len() > shown.len() {
                t!("render.and-more", count = foreign.len() - shown.len())
            } else {
                String::new()
            };
            return Err(RenderError::Io {
                path: out.to_path_buf(),
                reason: t!("render.not-tanmatsus", files = format!("{}{more}", shown.join(", "))),
            });
        }
    }
    let prepared = prepare(loaded, options)?;
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(parent).map_err(io_error(parent))?;
    let staging = tempfile::Builder::new().prefix(".tanmatsu-render-").tempdir_in(parent).map_err(io_error(parent))?;
    let manifest = write_tree(loaded, &prepared, staging.path())?;
    replace_folder(staging, out)?;
    Ok(Rendered { answer_file: prepared.answer_file, manifest, warnings: prepared.warnings })
}

/// Everything the media need, resolved and checked, before anything is written.
pub struct Prepared {
    pub answer_file: String,
    pub files: Vec<MediaFile>,
    pub stamp: TemplateStamp,
    pub media_id: String,
    pub profile_sha256: String,
    /// The check's warnings, and whether the image name went unchecked against Windows media.
    pub warnings: Vec<Diagnostic>,
    engine: Engine,
    device: DeviceIdentity,
    authorities: Vec<Certificate>,
}

pub fn prepare(loaded: &LoadedProfile, options: &RenderOptions) -> Result<Prepared, RenderError> {
    let context = Context { windows_media: options.windows_media.clone(), ..Context::now(options.templates.clone()) };
    let report = check::check(loaded, &context);
    if !report.is_compliant() {
        let errors: Vec<Diagnostic> =
            report.findings.into_iter().filter(|f| f.severity == crate::diagnostic::Severity::Error).collect();
        // A template set that cannot be used is no fault of the profile (desk review F11).
        if errors.iter().all(|e| e.field.as_deref() == Some("template")) {
            return Err(RenderError::TemplateSet(errors));
        }
        return Err(RenderError::NotCompliant(loaded.path.clone(), errors));
    }
    let mut warnings: Vec<Diagnostic> = report.findings;
    // Setup picks the image by its exact name and stops at its "select an image" page when the name is not on the
    // media: with no media given, nothing has checked it (answer-file review R1).
    if options.windows_media.is_none() {
        warnings.push(
            Diagnostic::warning(msg!("render.image-unchecked", image = &loaded.profile.terminal.image))
                .item("SW-1")
                .field("terminal.image")
                .help(msg!("render.image-unchecked.help")),
        );
    }
    let library = Library::for_profile(loaded.base_dir(), options.templates.as_deref());
    let set = library.resolve(&loaded.profile.template)?;
    let profile_sha256 = hex::encode(Sha256::digest(loaded.text.as_bytes()));
    let media_id = media_id(&profile_sha256, &set);
    let engine = Engine::new(&set)?;
    let policy = crate::secrets::NewPasswords {
        made_before: crate::ledger::made_before(&options.ledger, Some(&media_id), &loaded.profile.terminal.hostname),
        requested: options.new_passwords,
    };
    let (answer_file, generated) = render_answer_file(loaded, &engine, &set, &media_id, policy)?;
    if !generated.is_empty() {
        let path = crate::secrets::secrets_path(&loaded.path);
        warnings.push(
            Diagnostic::warning(msg!("render.new-passwords", accounts = generated.join(", "), path = path.display()))
                .item("SEC-5")
                .help(msg!("render.new-passwords.help", profile = loaded.path.display())),
        );
    }
    let findings = validate(Path::new(layout::ANSWER_FILE), &answer_file);
    if !findings.is_empty() {
        return Err(RenderError::InvalidAnswerFile(findings));
    }
    let (device, authorities) = read_certificates(loaded)?;
    Ok(Prepared {
        warnings,
        answer_file,
        files: layout::profile_files(loaded),
        stamp: set.stamp(),
        media_id,
        profile_sha256,
        engine,
        device,
        authorities,
    })
}

/// The device identity and the authorities, which `check` has already found sound.
fn read_certificates(loaded: &LoadedProfile) -> Result<(DeviceIdentity, Vec<Certificate>), RenderError> {
    let certificates = &loaded.profile.certificates;
    let password =
        Secrets::open(loaded, Default::default())?.peek("certificates.device", &certificates.device.password)?;
    let password = password.ok_or_else(|| RenderError::Io {
        path: certificates.device.pfx.clone(),
        reason: t!("check.certificate.generated-password"),
    })?;
    let pfx = loaded.resolve(&certificates.device.pfx);
    let device = open_pkcs12(&pfx, password.expose())
        .map_err(|err| RenderError::Io { path: pfx.clone(), reason: err.to_string() })?;
    let authorities = certificates
        .authorities
        .iter()
        .map(|path| {
            let path = loaded.resolve(path);
            read_certificate(&path).map_err(|reason| RenderError::Io { path, reason: reason.to_string() })
        })
        .collect::<Result<_, _>>()?;
    Ok((device, authorities))
}

/// The media's identity: the profile and the templates that made them (and so, their answer file).
/// The media ID the profile's media have (with the template sets beside it), or none when its set cannot be found.
pub fn media_id_of(loaded: &LoadedProfile, templates: Option<&Path>) -> Option<String> {
    let set = Library::for_profile(loaded.base_dir(), templates).resolve(&loaded.profile.template).ok()?;
    Some(media_id(&hex::encode(Sha256::digest(loaded.text.as_bytes())), &set))
}

fn media_id(profile_sha256: &str, set: &TemplateSet) -> String {
    let digest = Sha256::digest(format!("tanmatsu media\n{profile_sha256}\n{}\n", set.sha256()));
    hex::encode(&digest[..8])
}

/// What the answer-file templates are given. Every string in it reaches the XML through `{{xml …}}`.
#[derive(Serialize)]
struct AnswerFileModel<'a> {
    tanmatsu_version: &'static str,
    template: TemplateModel<'a>,
    architecture: &'static str,
    /// Windows PE's and the installed system's language, which the media must have.
    language: &'static str,
    organization: OrganizationModel<'a>,
    terminal: TerminalModel<'a>,
    accounts: AccountsModel,
    first_logon: FirstLogonModel,
    disk_guard: DiskGuardModel,
    bitlocker: crate::bitlocker::Model,
}

/// The two windowsPE commands of the disk guard: the guard itself, and the stop when it did not pass (the flag the
/// guard leaves, and what the person at the PC reads).
#[derive(Serialize)]
struct DiskGuardModel {
    command: String,
    passed: &'static str,
    not_passed: String,
}

#[derive(Serialize)]
struct TemplateModel<'a> {
    name: &'a str,
    version: u32,
}

#[derive(Serialize)]
struct OrganizationModel<'a> {
    name: &'a str,
}

#[derive(Serialize)]
struct TerminalModel<'a> {
    hostname: &'a str,
    image: &'a str,
    product_key: Option<&'a str>,
}

#[derive(Serialize)]
struct AccountsModel {
    admin: AccountModel,
    operators: Vec<AccountModel>,
    autologon_password: String,
}

#[derive(Serialize)]
struct AccountModel {
    name: String,
    display_name: String,
    /// Encoded for the `Password/Value` element.
    password: String,
}

#[derive(Serialize)]
struct FirstLogonModel {
    description: String,
    command_line: String,
}

fn render_answer_file(
    loaded: &LoadedProfile,
    engine: &Engine,
    set: &TemplateSet,
    media_id: &str,
    policy: crate::secrets::NewPasswords,
) -> Result<(String, Vec<String>), RenderError> {
    let profile = &loaded.profile;
    let mut secrets = Secrets::open(loaded, policy)?;
    let mut account = |account: &crate::profile::Account| -> Result<(AccountModel, String), RenderError> {
        let password = secrets.password(&account.name, &account.password)?;
        let model = AccountModel {
            name: account.name.clone(),
            display_name: account.full_name.clone().unwrap_or_else(|| account.name.clone()),
            password: encode_password(password.expose(), "Password"),
        };
        Ok((model, encode_password(password.expose(), "Password")))
    };
    let (admin, autologon_password) = account(&profile.accounts.admin)?;
    let operators =
        profile.accounts.operators.iter().map(|a| account(a).map(|(model, _)| model)).collect::<Result<_, _>>()?;
    let generated = secrets.save()?;
    let model = AnswerFileModel {
        tanmatsu_version: env!("CARGO_PKG_VERSION"),
        template: TemplateModel { name: &set.name, version: set.version },
        architecture: "amd64",
        language: crate::windows_media::ANSWER_FILE_LANGUAGE,
        organization: OrganizationModel { name: &profile.organization.name },
        terminal: TerminalModel {
            hostname: &profile.terminal.hostname,
            image: &profile.terminal.image,
            product_key: profile
                .terminal
                .product_key
                .as_deref()
                .or_else(|| profile.terminal.windows.generic_install_key()),
        },
        accounts: AccountsModel { admin, operators, autologon_password },
        first_logon: FirstLogonModel {
            description: "tanmatsu: provision this terminal from the USB stick".into(),
            command_line: first_logon_command(media_id),
        },
        disk_guard: DiskGuardModel {
            command: crate::disk_guard::command(media_id),
            passed: crate::disk_guard::PASSED,
            not_passed: crate::disk_guard::not_passed_message(),
        },
        bitlocker: crate::bitlocker::model(profile.terminal.bitlocker),
    };
    Ok((escape::non_ascii_as_references(&engine.render("autounattend.xml", &model)?), generated))
}

/// The first-logon command: find the drive that carries this media's marker, then run the entry script from it,
/// with the execution policy bypassed for this one process. A stick that is not there (pulled at Setup's restart, or
/// not mounted yet) is asked for, again and again, never silently given up on; any error keeps the window open until
/// someone has read it (answer-file review W2). The system drive is never taken for the stick, even with a marker.
pub fn first_logon_command(media_id: &str) -> String {
    let marker = escape::powershell(&layout::windows_path(&layout::marker(media_id)));
    let entry = escape::powershell(&layout::windows_path(layout::ENTRY_SCRIPT));
    // In both languages at once, whatever the desk's: the answer file is the same bytes on every desk.
    let ask = escape::powershell(&msg!("render.first-logon.insert-stick").in_language(crate::i18n::Lang::En));
    format!(
        "powershell.exe -NoProfile -ExecutionPolicy Bypass -Command \"trap {{ Write-Host $_ -ForegroundColor Red; \
         Read-Host 'Enter'; exit 1 }}; for (;;) {{ $d = Get-PSDrive -PSProvider FileSystem | Where-Object {{ \
         $_.Root -ne ($env:SystemDrive + '\\') -and (Test-Path -LiteralPath (Join-Path $_.Root {marker})) }} | \
         Select-Object -First 1; if ($d) {{ break }}; Read-Host {ask} }}; \
         & (Join-Path $d.Root {entry}) -MediaRoot $d.Root\""
    )
}

/// Writes the media's tree under `root`: payloads (hashed as they are copied), the scripts that carry those hashes,
/// the answer file, the marker, and the manifest of it all.
fn write_tree(loaded: &LoadedProfile, prepared: &Prepared, root: &Path) -> Result<Manifest, RenderError> {
    let mut payloads = Vec::new();
    for file in &prepared.files {
        let target = root.join(&file.destination);
        create_parent(&target)?;
        let (size, sha256) = manifest::copy_hashed(&file.source, &target).map_err(io_error(&file.source))?;
        payloads.push((file.clone(), FileRecord { path: file.destination.clone(), size, sha256 }));
    }
    let mut records: Vec<FileRecord> = payloads.iter().map(|(_, record)| record.clone()).collect();
    for (destination, bytes) in generated_files(loaded, prepared, &payloads)? {
        write_file(root, &destination, &bytes)?;
        records.push(manifest::record_bytes(&destination, &bytes));
    }
    let manifest = manifest::build(prepared, records);
    for (destination, bytes) in manifest.files() {
        write_file(root, &destination, &bytes)?;
    }
    Ok(manifest)
}

/// The files tanmatsu writes itself besides the manifest: the scripts (which carry the payloads' hashes), the
/// answer file and the marker.
pub fn generated_files(
    loaded: &LoadedProfile,
    prepared: &Prepared,
    payloads: &[(MediaFile, FileRecord)],
) -> Result<Vec<(String, Vec<u8>)>, RenderError> {
    let inputs = ScriptInputs {
        loaded,
        media_id: &prepared.media_id,
        payloads,
        device: &prepared.device,
        authorities: &prepared.authorities,
    };
    let marker = format!(
        "tanmatsu provisioning media {}\r\nThe first-logon command finds this stick by this file.\r\n",
        prepared.media_id
    );
    let scripts = render_scripts(&prepared.engine, &inputs).map_err(|err| match err {
        ScriptError::Template(err) => RenderError::Template(err),
        ScriptError::Policy(findings) => RenderError::InvalidPolicy(findings),
    })?;
    let findings = lint_scripts(&scripts);
    if !findings.is_empty() {
        return Err(RenderError::InvalidScripts(findings));
    }
    let mut generated: Vec<(String, Vec<u8>)> =
        scripts.into_iter().map(|script| (script.destination, script.bytes)).collect();
    generated.push((layout::ANSWER_FILE.to_string(), prepared.answer_file.clone().into_bytes()));
    let guard = crate::disk_guard::render(&prepared.engine, &prepared.media_id).map_err(RenderError::Template)?;
    generated.push((crate::disk_guard::MEDIA_PATH.to_string(), guard));
    generated.push((layout::marker(&prepared.media_id), marker.into_bytes()));
    Ok(generated)
}

/// The PowerShell lint's findings in the rendered scripts: what Windows PowerShell 5.1 would refuse or get wrong.
fn lint_scripts(scripts: &[crate::provisioning::Script]) -> Vec<Diagnostic> {
    let texts: Vec<(String, String)> = scripts
        .iter()
        .filter(|script| script.destination.ends_with(".ps1"))
        .map(|script| {
            let name = script.destination.rsplit('/').next().unwrap_or(&script.destination).to_string();
            let text = String::from_utf8_lossy(script.bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&script.bytes));
            (name, text.into_owned())
        })
        .collect();
    crate::powershell::diagnostics(&format!("{}/scripts", layout::MEDIA_DIR), &texts)
}

impl Prepared {
    /// Every path the media will hold, known before any file is copied: what a file system must plan for.
    pub fn all_paths(&self) -> Vec<String> {
        let scripts =
            script_names(&self.engine).into_iter().map(|name| format!("{}/scripts/{name}", layout::MEDIA_DIR));
        self.files
            .iter()
            .map(|f| f.destination.clone())
            .chain(scripts)
            .chain([
                layout::ANSWER_FILE.to_string(),
                crate::disk_guard::MEDIA_PATH.to_string(),
                layout::marker(&self.media_id),
                layout::CHECKSUMS.to_string(),
                layout::MANIFEST.to_string(),
            ])
            .collect()
    }
}

fn create_parent(path: &Path) -> Result<(), RenderError> {
    match path.parent() {
        Some(parent) => std::fs::create_dir_all(parent).map_err(io_error(parent)),
        None => Ok(()),
    }
}

fn write_file(root: &Path, relative: &str, bytes: &[u8]) -> Result<(), RenderError> {
    let path = root.join(relative);
    create_parent(&path)?;
    std::fs::write(&path, bytes).map_err(io_error(&path))
}

/// The files in `folder` that no manifest of tanmatsu's there lists: all of them, when it holds no manifest.
fn files_tanmatsu_did_not_write(folder: &Path) -> Vec<String> {
    let files: Vec<String> = match manifest::walk(folder) {
        Ok(files) => files.into_iter().map(|(path, _)| path).collect(),
        Err((path, _)) => return vec![path.display().to_string()],
    };
    let listed: Vec<String> = std::fs::read(folder.join(layout::MANIFEST))
        .ok()
        .and_then(|bytes| serde_json::from_slice::<Manifest>(&bytes).ok())
        .map(|manifest| manifest.files.into_iter().map(|f| f.path).collect())
        .unwrap_or_default();
    if listed.is_empty() {
        return files;
    }
    let own = [layout::MANIFEST, layout::CHECKSUMS];
    files.into_iter().filter(|path| !listed.contains(path) && !own.contains(&path.as_str())).collect()
}

fn folder_has_entries(path: &Path) -> bool {
    std::fs::read_dir(path).map(|mut entries| entries.next().is_some()).unwrap_or(path.exists())
}

/// Moves the finished staging folder to `out`; an existing `out` is moved aside first and removed only after.
fn replace_folder(staging: tempfile::TempDir, out: &Path) -> Result<(), RenderError> {
    let staged = staging.keep();
    let aside = out.exists().then(|| {
        let mut name = out.file_name().unwrap_or_default().to_os_string();
        name.push(".tanmatsu-old");
        out.with_file_name(name)
    });
    if let Some(aside) = &aside {
        let _ = std::fs::remove_dir_all(aside);
        std::fs::rename(out, aside).map_err(io_error(out))?;
    }
    if let Err(err) = std::fs::rename(&staged, out) {
        if let Some(aside) = &aside {
            let _ = std::fs::rename(aside, out);
        }
        let _ = std::fs::remove_dir_all(&staged);
        return Err(io_error(out)(err));
    }
    if let Some(aside) = aside {
        let _ = std::fs::remove_dir_all(aside);
    }
    Ok(())
}
