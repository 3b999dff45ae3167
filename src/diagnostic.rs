//! Findings about a profile: what is wrong, where, and which spec item it concerns.

use crate::i18n::Message;
use crate::msg;
use serde::Serialize;
use std::fmt;
use std::path::{Path, PathBuf};
use unicode_width::UnicodeWidthChar;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Error,
}

/// A place in a file: 1-based line and column, with the text of that line for a snippet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Location {
    pub file: PathBuf,
    pub line: usize,
    pub column: usize,
    #[serde(skip)]
    pub line_text: String,
}

impl Location {
    /// The location of byte `offset` in `text`, which was read from `file`.
    pub fn at_offset(file: &Path, text: &str, offset: usize) -> Location {
        let offset = floor_char_boundary(text, offset.min(text.len()));
        let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
        let line_end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
        Location {
            file: file.to_path_buf(),
            line: text[..offset].matches('\n').count() + 1,
            column: text[line_start..offset].chars().count() + 1,
            line_text: text[line_start..line_end].trim_end_matches('\r').to_string(),
        }
    }
}

fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

#[derive(Debug, Clone, Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    /// The spec item this finding concerns, if any.
    pub item: Option<&'static str>,
    /// The profile field, as a dotted path (`terminal.hostname`).
    pub field: Option<String>,
    pub location: Option<Location>,
    pub message: Message,
    pub help: Option<Message>,
}

impl Diagnostic {
    pub fn error(message: Message) -> Diagnostic {
        Diagnostic { severity: Severity::Error, item: None, field: None, location: None, message, help: None }
    }

    pub fn warning(message: Message) -> Diagnostic {
        Diagnostic { severity: Severity::Warning, ..Diagnostic::error(message) }
    }

    pub fn item(mut self, id: &'static str) -> Diagnostic {
        self.item = Some(id);
        self
    }

    pub fn field(mut self, path: impl Into<String>) -> Diagnostic {
        self.field = Some(path.into());
        self
    }

    pub fn help(mut self, help: Message) -> Diagnostic {
        self.help = Some(help);
        self
    }

    pub fn at(mut self, location: Location) -> Diagnostic {
        self.location = Some(location);
        self
    }
}

/// The rustc-like rendering: `error[SW-1]: message`, then `--> file:line:col`, the offending line and a caret.
impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let severity = match self.severity {
            Severity::Error => msg!("diagnostic.error"),
            Severity::Warning => msg!("diagnostic.warning"),
        };
        match self.item {
            Some(id) => write!(f, "{severity}[{id}]: {}", self.message)?,
            None => write!(f, "{severity}: {}", self.message)?,
        }
        if let Some(loc) = &self.location {
            let gutter = " ".repeat(loc.line.to_string().len());
            write!(f, "\n{gutter}--> {}:{}:{}", loc.file.display(), loc.line, loc.column)?;
            if !loc.line_text.is_empty() {
                // Pad by display width so that the caret sits under the right character after Japanese text.
                let caret_pad: String = loc
                    .line_text
                    .chars()
                    .take(loc.column - 1)
                    .map(|c| match c {
                        '\t' => "\t".to_string(),
                        c => " ".repeat(c.width().unwrap_or(0)),
                    })
                    .collect();
                write!(f, "\n{gutter} |\n{} | {}\n{gutter} | {caret_pad}^", loc.line, loc.line_text)?;
            }
        } else if let Some(field) = &self.field {
            write!(f, "\n  {}", msg!("diagnostic.field", field = field))?;
        }
        if let Some(id) = self.item {
            let label = &crate::spec::item(id).label_ja;
            write!(f, "\n  = {}", msg!("diagnostic.spec-item", id = id, label = label))?;
        }
        if let Some(help) = &self.help {
            write!(f, "\n  = {}: {help}", msg!("diagnostic.help"))?;
        }
        Ok(())
    }
}
