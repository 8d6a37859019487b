#!/usr/bin/env bash
# Recall at real dump sizes: three live OpenSSL processes, each holding its
# own RSA key (2048, 3072 and 4096 bits: limb arrays, no PEM, no DER), are
# dumped with gcore; their cores are written at the start, the middle and
# the end of a dump-like image of 4 KiB pages (benches/dumppages.py), and
# keysweep must rebuild all three keys from the raw image (no container, so
# no addresses and no BIGNUM records: the layout-free search alone).
#
#   bash benches/recall.sh [SIZE_GIB] [THREADS]      (default 8 GiB, 2 threads)
#
# Needs gcc, libssl-dev, gdb (gcore), openssl, python3, ptrace permission and
# SIZE_GIB of free space in TMPDIR. Reports wall time, throughput, peak
# anonymous memory (RssAnon, sampled every 20 ms: what the 256 MiB bound is
# about) and peak resident set (file pages of the mapped image included).
set -euo pipefail
size_gib=${1:-8}
threads=${2:-2}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
cargo build --release --quiet
bin="$root/target/release/keysweep"
work=$(mktemp -d "${TMPDIR:-/tmp}/keysweep-recall.XXXXXX")
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

gcc -O1 -o "$work/live" fixtures/src/live.c -lcrypto
cores=()
fingerprints=()
for bits in 2048 3072 4096; do
  key="$work/rsa$bits.pem"
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:$bits -out "$key" 2>/dev/null
  fingerprints+=("$(openssl pkey -in "$key" -pubout -outform DER | sha256sum | cut -d' ' -f1)")
  ready="$work/ready$bits"
  "$work/live" "$ready" --rsa "$key" &
  pid=$!
  for _ in $(seq 200); do [ -f "$ready" ] && break; sleep 0.05; done
  [ -f "$ready" ] || { echo "live process did not start" >&2; exit 1; }
  gcore -o "$work/core$bits" "$pid" >/dev/null 2>&1
  kill "$pid"; wait "$pid" 2>/dev/null || true
  cores+=("$work/core$bits.$pid")
done

size_mib=$((size_gib * 1024))
image="$work/image.bin"
echo "writing a $size_gib GiB image with the keys at 1 MiB, $((size_mib / 2)) MiB and $((size_mib - 8)) MiB"
python3 benches/dumppages.py "$image" "$size_mib" \
  "1:${cores[0]}" "$((size_mib / 2)):${cores[1]}" "$((size_mib - 8)):${cores[2]}"

report="$work/report.json"
t0=$(date +%s%N)
"$bin" scan -j "$threads" --format json -o "$report" "$image" &
pid=$!
anon=0
rss=0
while kill -0 "$pid" 2>/dev/null; do
  if read -r a r < <(awk '/^RssAnon/ {a=$2} /^VmHWM/ {r=$2} END {print a, r}' "/proc/$pid/status" 2>/dev/null); then
    [ -n "$a" ] && [ "$a" -gt "$anon" ] && anon=$a
    [ -n "$r" ] && [ "$r" -gt "$rss" ] && rss=$r
  fi
  sleep 0.02
done
wait "$pid" || true
t1=$(date +%s%N)

python3 - "$report" "$t0" "$t1" "$anon" "$rss" "$size_mib" "${fingerprints[@]}" <<'PY'
import json, sys
report, t0, t1, anon, rss, size_mib, *fps = sys.argv[1:]
r = json.load(open(report))
secs = (int(t1) - int(t0)) / 1e9
found = {f.get("fingerprint"): f for f in r["findings"]}
inp = r["inputs"][0]
print(f"image: {int(size_mib) >> 10} GiB; coverage {inp['coverage']['status']}; warnings: {inp.get('warnings') or 'none'}")
print(f"time {secs:.1f} s ({int(size_mib) * 2**20 / secs / 1e9:.2f} GB/s); peak anonymous {int(anon) // 1024} MiB; peak resident {int(rss) // 1024} MiB")
ok = True
for place, fp in zip(["start", "middle", "end"], fps):
    f = found.get(fp)
    if f:
        d = any(c["name"] == "d" for c in f["components"])
        print(f"{place}: {f['key']['bits']}-bit RSA key rebuilt at offset {f['offset']} (d located: {d})")
    else:
        print(f"{place}: key {fp[:16]} NOT FOUND")
        ok = False
sys.exit(0 if ok else 1)
PY
