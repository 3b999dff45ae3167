//! What the media hold: every file with its size and SHA-256, the profile's hash and the template set that made
//! them. Written as `tanmatsu/manifest.json` and as `tanmatsu/SHA256SUMS` (the format `sha256sum -c` reads, paths
//! relative to the media's root).

use crate::layout;
use crate::render::Prepared;
use crate::templates::TemplateStamp;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::{Path, PathBuf};

/// The manifest's own format version.
pub const MANIFEST_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub manifest_version: u32,
    pub tanmatsu_version: String,
    pub media_id: String,
    pub profile_sha256: String,
    /// The build time: `SOURCE_DATE_EPOCH`, or a fixed date.
    pub created: String,
    pub templates: StampRecord,
    pub files: Vec<FileRecord>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StampRecord {
    pub name: String,
    pub version: u32,
    pub lineage: Vec<String>,
    pub sha256: String,
}

impl From<TemplateStamp> for StampRecord {
    fn from(stamp: TemplateStamp) -> Self {
        StampRecord { name: stamp.name, version: stamp.version, lineage: stamp.lineage, sha256: stamp.sha256 }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileRecord {
    /// Relative to the media's root, with `/`.
    pub path: String,
    pub size: u64,
    pub sha256: String,
}

impl Manifest {
    pub fn checksums(&self) -> String {
        self.files.iter().map(|f| format!("{}  {}\n", f.sha256, f.path)).collect()
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("the manifest serialises") + "\n"
    }

    /// The manifest's own two files: `tanmatsu/SHA256SUMS` and `tanmatsu/manifest.json`.
    pub fn files(&self) -> [(String, Vec<u8>); 2] {
        [
            (layout::CHECKSUMS.to_string(), self.checksums().into_bytes()),
            (layout::MANIFEST.to_string(), self.to_json().into_bytes()),
        ]
    }
}

/// The manifest of media whose files are `records` (any order; listed by path).
pub fn build(prepared: &Prepared, mut records: Vec<FileRecord>) -> Manifest {
    records.sort_by(|a, b| a.path.cmp(&b.path));
    Manifest {
        manifest_version: MANIFEST_VERSION,
        tanmatsu_version: env!("CARGO_PKG_VERSION").to_string(),
        media_id: prepared.media_id.clone(),
        profile_sha256: prepared.profile_sha256.clone(),
        created: crate::timestamp::iso8601(crate::timestamp::build_time()),
        templates: prepared.stamp.clone().into(),
        files: records,
    }
}

/// `name@version (sha256 …)` of the templates that made the media at `path` (image, device or folder).
pub fn template_summary(path: &Path) -> Option<String> {
    let verified = crate::verify::read_manifest(path).ok()?;
    Some(format!("{}@{} ({})", verified.templates.name, verified.templates.version, &verified.templates.sha256[..16]))
}

/// The record of bytes written by tanmatsu itself.
pub fn record_bytes(path: &str, bytes: &[u8]) -> FileRecord {
    FileRecord { path: path.to_string(), size: bytes.len() as u64, sha256: hex::encode(Sha256::digest(bytes)) }
}

/// Every file below `root` as (path relative to root with `/`, full path), sorted by relative path.
pub fn walk(root: &Path) -> Result<Vec<(String, PathBuf)>, (PathBuf, std::io::Error)> {
    let mut found = Vec::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(folder) = pending.pop() {
        let entries = std::fs::read_dir(&folder).map_err(|err| (folder.clone(), err))?;
        for entry in entries {
            let entry = entry.map_err(|err| (folder.clone(), err))?;
            let path = entry.path();
            if entry.file_type().map_err(|err| (path.clone(), err))?.is_dir() {
                pending.push(path);
            } else {
                let relative = path.strip_prefix(root).expect("below root");
                let relative: Vec<String> =
                    relative.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
                found.push((relative.join("/"), path));
            }
        }
    }
    found.sort();
    Ok(found)
}

/// Reads `reader` to its end in large blocks, handing each block to `sink` (which may write it elsewhere) while
/// hashing it; returns the size and the SHA-256. Every copy and every re-hash in tanmatsu goes through here.
pub fn stream_hashed(
    reader: &mut dyn Read,
    sink: &mut dyn FnMut(&[u8]) -> std::io::Result<()>,
) -> std::io::Result<(u64, String)> {
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 4 << 20];
    let mut size = 0u64;
    loop {
        let read = reader.read(&mut buffer)?;
        if read == 0 {
            break;
        }
        hasher.update(&buffer[..read]);
        sink(&buffer[..read])?;
        size += read as u64;
    }
    Ok((size, hex::encode(hasher.finalize())))
}

/// SHA-256 and length of the byte ranges `extents` of `file`, read by a second thread while this one hashes, so
/// that checking runs at the speed of the hash rather than of read plus hash.
pub fn hash_extents(file: &std::fs::File, extents: &[(u64, u64)]) -> std::io::Result<(u64, String)> {
    use std::sync::mpsc::sync_channel;
    let mut reader = file.try_clone()?;
    let (sender, receiver) = sync_channel::<std::io::Result<Vec<u8>>>(4);
    std::thread::scope(|scope| {
        scope.spawn(move || {
            use std::io::{Seek, SeekFrom};
            for &(offset, length) in extents {
                let mut done = 0u64;
                while done < length {
                    let take = (length - done).min(4 << 20) as usize;
                    let mut block = vec![0u8; take];
                    let read = reader.seek(SeekFrom::Start(offset + done)).and_then(|_| reader.read_exact(&mut block));
                    let failed = read.is_err();
                    if sender.send(read.map(|_| block)).is_err() || failed {
                        return;
                    }
                    done += take as u64;
                }
            }
        });
        let mut hasher = Sha256::new();
        let mut size = 0u64;
        for block in receiver {
            let block = block?;
            hasher.update(&block);
            size += block.len() as u64;
        }
        Ok((size, hex::encode(hasher.finalize())))
    })
}

/// Copies `source` to `target`, hashing the bytes on the way: each file is read once.
pub fn copy_hashed(source: &Path, target: &Path) -> std::io::Result<(u64, String)> {
    use std::io::Write;
    let mut output = std::fs::File::create(target)?;
    let result = stream_hashed(&mut std::fs::File::open(source)?, &mut |block| output.write_all(block))?;
    output.sync_all()?;
    Ok(result)
}
