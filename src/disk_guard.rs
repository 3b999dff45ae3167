//! The disk guard: what Windows Setup runs in Windows PE before its `DiskConfiguration` wipes disk 0 (answer-file
//! review B2, W3). The decision itself is the template set's `setup/disk-guard.vbs`; this module gives it its values,
//! writes it as cscript reads it, and gives the answer file what its two windowsPE commands need: the command that
//! starts the guard, and the flag and message of the one that stops Setup when the guard did not pass.

use crate::templates::{Engine, TemplateError};
use crate::{escape, layout};
use serde::Serialize;

/// The guard's template in the set, and where the stick carries it.
pub const TEMPLATE: &str = "setup/disk-guard.vbs";
pub const MEDIA_PATH: &str = "tanmatsu/setup/disk-guard.vbs";

/// What the guard leaves in Windows PE's RAM disk when disk 0 may be wiped. The answer file's second command stops
/// Setup unless it is there, so that a guard that never ran (no stick found, cscript missing) fails closed.
pub const PASSED: &str = r"X:\tanmatsu-disk-guard.ok";

/// The drive letters the guard's command looks for the stick on: not A and B (floppies), not X (Windows PE itself).
const LETTERS: &str = "C D E F G H I J K L M N O P Q R S T U V W Y Z";

#[derive(Serialize)]
struct Model {
    media_id: String,
    marker: String,
    terminal_state: String,
    passed: &'static str,
}

/// The guard as the stick carries it: ASCII with CRLF line ends, its Japanese messages joined in as `ChrW(…)`
/// (Windows Script Host reads a script in the system code page).
pub fn render(engine: &Engine, media_id: &str) -> Result<Vec<u8>, TemplateError> {
    let model = Model {
        media_id: media_id.to_string(),
        marker: layout::windows_path(&layout::marker(media_id)),
        terminal_state: layout::terminal_state(),
        passed: PASSED,
    };
    let text = escape::vbscript_ascii(&engine.render(TEMPLATE, &model)?);
    Ok(layout::crlf(&text).into_bytes())
}

/// The windowsPE command that finds the stick by its marker and runs the guard from it, with the stick's root.
pub fn command(media_id: &str) -> String {
    let marker = layout::windows_path(&layout::marker(media_id));
    let guard = layout::windows_path(MEDIA_PATH);
    format!(
        "cmd.exe /c for %d in ({LETTERS}) do @if exist %d:\\{marker} cscript.exe //nologo //e:vbscript %d:\\{guard} %d:"
    )
}

/// The message of the windowsPE command after the guard (in the answer-file template), which stops Setup unless
/// the guard ran and passed: in both languages at once, since the answer file is the same bytes on every desk.
pub fn not_passed_message() -> String {
    crate::msg!("render.disk-guard.not-passed").in_language(crate::i18n::Lang::En).to_string()
}
