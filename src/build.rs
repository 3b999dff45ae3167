//! `tanmatsu build`: the provisioning stick as a disk image — GPT, one FAT32 partition of type Microsoft basic data
//! labelled TANMATSU, holding exactly what `render` lays out.
//!
//! Every payload is read once, hashed while it is copied into its contiguous clusters; the scripts that carry those
//! hashes follow; the file-system structures and the partition tables, which depend on where everything went, are
//! written last. The image is `IMAGE.partial` until it is complete and synced; an error or Ctrl-C removes it.

use crate::image::fat::write::VolumeWriter;
use crate::image::fat::{DosTime, Geometry};
use crate::image::gpt::{self, Guid, PartitionSpan};
use crate::manifest::{self, FileRecord, Manifest};
use crate::profile::LoadedProfile;
use crate::render::{self, RenderError, RenderOptions, io_error};
use crate::timestamp;
use crate::windows_media::WindowsMedia;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

pub const VOLUME_LABEL: &str = "TANMATSU";
const MIB: u64 = 1 << 20;

#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    pub render: RenderOptions,
    /// The image's size in bytes; automatic when `None`.
    pub size: Option<u64>,
    /// The largest resource bytes an install.wim part may hold when the media's install.wim must be split.
    pub wim_split_size: u64,
    /// Show a progress bar (when standard error is a terminal).
    pub progress: bool,
}

/// What `build` made, as `--json` prints it.
#[derive(Debug, Clone, Serialize)]
pub struct Built {
    pub image: PathBuf,
    pub size: u64,
    pub sha256: String,
    pub files: usize,
    pub media_id: String,
    #[serde(skip)]
    pub manifest: Manifest,
}

/// Set by Ctrl-C; the copy loop checks it, so that an interrupted build removes its partial image.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// Makes Ctrl-C stop a build cleanly instead of killing the process mid-write.
pub fn handle_interrupts() {
    let _ = ctrlc::set_handler(|| INTERRUPTED.store(true, Ordering::SeqCst));
}

/// Just under FAT32's 4 GiB, with room for a part's header, blob table and XML.
pub const DEFAULT_WIM_SPLIT_SIZE: u64 = 4000 * MIB;

pub fn build_image(loaded: &LoadedProfile, out: &Path, options: &BuildOptions) -> Result<Built, RenderError> {
    let prepared = render::prepare(loaded, &options.render)?;
    let mut sizes = Vec::with_capacity(prepared.files.len());
    for file in &prepared.files {
        sizes.push(std::fs::metadata(&file.source).map_err(io_error(&file.source))?.len());
    }
    let mut media = match &options.render.windows_media {
        Some(path) => Some(open_media(path, options.wim_split_size, &prepared)?),
        None => None,
    };
    let media_bytes: u64 = media.iter().flat_map(|m| m.entries()).map(|e| e.size).sum();
    let disk_bytes = match options.size {
        Some(size) => size / MIB * MIB,
        None => automatic_size(sizes.iter().sum::<u64>() + media_bytes),
    };
    let span = PartitionSpan::for_disk(disk_bytes);
    let geometry =
        Geometry::for_partition(span.bytes()).map_err(|reason| RenderError::Io { path: out.to_path_buf(), reason })?;

    let partial = partial_path(out);
    let result = write_image(loaded, &prepared, media.as_mut(), &partial, disk_bytes, span, geometry, &sizes, options);
    match result {
        Ok((manifest, sha256)) => {
            std::fs::rename(&partial, out).map_err(io_error(out))?;
            Ok(Built {
                image: out.to_path_buf(),
                size: disk_bytes,
                sha256,
                files: manifest.files.len() + 2,
                media_id: manifest.media_id.clone(),
                manifest,
            })
        }
        Err(err) => {
            let _ = std::fs::remove_file(&partial);
            Err(err)
        }
    }
}

/// Contents plus a sixteenth and 48 MiB of slack (room for cluster rounding, the file system and later reports),
/// rounded up to a whole MiB; never below 64 MiB, which FAT32 with 512-byte clusters needs.
fn automatic_size(content: u64) -> u64 {
    let wanted = content + content / 16 + 48 * MIB;
    wanted.div_ceil(MIB).max(64) * MIB
}

/// Opens the Windows media and makes sure none of their files would take the place of one of tanmatsu's.
fn open_media(path: &Path, split_size: u64, prepared: &render::Prepared) -> Result<WindowsMedia, RenderError> {
    let media = WindowsMedia::open(path, split_size)
        .map_err(|err| RenderError::Io { path: path.to_path_buf(), reason: err.to_string() })?;
    let ours: Vec<String> = prepared.all_paths().iter().map(|p| p.to_lowercase()).collect();
    if let Some(clash) = media.entries().iter().find(|e| {
        let lower = e.destination.to_lowercase();
        ours.contains(&lower) || lower.starts_with(&format!("{}/", crate::layout::MEDIA_DIR))
    }) {
        return Err(RenderError::Io {
            path: path.to_path_buf(),
            reason: format!("the media's `{}` would take the place of tanmatsu's own file", clash.destination),
        });
    }
    Ok(media)
}

fn partial_path(out: &Path) -> PathBuf {
    let mut name = out.file_name().unwrap_or_default().to_os_string();
    name.push(".partial");
    out.with_file_name(name)
}

