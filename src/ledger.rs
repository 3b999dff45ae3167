//! The media ledger (媒体管理簿, MED-3 and MED-5): every write of a stick, every stick's deletion or disposal, and
//! every terminal whose report key the desk enrolled (the row that lets `tanmatsu report` trust its reports).
//!
//! A CSV file, UTF-8 with a byte-order mark and CRLF line ends, so that Excel opens it cleanly. Each row carries the
//! hash of the row before it and its own, so that an edited or deleted row is found by `tanmatsu ledger verify`.
//! (A deleted *last* row leaves no trace in the file itself: `verify` prints the head hash for the staff to note in
//! the paper ledger, which anchors it.)

use crate::escape;
use crate::fsutil::write_atomically;
use crate::i18n::os_error;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::Path;

const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    #[serde(rename = "番号 seq")]
    pub seq: u64,
    #[serde(rename = "日時 time (UTC)")]
    pub time: String,
    #[serde(rename = "操作 action")]
    pub action: String,
    #[serde(rename = "機種 model")]
    pub model: String,
    #[serde(rename = "シリアル serial")]
    pub serial: String,
    #[serde(rename = "USBインスタンスID usb_instance_id")]
    pub usb_instance_id: String,
    #[serde(rename = "ディスクインスタンスID disk_instance_id")]
    pub disk_instance_id: String,
    #[serde(rename = "イメージSHA-256 image_sha256")]
    pub image_sha256: String,
    #[serde(rename = "媒体ID media_id")]
    pub media_id: String,
    #[serde(rename = "テンプレート templates")]
    pub templates: String,
    #[serde(rename = "作業者 operator")]
    pub operator: String,
    #[serde(rename = "承認者 approver")]
    pub approver: String,
    #[serde(rename = "備考 note")]
    pub note: String,
    /// Enrolment rows only: the terminal's host name, SMBIOS UUID and report key (model and serial are the
    /// terminal's then). Ledgers written before enrolment existed lack the columns.
    #[serde(rename = "端末 terminal", default)]
    pub terminal: String,
    #[serde(rename = "端末UUID terminal_uuid", default)]
    pub terminal_uuid: String,
    #[serde(rename = "報告署名鍵 terminal_key", default)]
    pub terminal_key: String,
    #[serde(rename = "前行ハッシュ prev_hash")]
    pub prev_hash: String,
    #[serde(rename = "行ハッシュ row_hash")]
    pub row_hash: String,
}

impl Entry {
    /// The hash of this row's fields after the previous row's hash.
    /// The cells the row's hash covers, in order, its number and the previous hash aside.
    fn hashed_cells(&self) -> Vec<String> {
        let mut fields = vec![
            self.seq.to_string(),
            self.time.clone(),
            self.action.clone(),
            self.model.clone(),
            self.serial.clone(),
            self.usb_instance_id.clone(),
            self.disk_instance_id.clone(),
            self.image_sha256.clone(),
            self.media_id.clone(),
            self.templates.clone(),
            self.operator.clone(),
            self.approver.clone(),
            self.note.clone(),
        ];
        // Only rows that have them hash the terminal columns: the rows of older ledgers keep their hashes.
        let terminal = [self.terminal.clone(), self.terminal_uuid.clone(), self.terminal_key.clone()];
        if terminal.iter().any(|field| !field.is_empty()) {
            fields.extend(terminal);
        }
        fields
    }

    fn compute_hash(&self) -> String {
        let mut fields = self.hashed_cells();
        fields.push(self.prev_hash.clone());
        hex::encode(Sha256::digest(fields.join(SEPARATOR).as_bytes()))
    }

    /// A cell that holds the separator, or any control character, makes the hash ambiguous: text could move between
    /// cells and keep it.
    fn has_control_character(&self) -> bool {
        self.hashed_cells().iter().any(|cell| cell.chars().any(char::is_control))
    }
}

/// What joins the cells for the hash. No cell may hold it (nor any other control character), so that one string of
/// cells gives one hash.
const SEPARATOR: &str = "\u{1F}";

