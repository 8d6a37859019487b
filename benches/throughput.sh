#!/usr/bin/env bash
# Whole-binary throughput on a page-cached, dump-like file.
#
#   bash benches/throughput.sh [SIZE_MIB]      (default 1024)
#
# Builds the release binary, writes SIZE_MIB of dump-like data (zero pages,
# random pages, pointer-rich heap pages, ASCII and UTF-16LE text) with four
# fixture keys planted in it, reads it once so it is in the page cache, then
# times `keysweep scan` with 1 thread and with every core, best of 5 runs each.
# It checks that the planted keys are found before it reports any figure.
set -euo pipefail
size_mib=${1:-1024}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
cargo build --release --quiet
bin="$root/target/release/keysweep"
data=${KEYSWEEP_BENCH_FILE:-/tmp/keysweep-dumplike-${size_mib}MiB.bin}

if [ ! -f "$data" ] || [ "$(stat -c %s "$data")" -ne $((size_mib << 20)) ]; then
  python3 benches/dumplike.py "$data" "$size_mib" pem:fixtures/keys/rsa2048-pkcs1.pem pem:fixtures/keys/ec-p256-sec1.pem \
    wide:fixtures/keys/rsa2048-pkcs1.pem wide:fixtures/keys/ec-p256-sec1.pem
fi
cat "$data" > /dev/null   # into the page cache

# (keysweep exits 1 when it finds something: that is expected here)
found=$( { "$bin" scan --format json "$data" || true; } | python3 -c 'import json,sys; print(json.load(sys.stdin)["summary"]["findings"])')
[ "$found" = 4 ] || { echo "expected 4 planted keys, found $found" >&2; exit 1; }

best() { # THREADS [OPTIONS] -> best wall time of 5 runs, seconds (nanosecond clock)
  local t0 t1 t best=999 j=$1
  shift
  for _ in 1 2 3 4 5; do
    t0=$(date +%s%N)
    "$bin" scan -j "$j" "$@" --format json -o /dev/null "$data" || true
    t1=$(date +%s%N)
    t=$(python3 -c "print(($t1 - $t0) / 1e9)")
    best=$(python3 -c "print(min($best, $t))")
  done
  echo "$best"
}
bytes=$((size_mib << 20))
echo "file: $data ($size_mib MiB, page-cached); machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
for j in 1 $(nproc); do
  t=$(best "$j")
  python3 -c "print(f'keysweep -j $j (all detectors): {$t:.3f} s  {($bytes / $t) / 1e9:.2f} GB/s')"
  for only in pem pem,der,blob,jwk,ppk aes bignum tokens; do
    t=$(best "$j" --detectors "$only")
    python3 -c "print(f'keysweep -j $j --detectors $only: {$t:.3f} s  {($bytes / $t) / 1e9:.2f} GB/s')"
  done
done
if command -v rg >/dev/null; then
  # rg over exactly the literals keysweep's prefilter searches (every anchor
  # and keyword, ASCII and UTF-16LE, and the binary anchors), then over one
  rg_time() {
    local t0 t1
    t0=$(date +%s%N); rg "$@" "$data" >/dev/null || true; t1=$(date +%s%N)
    python3 -c "print(($t1 - $t0) / 1e9)"
  }
  "$bin" rules anchors > /tmp/keysweep-anchors.txt
  t=$(rg_time -U -a -c -f /tmp/keysweep-anchors.txt)
  python3 -c "print(f'rg, the same $(grep -c . /tmp/keysweep-anchors.txt) literals: {$t:.3f} s  {($bytes / $t) / 1e9:.2f} GB/s')"
  t=$(rg_time -a -c -F 'PRIVATE KEY')
  python3 -c "print(f'rg -F PRIVATE KEY (one literal): {$t:.3f} s  {($bytes / $t) / 1e9:.2f} GB/s')"
fi