#[allow(clippy::too_many_arguments)]
fn write_image(
    loaded: &LoadedProfile,
    prepared: &render::Prepared,
    media: Option<&mut WindowsMedia>,
    partial: &Path,
    disk_bytes: u64,
    span: PartitionSpan,
    geometry: Geometry,
    sizes: &[u64],
    options: &BuildOptions,
) -> Result<(Manifest, String), RenderError> {
    let io = io_error(partial);
    let mut file = File::options().read(true).write(true).create(true).truncate(true).open(partial).map_err(io)?;
    file.set_len(disk_bytes).map_err(io_error(partial))?;
    let time = DosTime::from_unix(timestamp::build_time());
    let mut paths = prepared.all_paths();
    let media_entries: Vec<_> = media.as_ref().map(|m| m.entries().to_vec()).unwrap_or_default();
    paths.extend(media_entries.iter().map(|e| e.destination.clone()));
    let mut volume = VolumeWriter::new(&mut file, span.offset(), geometry, &paths, VOLUME_LABEL, time)
        .map_err(|err| RenderError::Io { path: partial.to_path_buf(), reason: err.to_string() })?;

    let total = sizes.iter().sum::<u64>() + media_entries.iter().map(|e| e.size).sum::<u64>();
    let bar = progress_bar(options.progress, total);
    let mut tick = |bytes: u64| {
        bar.inc(bytes);
        if INTERRUPTED.load(Ordering::SeqCst) {
            return Err(io::Error::new(io::ErrorKind::Interrupted, "interrupted"));
        }
        Ok(())
    };
    let mut payloads = Vec::with_capacity(prepared.files.len());
    for (media_file, size) in prepared.files.iter().zip(sizes) {
        let mut source = File::open(&media_file.source).map_err(io_error(&media_file.source))?;
        let record = volume
            .copy_file(&media_file.destination, &mut source, *size, &mut tick)
            .map_err(|err| RenderError::Io { path: media_file.source.clone(), reason: err.to_string() })?;
        payloads.push((media_file.clone(), record));
    }
    let mut records: Vec<FileRecord> = payloads.iter().map(|(_, record)| record.clone()).collect();
    if let Some(media) = media {
        let media_path = options.render.windows_media.clone().unwrap_or_default();
        for (index, entry) in media_entries.iter().enumerate() {
            let record = media
                .with_reader(index, |reader| volume.copy_file(&entry.destination, reader, entry.size, &mut tick))
                .map_err(|err| RenderError::Io {
                    path: media_path.join(&entry.destination),
                    reason: err.to_string(),
                })?;
            records.push(record);
        }
    }
    bar.finish_and_clear();

    let volume_error = |err: io::Error| RenderError::Io { path: partial.to_path_buf(), reason: err.to_string() };
    for (destination, bytes) in render::generated_files(loaded, prepared, &payloads)? {
        records.push(volume.write_bytes(&destination, &bytes).map_err(volume_error)?);
    }
    let manifest = manifest::build(prepared, records);
    for (destination, bytes) in manifest.files() {
        volume.write_bytes(&destination, &bytes).map_err(volume_error)?;
    }

    // Identifiers derive from everything the image holds, as systemd-repart seeds its UUIDs.
    let seed = Sha256::digest(manifest.to_json().as_bytes());
    let derive = |purpose: &str| -> [u8; 16] {
        let digest = Sha256::digest([seed.as_slice(), purpose.as_bytes()].concat());
        digest[..16].try_into().expect("16 bytes")
    };
    let serial = u32::from_le_bytes(derive("fat32 volume serial")[..4].try_into().expect("4 bytes"));
    volume.finish(serial).map_err(volume_error)?;
    let tables = gpt::tables(
        disk_bytes,
        span,
        Guid::from_hash(derive("gpt disk guid")),
        Guid::from_hash(derive("gpt partition guid")),
        VOLUME_LABEL,
    );
    let write_tables = |file: &mut File| -> io::Result<()> {
        file.seek(SeekFrom::Start(0))?;
        file.write_all(&tables.head)?;
        file.seek(SeekFrom::Start(disk_bytes - tables.tail.len() as u64))?;
        file.write_all(&tables.tail)?;
        file.sync_all()
    };
    write_tables(&mut file).map_err(volume_error)?;
    let sha256 = hash_stream(&mut file, disk_bytes).map_err(volume_error)?;
    Ok((manifest, sha256))
}

/// SHA-256 of the first `length` bytes of `reader`, read sequentially in large blocks.
pub fn hash_stream(reader: &mut (impl Read + Seek), length: u64) -> io::Result<String> {
    reader.seek(SeekFrom::Start(0))?;
    let (read, sha256) = manifest::stream_hashed(&mut reader.take(length), &mut |_| Ok(()))?;
    if read < length {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            format!("only {read} of {length} bytes could be read"),
        ));
    }
    Ok(sha256)
}

fn progress_bar(enabled: bool, total: u64) -> indicatif::ProgressBar {
    use std::io::IsTerminal;
    if !enabled || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(total);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {bytes}/{total_bytes} {bytes_per_sec} {eta}")
            .expect("a valid template"),
    );
    bar
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn automatic_sizes_leave_room_and_round_to_mebibytes() {
        assert_eq!(automatic_size(0), 64 * MIB);
        let gib = 1 << 30;
        let size = automatic_size(gib);
        assert!(size > gib + gib / 16 && size.is_multiple_of(MIB));
    }
}
