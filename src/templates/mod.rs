//! Template sets: tanmatsu's built-in templates, and organisations' sets that extend them.
//!
//! A set is a folder with a `template.toml` (name, version, the set it extends) and template files. An
//! organisation's set overrides the files of the set it extends by path, and may add partials. Sets live in
//! `templates/<set>/` beside the profile (or in a folder given with `--templates`); the built-in set is compiled in.
//! The resolved set is hashed, and the hash goes into the media's manifest, so that a terminal's media always say
//! which templates made them.

mod engine;
mod lint;

pub use engine::Engine;
pub use lint::lint;

use crate::i18n::{Message, os_error};
use crate::profile::TemplateRef;
use crate::{msg, t};
use include_dir::{Dir, include_dir};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

/// The built-in set, compiled in from `templates/builtin/`.
static BUILTIN: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/templates/builtin");

/// Every file of the built-in set as (path inside the set, content), in path order.
pub fn builtin_files() -> Vec<(String, &'static str)> {
    let mut files = Vec::new();
    let mut pending = vec![&BUILTIN];
    while let Some(dir) = pending.pop() {
        pending.extend(dir.dirs());
        for file in dir.files() {
            let path = file.path().to_string_lossy().replace('\\', "/");
            files.push((path, file.contents_utf8().expect("templates are UTF-8")));
        }
    }
    files.sort();
    files
}

const MANIFEST: &str = "template.toml";

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct SetManifest {
    name: String,
    version: u32,
    description: Option<String>,
    extends: Option<TemplateRef>,
}

/// A resolved template set: its own name and version, and every file after overrides.
#[derive(Debug, Clone)]
pub struct TemplateSet {
    pub name: String,
    pub version: u32,
    pub description: Option<String>,
    /// `name@version` of this set and each set it extends, nearest first.
    pub lineage: Vec<String>,
    /// Template files by path inside the set (`partials/accounts.hbs`); `template.toml` excluded.
    pub files: BTreeMap<String, String>,
    /// Where each file came from, for error messages (`templates/kumiai-a/partials/accounts.hbs`).
    pub origins: BTreeMap<String, String>,
}

/// What the manifest records about the templates that made the media.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TemplateStamp {
    pub name: String,
    pub version: u32,
    pub lineage: Vec<String>,
    pub sha256: String,
}

impl TemplateSet {
    /// SHA-256 over every file's path and content, in path order.
    pub fn sha256(&self) -> String {
        let mut hasher = Sha256::new();
        for (path, content) in &self.files {
            hasher.update((path.len() as u64).to_le_bytes());
            hasher.update(path.as_bytes());
            hasher.update((content.len() as u64).to_le_bytes());
            hasher.update(content.as_bytes());
        }
        hex::encode(hasher.finalize())
    }

