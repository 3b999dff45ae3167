//! tanmatsu (端末) turns one terminal profile into provisioning media for the integrated dedicated terminal
//! (統合専用端末) of Japan's My Number intermediate server, and checks both against the terminal spec.

pub mod build;
pub mod certificate;
pub mod check;
pub mod cli;
pub mod device;
pub mod diagnostic;
pub mod escape;
pub mod fsutil;
pub mod i18n;
pub mod image;
pub mod init;
pub mod installers;
pub mod layout;
pub mod ledger;
pub mod local_policy;
pub mod manifest;
pub mod net;
pub mod payload;
pub mod policy;
pub mod powershell;
pub mod profile;
pub mod provisioning;
pub mod render;
pub mod report;
pub mod secrets;
pub mod slip;
pub mod spec;
pub mod stick;
pub mod suggest;
pub mod templates;
pub mod timestamp;
pub mod unattend;
pub mod verify;
pub mod windows_media;
pub mod write;
