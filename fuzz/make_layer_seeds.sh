#!/usr/bin/env bash
# Write seeds/layers: one small input per wrapper the layers target peels,
# made by the real tools from a fixture key and a public minidump.
#   ./make_layer_seeds.sh        (from fuzz/; needs gzip zstd xz lz4 bzip2 tar zip python3)
set -euo pipefail
cd "$(dirname "$0")"
out=seeds/layers
rm -rf "$out" && mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp ../fixtures/keys/ec-p256-sec1.pem "$work/key.pem"
cp ../fixtures/public-minidumps/breakpad-minidump2.dmp "$work/small.dmp"
(
  cd "$work"
  gzip -c key.pem >key.pem.gz
  zstd -q -c key.pem >key.pem.zst
  xz -c key.pem >key.pem.xz
  lz4 -q -c key.pem >key.pem.lz4
  bzip2 -c key.pem >key.pem.bz2
  tar cf both.tar key.pem small.dmp
  tar czf both.tgz key.pem
  zip -q both.zip key.pem small.dmp
  zip -q -0 stored.zip key.pem
)
cp "$work"/*.gz "$work"/*.zst "$work"/*.xz "$work"/*.lz4 "$work"/*.bz2 "$work"/*.tar "$work"/*.tgz "$work"/*.zip "$out"/
python3 - "$work/small.dmp" "$work/key.pem" "$out" <<'PY'
import base64, gzip, sys, zlib
dmp, key, out = open(sys.argv[1], "rb").read(), open(sys.argv[2], "rb").read(), sys.argv[3]
# an apport .crash: the key as a gzip-framed CoreDump, one base64 line a block
c = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
blocks = [b"\x1f\x8b\x08\x08\0\0\0\0\x02\xffCoreDump\0", c.compress(key), c.flush() + zlib.crc32(key).to_bytes(4, "little") + len(key).to_bytes(4, "little")]
crash = b"ProblemType: Crash\nProcCmdline: demo\nCoreDump: base64\n " + b"\n ".join(base64.b64encode(b) for b in blocks if b) + b"\nDate: now\n"
open(f"{out}/demo.crash", "wb").write(crash)
# a Sentry envelope with the minidump as an attachment
env = b'{"event_id":"9ec79c33ec9942ab8353589fcb2e04dc"}\n' + b'{"type":"attachment","length":%d,"filename":"a.dmp"}\n' % len(dmp) + dmp + b"\n"
open(f"{out}/demo.envelope", "wb").write(env)
# a multipart upload body
b = b"----b0undary"
body = b"--" + b + b'\r\nContent-Disposition: form-data; name="upload_file_minidump"; filename="a.dmp"\r\n\r\n' + dmp + b"\r\n--" + b + b"--\r\n"
open(f"{out}/demo.body", "wb").write(body)
PY
ls -la "$out"
