//! Windows installation media: a Microsoft ISO (UDF) or an extracted folder, and the images its install.wim holds.

pub mod udf;
pub mod wim;

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;
use udf::{UdfFile, UdfReader};

/// The install image files Windows Setup looks for, in its order.
const INSTALL_IMAGES: &[&str] = &["sources/install.wim", "sources/install.esd", "sources/install.swm"];

/// The images of the media's install image, with the install image's path on the media.
pub fn install_images(media: &Path) -> io::Result<(String, Vec<wim::Image>)> {
    if media.is_dir() {
        let found = INSTALL_IMAGES.iter().find(|p| media.join(p).is_file()).ok_or_else(|| no_install_image(media))?;
        let mut file = File::open(media.join(found))?;
        let images = read_images(&mut |offset, buffer| {
            file.seek(SeekFrom::Start(offset))?;
            file.read_exact(buffer)
        })?;
        return Ok((found.to_string(), images));
    }
    let (mut reader, files) = UdfReader::open(File::open(media)?)?;
    let find = |wanted: &str| files.iter().find(|f| f.path.eq_ignore_ascii_case(wanted));
    let (path, file): (&str, &UdfFile) =
        INSTALL_IMAGES.iter().find_map(|p| find(p).map(|f| (*p, f))).ok_or_else(|| no_install_image(media))?;
    let file = file.clone();
    let images = read_images(&mut |offset, buffer| reader.read_at(&file, offset, buffer))?;
    Ok((path.to_string(), images))
}

fn no_install_image(media: &Path) -> io::Error {
    io::Error::new(
        io::ErrorKind::NotFound,
        format!("`{}` has no sources/install.wim, install.esd or install.swm", media.display()),
    )
}

/// Reads the header and the XML resource through `read_at(offset, buffer)`.
fn read_images(read_at: &mut dyn FnMut(u64, &mut [u8]) -> io::Result<()>) -> io::Result<Vec<wim::Image>> {
    let mut header = vec![0u8; wim::HEADER_SIZE];
    read_at(0, &mut header)?;
    let header = wim::parse_header(&header)?;
    if header.xml.stored_size > 64 << 20 {
        return Err(io::Error::new(io::ErrorKind::InvalidData, "the WIM's XML data is implausibly large"));
    }
    let mut xml = vec![0u8; header.xml.stored_size as usize];
    read_at(header.xml.offset, &mut xml)?;
    wim::parse_images(&xml)
}
