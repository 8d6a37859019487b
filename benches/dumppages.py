"""Write a dump-like image made of 4 KiB pages, for recall at real dump sizes.

    python3 benches/dumppages.py OUT SIZE_MIB [AT_MIB:FILE ...]

Each 4 KiB page is, in a seeded random order, zeros (25%), fresh random
bytes (25%: compressed or encrypted buffers, never repeated), pointer-rich
heap (35%) or ASCII HTTP text (15%). Page-sized random runs between other
pages are what a layout-free key search meets most often in a real dump and
what floods a search that keeps every candidate position. Each FILE is
written whole at AT_MIB MiB, in place of the pages it covers. Deterministic:
the same arguments give the same file.
"""
import random
import struct
import sys

path, size_mib, plants = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
rng = random.Random(11)
PAGE, MIB = 4096, 1 << 20
heap = struct.pack(
    "<%dQ" % (256 * PAGE // 8),
    *[rng.choice([0, 1, 0x7F0000001000 + rng.randrange(1 << 20) * 16, rng.randrange(256)]) for _ in range(256 * PAGE // 8)],
)
text = (b"GET /api/v1/items?id=42 HTTP/1.1\r\nHost: example.internal\r\nAccept: */*\r\n" * 100)[:PAGE]
zero = bytes(PAGE)
planted = {}
for spec in plants:
    at, f = spec.split(":", 1)
    planted[int(at)] = open(f, "rb").read()
with open(path, "wb") as out:
    m = 0
    while m < size_mib:
        if m in planted:
            data = planted[m]
            blocks = -(-len(data) // MIB)
            out.write(data + bytes(blocks * MIB - len(data)))
            m += blocks
            continue
        buf = bytearray()
        for kind in rng.choices("zrht", weights=[25, 25, 35, 15], k=MIB // PAGE):
            if kind == "z":
                buf += zero
            elif kind == "r":
                buf += rng.randbytes(PAGE)
            elif kind == "h":
                o = rng.randrange(256) * PAGE
                buf += heap[o : o + PAGE]
            else:
                buf += text
        out.write(buf)
        m += 1
