//! Disk images: a GPT disk with one FAT32 partition, written in one go and read back for verification.

pub mod fat;
pub mod gpt;
pub mod stream;
