//! Writing an image to a stick and proving it: large aligned writes, a flush to the device, then a read of
//! everything back from the device itself (O_DIRECT, not the page cache) compared by SHA-256.

use sha2::{Digest, Sha256};
use std::io::{self, Read};

/// Bytes per write and per read: a multiple of every flash erase block and of O_DIRECT's alignment.
pub const BLOCK: usize = 4 << 20;

/// The two phases of a write, for progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Writing,
    Verifying,
}

/// Called with the phase and the bytes it has just done.
pub type Progress<'a> = &'a mut dyn FnMut(Phase, u64);

/// Where an image goes. The block device is the real one; tests use doubles.
pub trait Target {
    /// Writes `block` at byte `offset` (offsets and lengths are multiples of 512).
    fn write_block(&mut self, offset: u64, block: &[u8]) -> io::Result<()>;
    /// Makes everything written durable on the device.
    fn flush(&mut self) -> io::Result<()>;
    /// Reads `buffer.len()` bytes at `offset` from the device itself, bypassing any cache.
    fn read_block(&mut self, offset: u64, buffer: &mut [u8]) -> io::Result<()>;
}

/// What a write did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    pub bytes: u64,
    pub sha256: String,
}

#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("{}", crate::msg!("write.io", reason = .0))]
    Io(#[from] io::Error),
    #[error("{}", crate::msg!("write.mismatch", written = .written, read = .read))]
    Mismatch { written: String, read: String },
}

/// Writes `length` bytes of `image` to `target`, flushes, reads them back and compares.
pub fn write_and_verify(
    image: &mut dyn Read,
    length: u64,
    target: &mut dyn Target,
    progress: Progress,
) -> Result<Written, WriteError> {
    let mut buffer = AlignedBuffer::new(BLOCK);
    let mut hasher = Sha256::new();
    let mut offset = 0u64;
    while offset < length {
        let chunk = (length - offset).min(BLOCK as u64) as usize;
        image.read_exact(&mut buffer.bytes_mut()[..chunk])?;
        hasher.update(&buffer.bytes_mut()[..chunk]);
        target.write_block(offset, &buffer.bytes_mut()[..chunk])?;
        offset += chunk as u64;
        progress(Phase::Writing, chunk as u64);
    }
    target.flush()?;
    let written = hex::encode(hasher.finalize());

    let mut hasher = Sha256::new();
    let mut offset = 0u64;
    while offset < length {
        let chunk = (length - offset).min(BLOCK as u64) as usize;
        target.read_block(offset, &mut buffer.bytes_mut()[..chunk])?;
        hasher.update(&buffer.bytes_mut()[..chunk]);
        offset += chunk as u64;
        progress(Phase::Verifying, chunk as u64);
    }
    let read = hex::encode(hasher.finalize());
    if read != written {
        return Err(WriteError::Mismatch { written, read });
    }
    Ok(Written { bytes: length, sha256: written })
}

/// A buffer aligned to 4096 bytes, as O_DIRECT requires.
pub struct AlignedBuffer {
    pointer: *mut u8,
    layout: std::alloc::Layout,
}

impl AlignedBuffer {
    pub fn new(size: usize) -> AlignedBuffer {
        let layout = std::alloc::Layout::from_size_align(size, 4096).expect("a valid layout");
        // SAFETY: the layout has a non-zero size; the memory is zeroed, so every byte is initialised.
        let pointer = unsafe { std::alloc::alloc_zeroed(layout) };
        if pointer.is_null() {
            std::alloc::handle_alloc_error(layout);
        }
        AlignedBuffer { pointer, layout }
    }

    pub fn bytes_mut(&mut self) -> &mut [u8] {
        // SAFETY: the pointer is valid for `layout.size()` initialised bytes for as long as `self` lives.
        unsafe { std::slice::from_raw_parts_mut(self.pointer, self.layout.size()) }
    }
}

impl Drop for AlignedBuffer {
    fn drop(&mut self) {
        // SAFETY: allocated in `new` with this layout.
        unsafe { std::alloc::dealloc(self.pointer, self.layout) }
    }
}

#[cfg(target_os = "linux")]
pub mod block_device {
    //! A Linux block device, opened exclusively (O_EXCL: the kernel refuses while anything has it mounted or open
    //! exclusively), read back with O_DIRECT.

    use super::Target;
    use std::fs::{File, OpenOptions};
    use std::io;
    use std::os::unix::fs::{FileExt, OpenOptionsExt};
    use std::path::Path;

    pub struct BlockDevice {
        writer: File,
        reader: File,
    }

    impl BlockDevice {
        pub fn open(path: &Path) -> io::Result<BlockDevice> {
            let writer = OpenOptions::new().write(true).custom_flags(libc::O_EXCL).open(path).map_err(|err| {
                if err.raw_os_error() == Some(libc::EBUSY) {
                    io::Error::new(io::ErrorKind::ResourceBusy, crate::t!("write.busy", path = path.display()))
                } else {
                    err
                }
            })?;
            let reader = OpenOptions::new().read(true).custom_flags(libc::O_DIRECT).open(path)?;
            Ok(BlockDevice { writer, reader })
        }
    }

    impl Target for BlockDevice {
        fn write_block(&mut self, offset: u64, block: &[u8]) -> io::Result<()> {
            self.writer.write_all_at(block, offset)
        }

        fn flush(&mut self) -> io::Result<()> {
            self.writer.sync_all()
        }

        fn read_block(&mut self, offset: u64, buffer: &mut [u8]) -> io::Result<()> {
            self.reader.read_exact_at(buffer, offset)
        }
    }
}
