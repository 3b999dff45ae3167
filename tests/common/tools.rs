//! Running the standard tools that check tanmatsu's output. They are installed by `scripts/test.sh`; a missing tool
//! fails the test loudly rather than letting it pass unchecked.

use std::path::Path;
use std::process::{Command, Output};

/// Runs `program` with `args` and returns its output; panics if it cannot be started.
pub fn run(program: &str, args: &[&str]) -> Output {
    Command::new(program)
        .args(args)
        .env("MTOOLS_SKIP_CHECK", "1")
        .env("LANG", "C.UTF-8")
        .env("LC_ALL", "C.UTF-8")
        .output()
        .unwrap_or_else(|err| panic!("cannot run `{program}` ({err}); ./scripts/test.sh installs the test tools"))
}

/// Like [`run`], and the program must succeed.
pub fn run_ok(program: &str, args: &[&str]) -> String {
    let output = run(program, args);
    assert!(
        output.status.success(),
        "`{program} {}` failed: {}{}",
        args.join(" "),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The image's FAT32 partition, as mtools names it (`image@@offset`): tanmatsu's partition starts at 1 MiB.
pub fn mtools_volume(image: &Path) -> String {
    format!("{}@@1M", image.display())
}

/// Copies the partition out of `image` into `out` (fsck.fat checks a file system, not a disk).
pub fn extract_partition(image: &Path, out: &Path) {
    let text = run_ok("sgdisk", &["-i", "1", &image.display().to_string()]);
    let field = |name: &str| -> u64 {
        let line = text.lines().find(|l| l.starts_with(name)).unwrap_or_else(|| panic!("sgdisk reports {name}"));
        line.split(':').nth(1).unwrap().split_whitespace().next().unwrap().parse().unwrap()
    };
    let (first, last) = (field("First sector"), field("Last sector"));
    let bytes = std::fs::read(image).unwrap();
    std::fs::write(out, &bytes[(first * 512) as usize..((last + 1) * 512) as usize]).unwrap();
}
