"""Write a dump-like file for throughput measurements.

    python3 benches/dumplike.py OUT SIZE_MIB [MODE:KEYFILE ...]

1 MiB blocks in a fixed pattern: zero pages (25%), random pages (35%),
pointer-rich heap pages (25%), ASCII HTTP text (10%) and UTF-16LE text (5%).
Each KEYFILE is planted 4 KiB into its own block, as `pem` (bytes as they
are), `wide` (UTF-16LE) or `bin` (bytes as they are, a binary structure).
Deterministic: the same arguments give the same file.
"""
import random
import struct
import sys

path, size_mib, plants = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
rng = random.Random(7)
MIB = 1 << 20
text = (b"GET /api/v1/items?id=42 HTTP/1.1\r\nHost: example.internal\r\nAccept: */*\r\n" * 15000)[:MIB]
wide = bytes(b for c in text[: MIB // 2] for b in (c, 0))
rnd = rng.randbytes(8 * MIB)
heap = struct.pack(
    "<%dQ" % (MIB // 8),
    *[rng.choice([0, 1, 0x7F0000001000 + rng.randrange(1 << 20) * 16, rng.randrange(256)]) for _ in range(MIB // 8)],
)
planted = {}
for i, spec in enumerate(plants):
    mode, key = spec.split(":", 1)
    data = open(key, "rb").read()
    if mode == "wide":
        data = bytes(b for c in data for b in (c, 0))
    planted[(i * 97 + 13) % size_mib] = data
with open(path, "wb") as out:
    for i in range(size_mib):
        kind = i % 20
        if kind < 5:
            block = bytes(MIB)
        elif kind < 12:
            block = rnd[(i % 8) * MIB : (i % 8 + 1) * MIB]
        elif kind < 17:
            block = heap
        elif kind < 19:
            block = text
        else:
            block = wide
        if i in planted:
            block = bytearray(block)
            p = planted[i]
            block[4096 : 4096 + len(p)] = p
            block = bytes(block)
        out.write(block)
