//! Writing a disk image front to back in one pass, hashing it as it is written.
//!
//! The image's SHA-256 is computed by a second thread while the first reads, hashes each file and writes; gaps are
//! zeros (the file was created empty and sized, so they cost no writes, only hashing). On Linux, writeback of what is
//! written starts as it goes, so that the final fsync has little left to do.

use crate::msg;
use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::sync::mpsc::{SyncSender, sync_channel};
use std::thread::JoinHandle;

const BLOCK: usize = 4 << 20;
/// Start writeback after this many bytes.
const WRITEBACK_EVERY: u64 = 64 << 20;

enum Piece {
    Data(Vec<u8>),
    Zeros(u64),
}

/// Called with bytes copied; an error (an interruption) aborts the copy.
pub type Progress<'a> = &'a mut dyn FnMut(u64) -> io::Result<()>;

pub struct ImageStream<'f> {
    file: &'f mut File,
    position: u64,
    hasher: Option<(SyncSender<Piece>, JoinHandle<String>)>,
    written_since_writeback: u64,
    writeback_from: u64,
}

impl<'f> ImageStream<'f> {
    /// A stream into `file`, which must be new and already sized (its unwritten bytes read as zeros).
    pub fn new(file: &'f mut File) -> io::Result<ImageStream<'f>> {
        file.seek(SeekFrom::Start(0))?;
        let (sender, receiver) = sync_channel::<Piece>(8);
        let worker = std::thread::spawn(move || {
            let mut hasher = Sha256::new();
            let zeros = vec![0u8; BLOCK];
            for piece in receiver {
                match piece {
                    Piece::Data(bytes) => hasher.update(&bytes),
                    Piece::Zeros(mut count) => {
                        while count > 0 {
                            let take = count.min(BLOCK as u64) as usize;
                            hasher.update(&zeros[..take]);
                            count -= take as u64;
                        }
                    }
                }
            }
            hex::encode(hasher.finalize())
        });
        Ok(ImageStream {
            file,
            position: 0,
            hasher: Some((sender, worker)),
            written_since_writeback: 0,
            writeback_from: 0,
        })
    }

    fn send(&mut self, piece: Piece) -> io::Result<()> {
        let (sender, _) = self.hasher.as_ref().expect("the hasher lives until finish");
        sender.send(piece).map_err(|_| msg!("image.stream.hasher-stopped").io_error(io::ErrorKind::Other))
    }

    /// Moves to `offset`, which must not be behind what is written; the bytes skipped are zeros.
    pub fn skip_to(&mut self, offset: u64) -> io::Result<()> {
        if offset < self.position {
            return Err(msg!("image.stream.backwards", offset = offset, position = self.position)
                .io_error(io::ErrorKind::Other));
        }
        if offset > self.position {
            self.send(Piece::Zeros(offset - self.position))?;
            self.file.seek(SeekFrom::Start(offset))?;
            self.position = offset;
        }
        Ok(())
    }

    fn write_block(&mut self, block: Vec<u8>) -> io::Result<()> {
        self.file.write_all(&block)?;
        self.position += block.len() as u64;
        self.written_since_writeback += block.len() as u64;
        self.send(Piece::Data(block))?;
        if self.written_since_writeback >= WRITEBACK_EVERY {
            self.start_writeback();
        }
        Ok(())
    }

    /// Asks the kernel to start writing back what was written so far, without waiting for it.
    fn start_writeback(&mut self) {
        #[cfg(target_os = "linux")]
        {
            use std::os::unix::io::AsRawFd;
            let length = self.position - self.writeback_from;
            // SAFETY: a valid descriptor and range; the call only schedules I/O.
            unsafe {
                libc::sync_file_range(
                    self.file.as_raw_fd(),
                    self.writeback_from as i64,
                    length as i64,
                    libc::SYNC_FILE_RANGE_WRITE,
                );
            }
        }
        self.writeback_from = self.position;
        self.written_since_writeback = 0;
    }

    /// Writes `bytes` at `offset` (nothing, and no move, for no bytes: an empty file has no place).
    pub fn write_at(&mut self, offset: u64, bytes: &[u8]) -> io::Result<()> {
        if bytes.is_empty() {
            return Ok(());
        }
        self.skip_to(offset)?;
        for chunk in bytes.chunks(BLOCK) {
            self.write_block(chunk.to_vec())?;
        }
        Ok(())
    }

    /// Copies `size` bytes from `source` to `offset`, returning their SHA-256: each byte is read once.
    pub fn copy_at(&mut self, offset: u64, source: &mut dyn Read, size: u64, progress: Progress) -> io::Result<String> {
        if size > 0 {
            self.skip_to(offset)?;
        }
        let mut hasher = Sha256::new();
        let mut copied = 0u64;
        while copied < size {
            let want = BLOCK.min((size - copied) as usize);
            let mut block = vec![0u8; want];
            let mut filled = 0;
            while filled < want {
                let read = source.read(&mut block[filled..])?;
                if read == 0 {
                    return Err(msg!("image.stream.file-shrank").io_error(io::ErrorKind::UnexpectedEof));
                }
                filled += read;
            }
            hasher.update(&block);
            self.write_block(block)?;
            copied += want as u64;
            progress(want as u64)?;
        }
        Ok(hex::encode(hasher.finalize()))
    }

    /// Zeros up to `end`, then waits for the data to be on disk; returns the SHA-256 of the whole image.
    pub fn finish(mut self, end: u64) -> io::Result<String> {
        self.skip_to(end)?;
        self.file.sync_all()?;
        let (sender, worker) = self.hasher.take().expect("finish runs once");
        drop(sender);
        worker.join().map_err(|_| msg!("image.stream.hasher-failed").io_error(io::ErrorKind::Other))
    }
}