/// What a new row says; the ledger adds its number and hashes. Every text passes through the CSV cell escaper, so
/// that a device that calls itself `=HYPERLINK(…)` cannot become a formula in Excel.
#[derive(Debug, Clone, Default)]
pub struct NewEntry {
    pub time: String,
    pub action: String,
    pub model: String,
    pub serial: String,
    pub usb_instance_id: String,
    pub disk_instance_id: String,
    pub image_sha256: String,
    pub media_id: String,
    pub templates: String,
    pub operator: String,
    pub approver: String,
    pub note: String,
    pub terminal: String,
    pub terminal_uuid: String,
    pub terminal_key: String,
}

/// The action of an enrolment row.
pub const ENROL: &str = "enrol";

#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    #[error("{}", crate::msg!("ledger.unreadable", path = .path, reason = .reason))]
    Unreadable { path: String, reason: String },
    #[error("{}", crate::msg!("ledger.unwritable", path = .path, reason = .reason))]
    Unwritable { path: String, reason: String },
    #[error("{}", crate::msg!("ledger.altered", path = .path, problems = .problems.join("; ")))]
    Altered { path: String, problems: Vec<String> },
    #[error("{}", crate::msg!("ledger.missing", path = .path, near = .near))]
    Missing { path: String, near: String },
    #[error("{}", crate::msg!("ledger.exists", path = .0))]
    Exists(String),
    #[error("{}", crate::msg!("ledger.not-utf8", path = .0))]
    NotUtf8(String),
    #[error("{}", crate::msg!("ledger.unknown-serial", serial = .0))]
    UnknownSerial(String),
    #[error("{}", crate::msg!("ledger.key-enrolled", key = .key, terminal = .terminal, seq = .seq))]
    KeyEnrolled { key: String, terminal: String, seq: u64 },
    #[error("{}", crate::msg!("ledger.machine-enrolled", uuid = .uuid, serial = .serial, terminal = .terminal, seq = .seq))]
    MachineEnrolled { uuid: String, serial: String, terminal: String, seq: u64 },
}

/// Whether a row may go to `path`: the ledger is there, or a new one was asked for and nothing is there yet
/// (desk review F6: `媒体管理薄.csv` for `媒体管理簿.csv` must not quietly start a second chain).
pub fn expect(path: &Path, new_ledger: bool) -> Result<(), LedgerError> {
    match (path.exists(), new_ledger) {
        (true, true) => Err(LedgerError::Exists(path.display().to_string())),
        (false, false) => Err(missing(path)),
        _ => Ok(()),
    }
}

/// A ledger that is not at `path`, with the file of a close name beside it if there is one.
fn missing(path: &Path) -> LedgerError {
    let near =
        crate::suggest::nearby_file(path).map(|name| crate::t!("ledger.missing-near", name = name)).unwrap_or_default();
    LedgerError::Missing { path: path.display().to_string(), near }
}

/// Reads a ledger that must be there (list, verify): a missing one is an error, not an empty ledger.
pub fn read_existing(path: &Path) -> Result<Vec<Entry>, LedgerError> {
    if !path.exists() {
        return Err(missing(path));
    }
    read(path)
}

/// Reads the ledger; a file that does not exist is an empty ledger.
pub fn read(path: &Path) -> Result<Vec<Entry>, LedgerError> {
    let unreadable = |reason: String| LedgerError::Unreadable { path: path.display().to_string(), reason };
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(err) => return Err(unreadable(os_error(&err))),
    };
    let text = bytes.strip_prefix(b"\xEF\xBB\xBF".as_slice()).unwrap_or(&bytes);
    // Excel's "CSV" save writes Shift_JIS (CP932): the bytes are then no UTF-8, and the hashes no longer hold.
    if std::str::from_utf8(text).is_err() {
        return Err(LedgerError::NotUtf8(path.display().to_string()));
    }
    csv::Reader::from_reader(text)
        .deserialize()
        .collect::<Result<Vec<Entry>, _>>()
        .map_err(|err| unreadable(err.to_string()))
}

