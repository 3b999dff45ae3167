#!/usr/bin/env bash
# Regenerates answerfiles/<example>.xml from examples/<example>.toml after an intended change to what Windows Setup
# sees. Review the diff (`git diff answerfiles/`) before committing: it is exactly what changes on the terminals.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --quiet
mkdir -p answerfiles
for profile in examples/*.toml; do
  case "$profile" in *.secrets.toml) continue ;; esac
  name=$(basename "$profile" .toml)
  out=$(mktemp -d)
  ./target/debug/tanmatsu render "$profile" -o "$out/media"
  cp "$out/media/autounattend.xml" "answerfiles/$name.xml"
  rm -rf "$out"
done
