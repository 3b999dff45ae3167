//! Windows installation media: a Microsoft ISO (UDF) or an extracted folder — the images its install image holds,
//! and its files as they go onto the stick, with an install.wim too large for FAT32 split into `.swm` parts.

/// The language the answer file sets for Windows PE and the installed system (`UILanguage`, `SystemLocale`, …).
pub const ANSWER_FILE_LANGUAGE: &str = "ja-JP";

pub mod split;
pub mod udf;
pub mod wim;

use crate::msg;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use udf::{UdfFile, UdfReader};

/// The install image files Windows Setup looks for, in its order.
const INSTALL_IMAGES: &[&str] = &["sources/install.wim", "sources/install.esd", "sources/install.swm"];

/// Reading a range of a file: a WIM's header and tables sit anywhere in gigabytes.
pub trait ReadAt {
    fn read_at(&mut self, offset: u64, buffer: &mut [u8]) -> io::Result<()>;
}

impl ReadAt for File {
    fn read_at(&mut self, offset: u64, buffer: &mut [u8]) -> io::Result<()> {
        self.seek(SeekFrom::Start(offset))?;
        self.read_exact(buffer)
    }
}

/// One file of a UDF volume, for range reads and streaming.
pub struct UdfFileReader<'a> {
    reader: &'a mut UdfReader<File>,
    file: UdfFile,
    position: u64,
}

impl ReadAt for UdfFileReader<'_> {
    fn read_at(&mut self, offset: u64, buffer: &mut [u8]) -> io::Result<()> {
        self.reader.read_at(&self.file, offset, buffer)
    }
}

impl Read for UdfFileReader<'_> {
    fn read(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
        let take = ((self.file.size - self.position) as usize).min(buffer.len()).min(4 << 20);
        if take == 0 {
            return Ok(0);
        }
        self.reader.read_at(&self.file, self.position, &mut buffer[..take])?;
        self.position += take as u64;
        Ok(take)
    }
}

enum Source {
    Folder { root: PathBuf, files: Vec<(String, u64)> },
    Iso { reader: UdfReader<File>, files: Vec<UdfFile> },
}

impl Source {
    fn open(media: &Path) -> io::Result<Source> {
        if media.is_dir() {
            let files = crate::manifest::walk(media)
                .map_err(|(_, err)| err)?
                .into_iter()
                .map(|(relative, path)| Ok((relative, std::fs::metadata(path)?.len())))
                .collect::<io::Result<_>>()?;
            return Ok(Source::Folder { root: media.to_path_buf(), files });
        }
        let (reader, files) = UdfReader::open(File::open(media)?)?;
        Ok(Source::Iso { reader, files })
    }

    /// Every file as (path, size).
    fn files(&self) -> Vec<(String, u64)> {
        match self {
            Source::Folder { files, .. } => files.clone(),
            Source::Iso { files, .. } => files.iter().map(|f| (f.path.clone(), f.size)).collect(),
        }
    }

    /// A reader for the file at `index` of [`Source::files`], for streaming and for range reads.
    fn open_file(&mut self, index: usize) -> io::Result<Box<dyn ReadSeekAt + '_>> {
        match self {
            Source::Folder { root, files } => Ok(Box::new(File::open(root.join(&files[index].0))?)),
            Source::Iso { reader, files } => {
                Ok(Box::new(UdfFileReader { file: files[index].clone(), reader, position: 0 }))
            }
        }
    }
}

/// A file that can be streamed and read by range.
pub trait ReadSeekAt: Read + ReadAt {}
impl<T: Read + ReadAt> ReadSeekAt for T {}

/// What a file on the stick is made from.
#[derive(Debug, Clone)]
enum Content {
    /// A file of the media, copied as it is.
    File(usize),
    /// A part of the media's install.wim.
    Part { source: usize, part: split::Part },
}

/// One file the media put on the stick.
#[derive(Debug, Clone)]
pub struct MediaEntry {
    /// The path on the stick, `/`-separated.
    pub destination: String,
    pub size: u64,
    content: Content,
}

/// Windows installation media, opened for copying onto a stick.
pub struct WindowsMedia {
    source: Source,
    entries: Vec<MediaEntry>,
}

impl WindowsMedia {
    /// Opens the media at `path`; an install image larger than `split_size` (or than FAT32 allows) is planned as
    /// `.swm` parts of at most `split_size` bytes of resources.
    pub fn open(path: &Path, split_size: u64) -> io::Result<WindowsMedia> {
        let mut source = Source::open(path)?;
        let mut entries = Vec::new();
        for (index, (file, size)) in source.files().into_iter().enumerate() {
            let lower = file.to_ascii_lowercase();
            let is_install = lower == "sources/install.wim" || lower == "sources/install.esd";
            if is_install && (size > split_size || size > crate::image::fat::MAX_FILE_SIZE) {
                let folder = &file[..file.len() - "install.wim".len()];
                let parts = split::plan(source.open_file(index)?.as_mut(), split_size, "install")?;
                entries.extend(parts.into_iter().map(|part| MediaEntry {
                    destination: format!("{folder}{}", part.name),
                    size: part.size(),
                    content: Content::Part { source: index, part },
                }));
            } else {
                entries.push(MediaEntry { destination: file, size, content: Content::File(index) });
            }
        }
        Ok(WindowsMedia { source, entries })
    }

    pub fn entries(&self) -> &[MediaEntry] {
        &self.entries
    }

    /// Streams the entry at `index` to `consume`.
    pub fn with_reader<T>(
        &mut self,
        index: usize,
        consume: impl FnOnce(&mut dyn Read) -> io::Result<T>,
    ) -> io::Result<T> {
        match self.entries[index].content.clone() {
            Content::File(file) => consume(self.source.open_file(file)?.as_mut()),
            Content::Part { source, part } => {
                let mut file = self.source.open_file(source)?;
                let mut reader = split::PartReader::new(&part, file.as_mut());
                consume(&mut reader)
            }
        }
    }
}

/// The images of the media's install image, with the install image's path on the media.
pub fn install_images(media: &Path) -> io::Result<(String, Vec<wim::Image>)> {
    let mut source = Source::open(media)?;
    let files = source.files();
    let (index, path) = INSTALL_IMAGES
        .iter()
        .find_map(|wanted| files.iter().position(|(p, _)| p.eq_ignore_ascii_case(wanted)).map(|i| (i, *wanted)))
        .ok_or_else(|| {
            msg!("windows-media.no-install-image", path = media.display()).io_error(io::ErrorKind::NotFound)
        })?;
    let mut file = source.open_file(index)?;
    let mut header = vec![0u8; wim::HEADER_SIZE];
    file.read_at(0, &mut header)?;
    let header = wim::parse_header(&header)?;
    if header.xml.stored_size > 64 << 20 {
        return Err(msg!("windows-media.xml-too-large").invalid_data());
    }
    let mut xml = vec![0u8; header.xml.stored_size as usize];
    file.read_at(header.xml.offset, &mut xml)?;
    Ok((path.to_string(), wim::parse_images(&xml)?))
}