/// Every break in the chain, as "row N: …" (rows counted from 1 after the header).
pub fn check(entries: &[Entry]) -> Vec<String> {
    let mut problems = Vec::new();
    let mut previous = GENESIS.to_string();
    for (index, entry) in entries.iter().enumerate() {
        let row = index + 1;
        if entry.seq != row as u64 {
            problems.push(crate::t!("ledger.row-number", row = row, number = entry.seq));
        }
        if entry.prev_hash != previous {
            problems.push(crate::t!("ledger.row-chain", row = row));
        }
        if entry.row_hash != entry.compute_hash() {
            problems.push(crate::t!("ledger.row-changed", row = row));
        }
        if entry.has_control_character() {
            problems.push(crate::t!("ledger.row-control", row = row));
        }
        previous = entry.row_hash.clone();
    }
    problems
}

/// The hash of the last row: what a person notes on paper to anchor the ledger.
pub fn head(entries: &[Entry]) -> &str {
    entries.last().map_or(GENESIS, |e| e.row_hash.as_str())
}

/// Whether a row could be appended now: the chain is whole, the path is not a folder, and its folder takes a new
/// file. `write` asks before it touches the stick, so that a stick is never written without its row (reliability
/// review D5).
pub fn ready_to_append(path: &Path) -> Result<(), LedgerError> {
    let unwritable = |reason: String| LedgerError::Unwritable { path: path.display().to_string(), reason };
    if path.is_dir() {
        return Err(unwritable(crate::t!("ledger.is-folder")));
    }
    intact(path)?;
    let folder = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    tempfile::Builder::new()
        .prefix(".tanmatsu-")
        .tempfile_in(folder)
        .map(drop)
        .map_err(|err| unwritable(os_error(&err)))
}

/// The ledger's rows, when its chain is whole: a broken ledger is never extended.
fn intact(path: &Path) -> Result<Vec<Entry>, LedgerError> {
    let entries = read(path)?;
    let problems = check(&entries);
    if !problems.is_empty() {
        return Err(LedgerError::Altered { path: path.display().to_string(), problems });
    }
    Ok(entries)
}

/// Appends a row, refusing to extend a ledger whose chain is already broken.
pub fn append(path: &Path, new: NewEntry) -> Result<Entry, LedgerError> {
    let mut entries = intact(path)?;
    // No control character enters a cell (it becomes U+FFFD), so that no text can move between cells keeping the hash.
    let cell = |text: &str| {
        let printable: String = text.chars().map(|c| if c.is_control() { '\u{FFFD}' } else { c }).collect();
        escape::csv_cell(&printable)
    };
    let mut entry = Entry {
        seq: entries.len() as u64 + 1,
        time: cell(&new.time),
        action: cell(&new.action),
        model: cell(&new.model),
        serial: cell(&new.serial),
        usb_instance_id: cell(&new.usb_instance_id),
        disk_instance_id: cell(&new.disk_instance_id),
        image_sha256: cell(&new.image_sha256),
        media_id: cell(&new.media_id),
        templates: cell(&new.templates),
        operator: cell(&new.operator),
        approver: cell(&new.approver),
        note: cell(&new.note),
        terminal: cell(&new.terminal),
        terminal_uuid: cell(&new.terminal_uuid),
        terminal_key: cell(&new.terminal_key),
        prev_hash: head(&entries).to_string(),
        row_hash: String::new(),
    };
    entry.row_hash = entry.compute_hash();
    entries.push(entry.clone());
    save(path, &entries)?;
    Ok(entry)
}

/// Records MED-5's deletion or disposal of the stick with `serial`.
pub fn retire(path: &Path, serial: &str, new: NewEntry) -> Result<Entry, LedgerError> {
    let entries = read(path)?;
    let written = entries.iter().rev().find(|e| e.serial == escape::csv_cell(serial) && e.action == "write");
    let Some(written) = written else {
        return Err(LedgerError::UnknownSerial(serial.to_string()));
    };
    let entry = NewEntry {
        model: written.model.clone(),
        usb_instance_id: written.usb_instance_id.clone(),
        disk_instance_id: written.disk_instance_id.clone(),
        serial: serial.to_string(),
        ..new
    };
    append(path, entry)
}

