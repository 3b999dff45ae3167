//! Shared by the integration tests: a scratch copy of an example profile with everything it names.

#![allow(dead_code)] // each test binary uses its own part of this module

pub mod powershell;
pub mod tools;
pub mod xml;

use assert_cmd::Command;
use std::path::{Path, PathBuf};

pub const EXAMPLES: &[&str] = &["kenpo-kumiai", "fukushi-jimusho"];

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A temporary copy of `examples/`, so a test can change a profile or break a file without touching the repo.
pub struct Scratch {
    pub dir: tempfile::TempDir,
}

impl Scratch {
    pub fn new() -> Scratch {
        let dir = tempfile::tempdir().expect("temporary folder");
        copy_tree(&repo().join("examples"), dir.path());
        Scratch { dir }
    }

    pub fn path(&self, relative: &str) -> PathBuf {
        self.dir.path().join(relative)
    }

    /// The example profile `name`, with `from` replaced by `to` (which must occur).
    pub fn edited_profile(&self, name: &str, from: &str, to: &str) -> PathBuf {
        let path = self.path(&format!("{name}.toml"));
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(from), "`{from}` is not in {name}.toml");
        std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
        path
    }
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

pub fn tanmatsu() -> Command {
    let mut command = Command::cargo_bin("tanmatsu").unwrap();
    command.env("LANG", "C").env_remove("LC_ALL").env_remove("LC_MESSAGES");
    command
}

/// Renders `profile` into the folder `out`; a render that fails fails the test.
pub fn render(profile: &Path, out: &Path) {
    let output = tanmatsu().arg("render").arg(profile).arg("-o").arg(out).output().unwrap();
    assert!(output.status.success(), "render failed: {}", String::from_utf8_lossy(&output.stderr));
}

/// A scratch copy of the examples, with the example `name` rendered into its folder `stick`.
pub fn rendered_example(name: &str) -> (Scratch, PathBuf) {
    let scratch = Scratch::new();
    let out = scratch.path("stick");
    render(&scratch.path(&format!("{name}.toml")), &out);
    (scratch, out)
}

/// Runs a command to its end and returns (exit code, stdout, stderr).
pub fn outcome(command: &mut Command) -> (i32, String, String) {
    let output = command.output().unwrap();
    let code = output.status.code().expect("exited, not killed by a signal (a panic aborts with 101)");
    (code, String::from_utf8(output.stdout).unwrap(), String::from_utf8(output.stderr).unwrap())
}

/// Runs `tanmatsu check` and returns (exit code, stdout, stderr).
pub fn check(profile: &Path, extra: &[&str]) -> (i32, String, String) {
    outcome(tanmatsu().arg("check").arg(profile).args(extra))
}

/// `length` bytes that no compressor can shrink (xorshift), different for each `seed`: WIM resources of real size.
pub fn incompressible(seed: u32, length: usize) -> Vec<u8> {
    let mut state = 0x9E37_79B9u32.wrapping_mul(seed + 1);
    (0..length)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            state as u8
        })
        .collect()
}

/// Writes an organisation template set `name@version` into the scratch copy's `templates/` folder.
pub fn organisation_set(scratch: &Scratch, name: &str, version: u32, files: &[(&str, &str)]) {
    let dir = scratch.path(&format!("templates/{name}"));
    std::fs::create_dir_all(dir.join("partials")).unwrap();
    std::fs::write(
        dir.join("template.toml"),
        format!("name = \"{name}\"\nversion = {version}\nextends = \"builtin@1\"\ndescription = \"test set\"\n"),
    )
    .unwrap();
    for (path, content) in files {
        std::fs::create_dir_all(dir.join(path).parent().unwrap()).unwrap();
        std::fs::write(dir.join(path), content).unwrap();
    }
}
