//! The disk guard: what Windows Setup runs in Windows PE before its `DiskConfiguration` wipes disk 0 (answer-file
//! review B2, W3). The decision itself is the template set's `setup/disk-guard.vbs`; this module gives it its values,
//! writes it as cscript reads it, and builds the two answer-file commands that start it and that stop Setup when it
//! did not run at all.

use crate::{escape, layout};
use crate::templates::{Engine, TemplateError};
use serde::Serialize;

/// The guard's template in the set, and where the stick carries it.
pub const TEMPLATE: &str = "setup/disk-guard.vbs";
pub const MEDIA_PATH: &str = "tanmatsu/setup/disk-guard.vbs";

/// What the guard leaves in Windows PE's RAM disk when disk 0 may be wiped. The second command stops Setup unless
/// it is there, so that a guard that never ran (no stick found, cscript missing) fails closed.
const PASSED: &str = r"X:\tanmatsu-disk-guard.ok";

/// The drive letters the guard's command looks for the stick on: not A and B (floppies), not X (Windows PE itself).
const LETTERS: &str = "C D E F G H I J K L M N O P Q R S T U V W Y Z";

#[derive(Serialize)]
struct Model {
    media_id: String,
    marker: String,
    drivers: &'static str,
    terminal_state: &'static str,
    passed: &'static str,
}

/// The guard as the stick carries it: ASCII with CRLF line ends, its Japanese messages joined in as `ChrW(…)`
/// (Windows Script Host reads a script in the system code page).
pub fn render(engine: &Engine, media_id: &str) -> Result<Vec<u8>, TemplateError> {
    let model = Model {
        media_id: media_id.to_string(),
        marker: layout::windows_path(&layout::marker(media_id)),
        drivers: layout::SETUP_DRIVERS,
        terminal_state: layout::TERMINAL_STATE,
        passed: PASSED,
    };
    let text = escape::vbscript_ascii(&engine.render(TEMPLATE, &model)?);
    Ok(text.replace("\r\n", "\n").replace('\n', "\r\n").into_bytes())
}

/// The windowsPE command that finds the stick by its marker and runs the guard from it, with the stick's root.
pub fn command(media_id: &str) -> String {
    let marker = layout::windows_path(&layout::marker(media_id));
    let guard = layout::windows_path(MEDIA_PATH);
    format!("cmd.exe /c for %d in ({LETTERS}) do @if exist %d:\\{marker} cscript.exe //nologo //e:vbscript %d:\\{guard} %d:")
}

/// The windowsPE command after it: Setup goes on only if the guard ran and passed.
pub fn fallback_command() -> String {
    format!(
        "cmd.exe /c if not exist {PASSED} (echo tanmatsu: ディスクを確認できないため停止します。何も消去していません。 \
         / the disk guard did not run: Setup stops, nothing was erased. & pause & wpeutil.exe shutdown)"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_stay_within_what_setup_takes() {
        // Microsoft documents 259 characters for RunSynchronousCommand/Path (the Deployment component's page).
        let command = command("0123456789abcdef");
        assert!(command.chars().count() <= 259, "{} characters: {command}", command.chars().count());
        assert!(fallback_command().chars().count() <= 259);
        assert!(!command.contains('"') && !fallback_command().contains('"'));
    }
}