/// Records the report key of a terminal (`new.terminal_key`). A key is enrolled once, and a machine (its SMBIOS UUID
/// and serial) once unless `replace`: it was set up again, and its new key supersedes the one before, whose reports
/// are then no longer believed.
pub fn enrol(path: &Path, new: NewEntry, replace: bool) -> Result<Entry, LedgerError> {
    let entries = read(path)?;
    if let Some(known) = enrolments(&entries).find(|e| e.terminal_key == new.terminal_key) {
        return Err(LedgerError::KeyEnrolled {
            key: new.terminal_key.clone(),
            terminal: known.terminal.clone(),
            seq: known.seq,
        });
    }
    let same_machine = |e: &&Entry| {
        e.terminal_uuid == escape::csv_cell(&new.terminal_uuid) && e.serial == escape::csv_cell(&new.serial)
    };
    if !replace && let Some(known) = enrolments(&entries).filter(same_machine).last() {
        return Err(LedgerError::MachineEnrolled {
            uuid: known.terminal_uuid.clone(),
            serial: known.serial.clone(),
            terminal: known.terminal.clone(),
            seq: known.seq,
        });
    }
    append(path, NewEntry { action: ENROL.into(), ..new })
}

/// A row showing that media of a profile were made before: a stick written with its media ID, or its terminal
/// enrolled under its host name. A ledger that cannot be read says nothing.
pub fn made_before(path: &Path, media_id: Option<&str>, hostname: &str) -> Option<String> {
    let entries = read(path).ok()?;
    let row = entries.iter().rev().find(|e| {
        (e.action == "write" && media_id.is_some_and(|id| e.media_id == id))
            || (e.action == ENROL && e.terminal.eq_ignore_ascii_case(&escape::csv_cell(hostname)))
    })?;
    Some(crate::t!("ledger.made-before", path = path.display(), seq = row.seq, action = &row.action, time = &row.time))
}

/// The enrolment rows, oldest first.
pub fn enrolments(entries: &[Entry]) -> impl Iterator<Item = &Entry> {
    entries.iter().filter(|e| e.action == ENROL)
}

fn save(path: &Path, entries: &[Entry]) -> Result<(), LedgerError> {
    let unwritable = |reason: String| LedgerError::Unwritable { path: path.display().to_string(), reason };
    let mut writer = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(b"\xEF\xBB\xBF".to_vec());
    for entry in entries {
        writer.serialize(entry).map_err(|err| unwritable(err.to_string()))?;
    }
    let bytes = writer.into_inner().map_err(|err| unwritable(err.to_string()))?;
    write_atomically(path, &bytes, None).map_err(|err| unwritable(os_error(&err)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_text_can_move_between_cells_and_keep_the_hash() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ledger.csv");
        let entry = append(&path, NewEntry { note: "a\u{1f}b\nc".into(), ..NewEntry::default() }).unwrap();
        assert_eq!(entry.note, "a\u{FFFD}b\u{FFFD}c", "control characters never enter a cell");
        assert!(check(&read(&path).unwrap()).is_empty());

        // A row made elsewhere with the separator in a cell: the same hash as the cells cut another way, so refused.
        let mut entries = read(&path).unwrap();
        entries[0].note = "n\u{1f}T01\u{1f}UUID\u{1f}KEY".into();
        entries[0].row_hash = entries[0].compute_hash();
        let mut cut = entries[0].clone();
        cut.note = "n".into();
        (cut.terminal, cut.terminal_uuid, cut.terminal_key) = ("T01".into(), "UUID".into(), "KEY".into());
        assert_eq!(cut.compute_hash(), entries[0].row_hash, "the ambiguity the rule closes");
        assert_eq!(check(&entries).len(), 1, "{:?}", check(&entries));
    }
}