    pub fn stamp(&self) -> TemplateStamp {
        TemplateStamp {
            name: self.name.clone(),
            version: self.version,
            lineage: self.lineage.clone(),
            sha256: self.sha256(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TemplateError {
    NotFound {
        wanted: String,
        available: Vec<String>,
    },
    VersionMismatch {
        name: String,
        path: String,
        found: u32,
        wanted: String,
    },
    BadManifest {
        path: String,
        reason: String,
    },
    Cycle(String, String),
    OverridesNothing {
        path: String,
        base: String,
    },
    /// A partial the set adds that no template includes: a misspelt override, whose setting would silently be absent.
    UnusedPartial {
        path: String,
        near: String,
    },
    Unreadable {
        path: String,
        reason: String,
    },
    Template {
        origin: String,
        line: usize,
        message: Message,
    },
    Render(Message),
}

impl TemplateError {
    pub fn message(&self) -> Message {
        match self {
            TemplateError::NotFound { wanted, available } => {
                msg!("template.not-found", wanted = wanted, available = available.join(", "))
            }
            TemplateError::VersionMismatch { name, path, found, wanted } => {
                msg!("template.version", name = name, path = path, found = found, wanted = wanted)
            }
            TemplateError::BadManifest { path, reason } => msg!("template.bad-manifest", path = path, reason = reason),
            TemplateError::Cycle(set, through) => msg!("template.cycle", set = set, through = through),
            TemplateError::OverridesNothing { path, base } => {
                msg!("template.overrides-nothing", path = path, base = base)
            }
            TemplateError::UnusedPartial { path, near } => msg!("template.unused-partial", path = path, near = near),
            TemplateError::Unreadable { path, reason } => msg!("template.unreadable", path = path, reason = reason),
            TemplateError::Template { origin, line, message } => {
                msg!("template.at-line", origin = origin, line = line, message = message)
            }
            TemplateError::Render(message) => message.clone(),
        }
    }
}

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.message().fmt(f)
    }
}

impl std::error::Error for TemplateError {}

/// Where template sets are looked up: the built-in set, then the folders given.
#[derive(Debug, Clone, Default)]
pub struct Library {
    folders: Vec<PathBuf>,
}

/// A set as listed by `tanmatsu templates list`.
#[derive(Debug, Clone, Serialize)]
pub struct SetSummary {
    pub name: String,
    pub version: u32,
    pub extends: Option<String>,
    pub description: Option<String>,
    /// The set's folder; none for the built-in set.
    pub location: Option<String>,
}

impl Library {
    pub fn new(folders: Vec<PathBuf>) -> Library {
        Library { folders }
    }

    /// The library a profile sees: `templates/` beside it, then any folder given on the command line.
    pub fn for_profile(profile_dir: &Path, extra: Option<&Path>) -> Library {
        let mut folders = vec![profile_dir.join("templates")];
        folders.extend(extra.map(Path::to_path_buf));
        Library::new(folders)
    }

    pub fn list(&self) -> Result<Vec<SetSummary>, TemplateError> {
        let builtin = builtin_manifest();
        let mut sets = vec![SetSummary {
            name: builtin.name,
            version: builtin.version,
            extends: None,
            description: builtin.description,
            location: None,
        }];
        for (dir, manifest) in self.organisation_sets()? {
            sets.push(SetSummary {
                name: manifest.name,
                version: manifest.version,
                extends: manifest.extends.map(|e| e.to_string()),
                description: manifest.description,
                location: Some(dir.display().to_string()),
            });
        }
        Ok(sets)
    }

    /// The set `wanted`, with everything it extends merged underneath.
    pub fn resolve(&self, wanted: &TemplateRef) -> Result<TemplateSet, TemplateError> {
        self.resolve_chain(wanted, &mut Vec::new())
    }

    fn resolve_chain(&self, wanted: &TemplateRef, seen: &mut Vec<String>) -> Result<TemplateSet, TemplateError> {
        let key = wanted.to_string();
        if seen.contains(&key) {
            return Err(TemplateError::Cycle(key, seen.join(" → ")));
        }
        seen.push(key.clone());
        let builtin = builtin_manifest();
        if wanted.name == builtin.name {
            return if wanted.version == builtin.version {
                Ok(builtin_set())
            } else {
                Err(TemplateError::VersionMismatch {
                    name: builtin.name,
                    path: t!("templates.built-in"),
                    found: builtin.version,
                    wanted: key,
                })
            };
        }
        let Some((dir, manifest)) = self.organisation_sets()?.into_iter().find(|(_, m)| m.name == wanted.name) else {
            let available = self.list()?.into_iter().map(|s| format!("{}@{}", s.name, s.version)).collect();
            return Err(TemplateError::NotFound { wanted: key, available });
        };
        if manifest.version != wanted.version {
            return Err(TemplateError::VersionMismatch {
                name: manifest.name,
                path: dir.display().to_string(),
                found: manifest.version,
                wanted: key,
            });
        }
        let base_ref = manifest.extends.clone().unwrap_or(TemplateRef { name: builtin.name, version: builtin.version });
        let mut set = self.resolve_chain(&base_ref, seen)?;
        let inherited: Vec<String> = set.files.keys().cloned().collect();
        let mut added_partials = Vec::new();
        for (path, content) in read_set_files(&dir)? {
            let origin = dir.join(&path).display().to_string();
            if !set.files.contains_key(&path) && !path.starts_with("partials/") {
                return Err(TemplateError::OverridesNothing { path: origin, base: base_ref.to_string() });
            }
            if !set.files.contains_key(&path) {
                added_partials.push((path.clone(), origin.clone()));
            }
            set.files.insert(path.clone(), content);
            set.origins.insert(path, origin);
        }
        for (path, origin) in added_partials {
            let name = path.trim_start_matches("partials/").trim_end_matches(".hbs");
            if !set.files.values().any(|text| includes_partial(text, name)) {
                let partials = inherited.iter().filter(|p| p.starts_with("partials/"));
                let near = crate::suggest::did_you_mean(&path, partials.map(String::as_str))
                    .map(|p| crate::t!("template.unused-partial.near", path = p))
                    .unwrap_or_default();
                return Err(TemplateError::UnusedPartial { path: origin, near });
            }
        }
        set.lineage.insert(0, key);
        set.name = manifest.name;
        set.version = manifest.version;
        set.description = manifest.description;
        Ok(set)
    }

    /// Every organisation set in the library's folders, first folder first.
    fn organisation_sets(&self) -> Result<Vec<(PathBuf, SetManifest)>, TemplateError> {
        let mut sets = Vec::new();
        for folder in &self.folders {
            let Ok(entries) = std::fs::read_dir(folder) else { continue };
            let mut dirs: Vec<PathBuf> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
            dirs.sort();
            for dir in dirs {
                let manifest_path = dir.join(MANIFEST);
                if manifest_path.is_file() {
                    sets.push((dir, read_manifest(&manifest_path)?));
                }
            }
        }
        Ok(sets)
    }
}

fn read_manifest(path: &Path) -> Result<SetManifest, TemplateError> {
    let text = std::fs::read_to_string(path)
        .map_err(|err| TemplateError::Unreadable { path: path.display().to_string(), reason: os_error(&err) })?;
    toml::from_str(&text)
        .map_err(|err| TemplateError::BadManifest { path: path.display().to_string(), reason: err.message().into() })
}

/// The files of a set folder by path inside it, `template.toml` left out.
fn read_set_files(dir: &Path) -> Result<Vec<(String, String)>, TemplateError> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(folder) = pending.pop() {
        let entries = std::fs::read_dir(&folder)
            .map_err(|err| TemplateError::Unreadable { path: folder.display().to_string(), reason: os_error(&err) })?;
        for entry in entries.filter_map(Result::ok) {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
                continue;
            }
            let relative = path.strip_prefix(dir).expect("below the set folder");
            let relative = relative.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/");
            if relative == MANIFEST {
                continue;
            }
            let content = std::fs::read_to_string(&path).map_err(|err| TemplateError::Unreadable {
                path: path.display().to_string(),
                reason: os_error(&err),
            })?;
            files.push((relative, content));
        }
    }
    files.sort();
    Ok(files)
}

