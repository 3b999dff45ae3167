#!/usr/bin/env bash
# Benchmark: `tanmatsu build` against the standard-tool pipeline on the same contents.
#
#   tanmatsu      tanmatsu build (release) of the example with a 1 GiB extra payload
#   pipeline      truncate + sgdisk + mkfs.fat + mcopy (of the same rendered tree) + sha256sum of the image
#   copy+hash     cp of the payload + sha256sum of the payload: the floor for anything that copies and hashes
#
# Each is run three times after a warm-up; the best time counts (the page cache is warm for all alike).
# Usage: scripts/bench-build.sh [payload size in MiB, default 1024]
set -euo pipefail
cd "$(dirname "$0")/.."
mib=${1:-1024}
for tool in sgdisk mkfs.fat mcopy sha256sum; do
  command -v "$tool" >/dev/null || { echo "bench needs $tool (./scripts/test.sh installs it)" >&2; exit 2; }
done
cargo build --release --quiet
bin=$PWD/target/release/tanmatsu
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r examples "$work/"
payload="$work/examples/payload/big-installer.exe"
head -c 128 examples/payload/lpls174.exe >"$payload"
head -c $((mib * 1024 * 1024 - 128)) /dev/urandom >>"$payload"
sed -i 's|^\[updates\]|extra = [{ name = "big", installer = "payload/big-installer.exe", arguments = ["/S"], purpose = "benchmark" }]\n\n[updates]|' \
  "$work/examples/kenpo-kumiai.toml"
profile="$work/examples/kenpo-kumiai.toml"
"$bin" render "$profile" -o "$work/tree" 2>/dev/null
size=$(( (mib + mib / 16 + 64) * 1024 * 1024 ))

best() { # best of three wall-clock seconds for the command in "$@"
  "$@" >/dev/null 2>&1
  local best=""
  for _ in 1 2 3; do
    local start end took
    start=$(date +%s.%N)
    "$@" >/dev/null 2>&1
    end=$(date +%s.%N)
    took=$(echo "$end - $start" | bc -l)
    if [ -z "$best" ] || (( $(echo "$took < $best" | bc -l) )); then best=$took; fi
  done
  echo "$best"
}

run_tanmatsu() { rm -f "$work/t.img"; "$bin" build "$profile" -o "$work/t.img"; }
run_pipeline() {
  rm -f "$work/p.img"
  truncate -s "$size" "$work/p.img"
  sgdisk -n 1:2048:0 -t 1:0700 -c 1:TANMATSU "$work/p.img"
  mkfs.fat -F 32 --offset 2048 -n TANMATSU "$work/p.img"
  MTOOLS_SKIP_CHECK=1 mcopy -s -i "$work/p.img@@1M" "$work/tree/autounattend.xml" "$work/tree/tanmatsu" ::/
  sha256sum "$work/p.img"
}
run_copy_hash() { rm -f "$work/copy.exe"; cp "$payload" "$work/copy.exe"; sha256sum "$payload"; }

command -v bc >/dev/null || { echo "bench needs bc" >&2; exit 2; }
t=$(best run_tanmatsu)
p=$(best run_pipeline)
c=$(best run_copy_hash)
printf 'payload            %d MiB\n' "$mib"
printf 'tanmatsu build     %6.2f s\n' "$t"
printf 'standard pipeline  %6.2f s   (tanmatsu is %.1fx faster)\n' "$p" "$(echo "$p / $t" | bc -l)"
printf 'cp + sha256sum     %6.2f s   (tanmatsu takes %.2fx as long)\n' "$c" "$(echo "$t / $c" | bc -l)"
