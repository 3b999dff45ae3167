#!/usr/bin/env bash
# Regenerates the files that the example profiles and the tests carry: a test certificate authority, device
# certificates in PKCS#12 files, and placeholder payloads. They are made once and committed; run this again only
# to change them (for example, before the example certificates expire in 2045).
#
# Every file made here is marked as an example: certificate subjects carry TANMATSU-EXAMPLE and payloads carry
# TANMATSU-EXAMPLE-PLACEHOLDER, so that `tanmatsu check` warns that media built from them are not for a real
# terminal. Needs: openssl (3.x), python3.
set -euo pipefail
cd "$(dirname "$0")/.."

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# A certificate authority, run with `openssl ca` because it takes fixed validity dates (start and end), so that
# the files do not depend on the day they are made.
new_ca() { # dir subject startdate enddate [signing-ca-dir]
  local dir=$1 subject=$2 start=$3 end=$4 parent=${5:-}
  mkdir -p "$dir/new"
  : >"$dir/index.txt"
  echo 1000 >"$dir/serial"
  cat >"$dir/openssl.cnf" <<CNF
[ca]
default_ca = ca_default
[ca_default]
dir = $dir
database = $dir/index.txt
new_certs_dir = $dir/new
serial = $dir/serial
default_md = sha256
policy = any
unique_subject = no
copy_extensions = none
[any]
commonName = supplied
organizationName = optional
countryName = optional
[ca_ext]
basicConstraints = critical, CA:true
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[device_ext]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[server_ext]
basicConstraints = critical, CA:false
extendedKeyUsage = serverAuth
CNF
  openssl genpkey -quiet -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$dir/key.pem"
  openssl req -new -key "$dir/key.pem" -subj "$subject" -out "$dir/req.pem"
  if [ -z "$parent" ]; then
    openssl ca -batch -notext -selfsign -config "$dir/openssl.cnf" -keyfile "$dir/key.pem" \
      -startdate "$start" -enddate "$end" -extensions ca_ext -in "$dir/req.pem" -out "$dir/cert.pem" 2>/dev/null
  else
    issue "$parent" "$dir/req.pem" "$start" "$end" ca_ext "$dir/cert.pem"
  fi
}

issue() { # ca-dir request startdate enddate extensions out
  openssl ca -batch -notext -config "$1/openssl.cnf" -cert "$1/cert.pem" -keyfile "$1/key.pem" \
    -startdate "$3" -enddate "$4" -extensions "$5" -in "$2" -out "$6" 2>/dev/null
}

# device ca-dir name startdate enddate password out.pfx [extensions] [extra openssl pkcs12 options...]
device() {
  local ca=$1 name=$2 start=$3 end=$4 password=$5 out=$6 ext=${7:-device_ext}
  shift 7 || shift $#
  openssl genpkey -quiet -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$work/$name.key"
  openssl req -new -key "$work/$name.key" -subj "/O=TANMATSU-EXAMPLE/CN=$name" -out "$work/$name.req"
  issue "$ca" "$work/$name.req" "$start" "$end" "$ext" "$work/$name.pem"
  openssl pkcs12 -export -inkey "$work/$name.key" -in "$work/$name.pem" -certfile "$ca/cert.pem" \
    -name "$name" -passout "pass:$password" "$@" -out "$out"
}

root="$work/root"
new_ca "$root" "/O=TANMATSU-EXAMPLE/CN=TANMATSU-EXAMPLE Root CA (not for real terminals)" 20250101000000Z 20450101000000Z
other="$work/other"
new_ca "$other" "/O=TANMATSU-EXAMPLE/CN=TANMATSU-EXAMPLE Unrelated CA" 20250101000000Z 20450101000000Z

# The examples.
certs=examples/certs
mkdir -p "$certs"
openssl x509 -in "$root/cert.pem" -outform DER -out "$certs/example-root-ca.cer"
password=example-only-pfx-password
printf '%s\n' "$password" >"$certs/device.pfx.password"
device "$root" CHUKAN-T01 20250101000000Z 20450101000000Z "$password" "$certs/CHUKAN-T01.pfx"
device "$root" FUKUSHI-T01 20250101000000Z 20450101000000Z "$password" "$certs/FUKUSHI-T01.pfx"

# Fixtures for the tests: what goes wrong with real certificates.
fixtures=tests/fixtures/certs
mkdir -p "$fixtures"
openssl x509 -in "$root/cert.pem" -out "$fixtures/example-root-ca.pem"
device "$root" EXPIRED-T01 20200101000000Z 20210101000000Z "$password" "$fixtures/expired.pfx"
device "$root" EXPIRING-T01 20250101000000Z 20260301000000Z "$password" "$fixtures/expires-2026-03-01.pfx"
device "$other" STRANGER-T01 20250101000000Z 20450101000000Z "$password" "$fixtures/other-ca.pfx"
device "$root" SERVER-T01 20250101000000Z 20450101000000Z "$password" "$fixtures/server-only.pfx" server_ext
# The older encryption many issuers still use: 3DES with a SHA-1 MAC.
device "$root" LEGACY-T01 20250101000000Z 20450101000000Z "$password" "$fixtures/legacy-3des.pfx" device_ext \
  -keypbe PBE-SHA1-3DES -certpbe PBE-SHA1-3DES -macalg sha1

# Placeholder payloads: the smallest files that carry the right signature, and the marker.
python3 - <<'PY'
import os, struct
marker = b"\r\nTANMATSU-EXAMPLE-PLACEHOLDER: not real software; media built with this file are for trying tanmatsu only.\r\n"
def pe():
    header = bytearray(0x80)
    header[0:2] = b"MZ"
    header[0x3C:0x40] = struct.pack("<I", 0x40)
    header[0x40:0x44] = b"PE\0\0"
    return bytes(header) + marker
signatures = {
    ".exe": pe(),
    ".msi": bytes.fromhex("D0CF11E0A1B11AE1") + bytes(24) + marker,
    ".msu": b"MSCF" + bytes(32) + marker,
    ".cab": b"MSCF" + bytes(32) + marker,
}
files = [
    "examples/payload/AcroRdrDCx642500120432_ja_JP.exe",
    "examples/payload/lpls174.exe",
    "examples/payload/7z2409-x64.msi",
    "examples/payload/mpam-fe.exe",
    "examples/payload/updates/windows11.0-kb5043080-x64.msu",
    "examples/payload/updates/windows11.0-kb5048667-x64.msu",
    "examples/payload/updates-win10/windows10.0-kb5048652-x64.msu",
]
for path in files:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(signatures[os.path.splitext(path)[1]])
PY
echo "example files written"
