//! `tanmatsu check`: does a profile describe a terminal that meets the spec, and can tanmatsu build it?
//!
//! Every rule runs, so that one run lists every problem. Each rule module covers one part of the profile and
//! names the spec item behind each finding; this module collects the findings and places them in the file.

mod accounts;
mod certificate;
mod media;
mod network;
mod payload;
mod report;
mod software;
mod terminal;

pub use report::{ItemStatus, Report};

use crate::diagnostic::Diagnostic;
use crate::profile::LoadedProfile;
use std::path::PathBuf;

/// What the rules need besides the profile.
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// Seconds since the Unix epoch; certificates are judged against it.
    pub now: i64,
    /// A folder of organisation template sets besides `templates/` next to the profile.
    pub templates: Option<PathBuf>,
    /// Windows installation media (an ISO or a folder) whose images the profile's image must be among.
    pub windows_media: Option<PathBuf>,
}

impl Context {
    /// Now, with organisation template sets also looked up in `templates`.
    pub fn now(templates: Option<PathBuf>) -> Context {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |elapsed| elapsed.as_secs() as i64);
        Context { now, templates, windows_media: None }
    }
}

/// Runs every rule over `profile`.
pub fn check(profile: &LoadedProfile, context: &Context) -> Report {
    let mut findings = Vec::new();
    terminal::check(profile, context, &mut findings);
    accounts::check(profile, &mut findings);
    network::check(profile, &mut findings);
    software::check(profile, &mut findings);
    certificate::check(profile, context, &mut findings);
    media::check(profile, &mut findings);
    for finding in &mut findings {
        place(profile, finding);
    }
    Report::new(profile.path.clone(), findings)
}

/// Points a finding at the line of its field.
fn place(profile: &LoadedProfile, finding: &mut Diagnostic) {
    if finding.location.is_none()
        && let Some(field) = &finding.field
    {
        finding.location = profile.locate(field);
    }
}
