#!/usr/bin/env bash
# keysweep against what a user would otherwise run, on the same page-cached,
# dump-like file with keys planted as PEM (ASCII and UTF-16LE) and as DER.
#
#   bash benches/compare.sh [SIZE_MIB]          (default 1024)
#
# Installs the peers it needs from Debian (ripgrep, yara, rsakeyfind,
# aeskeyfind) and PyPI (detect-secrets), then reports, for each tool: the
# best wall time of 3 runs, throughput, and what it found. rg and yara search
# exactly the literals keysweep's prefilter starts from (`keysweep rules
# anchors`: every anchor and keyword in ASCII and UTF-16LE, and the binary
# anchors), without decoding or validating anything: the cost of the first
# pass alone. rg -F with the one literal `PRIVATE KEY` is the floor for any
# scan. detect-secrets is line-oriented Python and runs on the first 64 MiB
# only.
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

# the literals keysweep's prefilter searches, as regular expressions (rg) and
# as hex strings (yara): every tool below does the same first pass
"$bin" rules anchors > "$work/anchors.txt"
n_anchors=$(grep -c . "$work/anchors.txt")
python3 - "$work/anchors.txt" > "$work/anchors.yar" <<'PY'
import re, sys
lines = [l.strip() for l in open(sys.argv[1]) if l.strip()]
print("rule keysweep_anchors {\n  strings:")
for i, l in enumerate(lines):
    body = l[len("(?-u:"):-1]
    data = re.sub(rb"\\x([0-9a-f]{2})", lambda m: bytes([int(m.group(1), 16)]), body.encode())
    print(f"    $a{i} = {{ {' '.join(f'{b:02x}' for b in data)} }}")
print("  condition:\n    any of them\n}")
PY

echo "file: $data ($size_mib MiB, page-cached; 6 keys planted: 2 PEM, 2 UTF-16LE PEM, 2 DER); machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo
echo "| tool | time | throughput | found |"
echo "|---|---|---|---|"
t=$(best "$bin" scan -j "$(nproc)" --format json "$data")
row "keysweep -j $(nproc)" "$t" "$bytes" "$(python3 -c "import json; print(json.load(open('$work/out'))['summary']['findings'], 'keys, each with fingerprint')")"
t=$(best "$bin" scan -j 1 --format json "$data")
row "keysweep -j 1" "$t" "$bytes" "$(python3 -c "import json; print(json.load(open('$work/out'))['summary']['findings'], 'keys')")"
t=$(best rg -U -a -c -f "$work/anchors.txt" "$data")
row "rg, the same $n_anchors literals (from keysweep rules anchors)" "$t" "$bytes" "$(cat "$work/out") matching lines"
t=$(best rg -a -c -F 'PRIVATE KEY' "$data")
row "rg -F PRIVATE KEY (one literal: a floor for any scan)" "$t" "$bytes" "$(cat "$work/out") matching lines"
t=$(best yara -s "$work/anchors.yar" "$data")
row "yara, the same $n_anchors literals" "$t" "$bytes" "$(grep -c '^0x' "$work/out" || true) anchor hits, no keys decoded"
t=$(best rsakeyfind "$data")
row "rsakeyfind" "$t" "$bytes" "$(grep -c 'FOUND PRIVATE KEY' "$work/out" || true) RSA keys"
t=$(best aeskeyfind -q "$data")
row "aeskeyfind" "$t" "$bytes" "$(grep -c . "$work/out" || true) AES keys (none planted)"
if command -v detect-secrets >/dev/null; then
  head -c $((64 << 20)) "$data" > "$work/slice.bin"
  t=$(best detect-secrets scan --all-files "$work/slice.bin")
  row "detect-secrets (first 64 MiB)" "$t" $((64 << 20)) "$(python3 -c "import json; r=json.load(open('$work/out')); print(sum(len(v) for v in r['results'].values()), 'results')")"
fi
