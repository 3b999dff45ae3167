#!/usr/bin/env bash
# The whole test suite. It first installs the system tools the tests use as oracles, where they are missing
# (Debian/Ubuntu, as root or with sudo); then it runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."

# command → Debian package. Tests call these tools to check tanmatsu's output; none of them are ours.
declare -A tools=(
  [openssl]=openssl
)

missing=()
for tool in "${!tools[@]}"; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("${tools[$tool]}")
done
if ((${#missing[@]})); then
  echo "installing test tools: ${missing[*]}" >&2
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

cargo test --all-targets "$@"
