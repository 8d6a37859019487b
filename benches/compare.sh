#!/usr/bin/env bash
# keysweep against what a user would otherwise run, on the same page-cached,
# dump-like file with keys planted as PEM (ASCII and UTF-16LE) and as DER.
#
#   bash benches/compare.sh [SIZE_MIB]          (default 1024)
#
# Installs the peers it needs from Debian (ripgrep, yara, rsakeyfind,
# aeskeyfind) and PyPI (detect-secrets), then reports, for each tool: the
# best wall time of 3 runs, throughput, and what it found. rg -F searches the
# same literal anchors keysweep's prefilter starts from: a floor for any
# literal scan, not a key finder. yara gets equivalent rules (anchors only,
# no decoding or validation). detect-secrets is line-oriented Python and runs
# on the first 64 MiB only.
set -euo pipefail
size_mib=${1:-1024}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
need=()
for tool in rg:ripgrep yara:yara rsakeyfind:rsakeyfind aeskeyfind:aeskeyfind; do
  command -v "${tool%%:*}" >/dev/null || need+=("${tool#*:}")
done
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq && apt-get install -y -qq "${need[@]}" >/dev/null
fi
command -v detect-secrets >/dev/null || python3 -m pip install --quiet detect-secrets >/dev/null 2>&1 || true
cargo build --release --quiet
bin="$root/target/release/keysweep"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
data=${KEYSWEEP_COMPARE_FILE:-/tmp/keysweep-compare-${size_mib}MiB.bin}
k=fixtures/keys
if [ ! -f "$data" ] || [ "$(stat -c %s "$data")" -ne $((size_mib << 20)) ]; then
  python3 benches/dumplike.py "$data" "$size_mib" pem:$k/rsa2048-pkcs1.pem pem:$k/ec-p256-sec1.pem \
    wide:$k/rsa3072-pkcs8.pem wide:$k/ed25519-pkcs8.pem bin:$k/der/rsa2048-pkcs1.der bin:$k/der/ec-p384-pkcs8.der
fi
cat "$data" > /dev/null
bytes=$((size_mib << 20))

best() { # COMMAND... -> best wall time of 3 runs (s); output of the last run in $work/out
  local t0 t1 best=999
  for _ in 1 2 3; do
    t0=$(date +%s%N)
    "$@" > "$work/out" 2>/dev/null || true
    t1=$(date +%s%N)
    best=$(python3 -c "print(min($best, ($t1 - $t0) / 1e9))")
  done
  echo "$best"
}
row() { # NAME SECONDS BYTES FOUND
  python3 -c "print(f'| $1 | {$2:.3f} s | {($3 / $2) / 1e9:.2f} GB/s | $4 |')"
}

cat > "$work/anchors.yar" <<'YARA'
rule keysweep_anchors {
  strings:
    $pem = "PRIVATE KEY" ascii wide
    $kty = "\"kty\"" ascii wide
    $ppk = "PuTTY-User-Key-File-" ascii wide
    $ssh = "openssh-key-v1"
    $der1 = { 02 01 00 02 8? }
    $der8 = { 02 01 0? 30 }
    $sec1 = { 02 01 01 04 }
    $p12 = { 02 01 03 30 }
    $capi = "RSA2"
    $kdbm = "KDBM"
    $jks = { FE ED FE ED }
  condition:
    any of them
}
YARA

echo "file: $data ($size_mib MiB, page-cached; 6 keys planted: 2 PEM, 2 UTF-16LE PEM, 2 DER); machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo
echo "| tool | time | throughput | found |"
echo "|---|---|---|---|"
t=$(best "$bin" scan -j "$(nproc)" --format json "$data")
row "keysweep -j $(nproc)" "$t" "$bytes" "$(python3 -c "import json; print(json.load(open('$work/out'))['summary']['findings'], 'keys, each with fingerprint')")"
t=$(best "$bin" scan -j 1 --format json "$data")
row "keysweep -j 1" "$t" "$bytes" "$(python3 -c "import json; print(json.load(open('$work/out'))['summary']['findings'], 'keys')")"
t=$(best rg -a -c -F -e 'PRIVATE KEY' -e '"kty"' -e 'PuTTY-User-Key-File-' -e 'openssh-key-v1' -e RSA2 -e KDBM "$data")
row "rg -F (ASCII anchors only)" "$t" "$bytes" "$(cat "$work/out") matching lines"
t=$(best yara -s "$work/anchors.yar" "$data")
row "yara (same anchors, ascii+wide)" "$t" "$bytes" "$(grep -c '^0x' "$work/out" || true) anchor hits"
t=$(best rsakeyfind "$data")
row "rsakeyfind" "$t" "$bytes" "$(grep -c 'FOUND PRIVATE KEY' "$work/out" || true) RSA keys"
t=$(best aeskeyfind -q "$data")
row "aeskeyfind" "$t" "$bytes" "$(grep -c . "$work/out" || true) AES keys (none planted)"
if command -v detect-secrets >/dev/null; then
  head -c $((64 << 20)) "$data" > "$work/slice.bin"
  t=$(best detect-secrets scan --all-files "$work/slice.bin")
  row "detect-secrets (first 64 MiB)" "$t" $((64 << 20)) "$(python3 -c "import json; r=json.load(open('$work/out')); print(sum(len(v) for v in r['results'].values()), 'results')")"
fi
