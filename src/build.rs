//! `tanmatsu build`: the provisioning stick as a disk image — GPT, one FAT32 partition of type Microsoft basic data
//! labelled TANMATSU, holding exactly what `render` lays out.
//!
//! Every payload is read once, hashed while it is copied into its contiguous clusters; the scripts that carry those
//! hashes follow; the file-system structures and the partition tables, which depend on where everything went, are
//! written last. The image is `IMAGE.partial` until it is complete and synced; an error or Ctrl-C removes it.

use crate::i18n::os_error;
use crate::image::fat::write::VolumePlan;
use crate::image::fat::{DosTime, Geometry};
use crate::image::gpt::{self, Guid, PartitionSpan};
use crate::image::stream::ImageStream;
use crate::manifest::{self, FileRecord, Manifest};
use crate::profile::LoadedProfile;
use crate::render::{self, RenderError, RenderOptions, io_error};
use crate::timestamp;
use crate::windows_media::WindowsMedia;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
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
    /// What `check` warned of, and an image name no Windows media confirmed.
    pub warnings: Vec<crate::diagnostic::Diagnostic>,
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
                warnings: prepared.warnings.clone(),
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
        .map_err(|err| RenderError::Io { path: path.to_path_buf(), reason: os_error(&err) })?;
    let ours: Vec<String> = prepared.all_paths().iter().map(|p| p.to_lowercase()).collect();
    if let Some(clash) = media.entries().iter().find(|e| {
        let lower = e.destination.to_lowercase();
        ours.contains(&lower) || lower.starts_with(&format!("{}/", crate::layout::MEDIA_DIR))
    }) {
        return Err(RenderError::Io {
            path: path.to_path_buf(),
            reason: crate::t!("build.media-clash", path = &clash.destination),
        });
    }
    Ok(media)
}

fn partial_path(out: &Path) -> PathBuf {
    let mut name = out.file_name().unwrap_or_default().to_os_string();
    name.push(".partial");
    out.with_file_name(name)
}

/// Writes the image front to back. Everything's place is planned first: the sizes of the files tanmatsu writes
/// itself do not depend on the hashes they carry (fixed-length hex), so rendering them with placeholder hashes gives
/// their sizes before any payload is read.
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
    let failed = |err: io::Error| RenderError::Io { path: partial.to_path_buf(), reason: os_error(&err) };
    let placeholder = "0".repeat(64);
    let record =
        |path: &str, size: u64, sha256: &str| FileRecord { path: path.to_string(), size, sha256: sha256.to_string() };
    let media_entries: Vec<_> = media.as_ref().map(|m| m.entries().to_vec()).unwrap_or_default();
    let planned_payloads: Vec<_> = prepared
        .files
        .iter()
        .zip(sizes)
        .map(|(f, size)| (f.clone(), record(&f.destination, *size, &placeholder)))
        .collect();
    let planned_generated = render::generated_files(loaded, prepared, &planned_payloads)?;
    let mut planned_records: Vec<FileRecord> = planned_payloads.iter().map(|(_, r)| r.clone()).collect();
    planned_records.extend(media_entries.iter().map(|e| record(&e.destination, e.size, &placeholder)));
    planned_records
        .extend(planned_generated.iter().map(|(path, bytes)| record(path, bytes.len() as u64, &placeholder)));
    let planned_manifest = manifest::build(prepared, planned_records.clone());
    let mut layout: Vec<(String, u64)> = planned_records.iter().map(|r| (r.path.clone(), r.size)).collect();
    layout.extend(planned_manifest.files().iter().map(|(path, bytes)| (path.clone(), bytes.len() as u64)));

    // Identifiers derive from the media's identity and every file's place and size, as systemd-repart seeds its
    // UUIDs from its inputs; they are needed before the first byte is written.
    let seed = Sha256::digest(format!("{}\n{layout:?}", prepared.media_id).as_bytes());
    let derive = |purpose: &str| -> [u8; 16] {
        Sha256::digest([seed.as_slice(), purpose.as_bytes()].concat())[..16].try_into().expect("16 bytes")
    };
    let serial = u32::from_le_bytes(derive("fat32 volume serial")[..4].try_into().expect("4 bytes"));
    let time = DosTime::from_unix(timestamp::build_time());
    let plan = VolumePlan::new(geometry, span.offset(), &layout, VOLUME_LABEL, time, serial).map_err(failed)?;
    let tables = gpt::tables(
        disk_bytes,
        span,
        Guid::from_hash(derive("gpt disk guid")),
        Guid::from_hash(derive("gpt partition guid")),
        VOLUME_LABEL,
    );

    let mut file = File::options().read(true).write(true).create(true).truncate(true).open(partial).map_err(failed)?;
    file.set_len(disk_bytes).map_err(failed)?;
    let mut stream = ImageStream::new(&mut file).map_err(failed)?;
    stream.write_at(0, &tables.head).map_err(failed)?;
    for (offset, bytes) in plan.metadata() {
        stream.write_at(span.offset() + offset, &bytes).map_err(failed)?;
    }
    let place = |path: &str, size: u64| plan.file_offset(path, size).map(|offset| span.offset() + offset);

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
        let copy_error = |err: io::Error| RenderError::Io { path: media_file.source.clone(), reason: os_error(&err) };
        let mut source = File::open(&media_file.source).map_err(copy_error)?;
        let offset = place(&media_file.destination, *size).map_err(failed)?;
        let sha256 = stream.copy_at(offset, &mut source, *size, &mut tick).map_err(copy_error)?;
        payloads.push((media_file.clone(), record(&media_file.destination, *size, &sha256)));
    }
    let mut records: Vec<FileRecord> = payloads.iter().map(|(_, r)| r.clone()).collect();
    if let Some(media) = media {
        let media_path = options.render.windows_media.clone().unwrap_or_default();
        for (index, entry) in media_entries.iter().enumerate() {
            let offset = place(&entry.destination, entry.size).map_err(failed)?;
            let sha256 = media
                .with_reader(index, |reader| stream.copy_at(offset, reader, entry.size, &mut tick))
                .map_err(|err| RenderError::Io { path: media_path.join(&entry.destination), reason: os_error(&err) })?;
            records.push(record(&entry.destination, entry.size, &sha256));
        }
    }
    bar.finish_and_clear();

    let mut own_files = render::generated_files(loaded, prepared, &payloads)?;
    records.extend(own_files.iter().map(|(path, bytes)| manifest::record_bytes(path, bytes)));
    let manifest = manifest::build(prepared, records);
    own_files.extend(manifest.files());
    for (path, bytes) in &own_files {
        let offset = place(path, bytes.len() as u64).map_err(failed)?;
        stream.write_at(offset, bytes).map_err(failed)?;
    }
    stream.write_at(disk_bytes - tables.tail.len() as u64, &tables.tail).map_err(failed)?;
    let sha256 = stream.finish(disk_bytes).map_err(failed)?;
    Ok((manifest, sha256))
}

/// SHA-256 of the first `length` bytes of `reader`, read sequentially in large blocks.
pub fn hash_stream(reader: &mut (impl Read + Seek), length: u64) -> io::Result<String> {
    reader.seek(SeekFrom::Start(0))?;
    let (read, sha256) = manifest::stream_hashed(&mut reader.take(length), &mut |_| Ok(()))?;
    if read < length {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            crate::t!("build.short-read", read = read, length = length),
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