fn builtin_manifest() -> SetManifest {
    let text = BUILTIN.get_file(MANIFEST).and_then(|f| f.contents_utf8()).expect("templates/builtin/template.toml");
    toml::from_str(text).expect("the built-in template.toml is checked by the test suite")
}

fn builtin_set() -> TemplateSet {
    let manifest = builtin_manifest();
    let files: BTreeMap<String, String> =
        builtin_files().into_iter().filter(|(p, _)| p != MANIFEST).map(|(p, c)| (p, c.to_string())).collect();
    let origins = files.keys().map(|p| (p.clone(), format!("templates/builtin/{p}"))).collect();
    TemplateSet {
        lineage: vec![format!("{}@{}", manifest.name, manifest.version)],
        name: manifest.name,
        version: manifest.version,
        description: manifest.description,
        files,
        origins,
    }
}

/// Whether `text` includes the partial `name`: `{{> name}}` or the block form `{{#> name}}`, spaces and `~` allowed.
fn includes_partial(text: &str, name: &str) -> bool {
    text.match_indices(">").any(|(at, _)| {
        let before = text[..at].trim_end_matches([' ', '#', '~']);
        before.ends_with("{{")
            && text[at + 1..]
                .trim_start()
                .strip_prefix(name)
                .is_some_and(|rest| rest.starts_with(|c: char| c.is_whitespace() || c == '}' || c == '~'))
    })
}
