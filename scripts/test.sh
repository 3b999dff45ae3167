#!/usr/bin/env bash
# The whole test suite. It first installs the system tools the tests use as oracles, where they are missing
# (Debian/Ubuntu, as root or with sudo); then it runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."

# file or command → Debian package. Tests call these tools to check tanmatsu's output; none of them are ours.
declare -A tools=(
  [openssl]=openssl
  [losetup]=mount
  [genisoimage]=genisoimage
  [mkudffs]=udftools
  [wimlib-imagex]=wimtools
  [chromium]=chromium
  [/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc]=fonts-noto-cjk
  [sha256sum]=coreutils
  [sgdisk]=gdisk
  [fsck.fat]=dosfstools
  [fatlabel]=dosfstools
  [mcopy]=mtools
  [qemu-system-x86_64]=qemu-system-x86
  [grub-mkstandalone]=grub-common
  [/usr/lib/grub/x86_64-efi/normal.mod]=grub-efi-amd64-bin
  [/usr/share/OVMF/OVMF_CODE_4M.fd]=ovmf
  # Samba's Registry.pol parser, for the local Group Policy (run with /usr/bin/python3, Debian's own).
  [/usr/lib/python3/dist-packages/samba/gp_parse/gp_pol.py]=python3-samba
  # Wine's cscript and VBScript engine, for the disk guard that Windows Setup runs in Windows PE.
  [wine]=wine
  [/usr/lib/wine/wine64]=wine64
)

missing=()
for tool in "${!tools[@]}"; do
  case "$tool" in
    /*) [ -e "$tool" ] || missing+=("${tools[$tool]}") ;;
    *) command -v "$tool" >/dev/null 2>&1 || missing+=("${tools[$tool]}") ;;
  esac
done
mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u | sed '/^$/d')
if ((${#missing[@]})); then
  echo "installing test tools: ${missing[*]}" >&2
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

cargo test --all-targets "$@"
