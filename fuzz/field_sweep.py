#!/usr/bin/env python3
"""Field sweep: every header, directory, descriptor and note field of real dumps set to hostile values.

libFuzzer mutates bytes at random; this sweep is systematic. For each dump it
finds every structure a parser reads (minidump header, stream directory and
the first bytes of every stream; ELF header, program headers and note
segments), sets each field in turn to boundary values (0, 1, all ones, the
sign bit, the file's length and its neighbours, the old value plus or minus
one, ...), and scans the mutants with the release binary in batches, each
batch with two canary key files around it. It checks, for every mutant:

- keysweep exits 0, 1 or 2 (never a signal), within the batch time limit;
- the report is valid JSON Lines and lists the mutant as an input;
- both canary keys are found (a bad file never hides another file's keys);
- every key found in the intact dump is found in the mutant: the sweep only
  touches metadata, so the key bytes are still there and must still be
  scanned (bytes outside every region are scanned as metadata).

Usage: python3 fuzz/field_sweep.py [--keysweep PATH] [DUMP ...]
(default: a set of fixture and public dumps; `DUMP+memory64` first moves a
minidump's MemoryList into a Memory64List, as full-memory Windows dumps keep
their ranges, and zeroes the old copy of the data). Prints one line per dump
and exits 1 if any check failed.
"""

import argparse
import json
import os
import resource
import shutil
import struct
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_DUMPS = [
    "fixtures/dumps/pem-ascii.dmp",
    "fixtures/dumps/pem-utf16.dmp",
    "fixtures/dumps/live-keys.dmp",
    "fixtures/dumps/tokens.dmp",
    "fixtures/public-minidumps/breakpad-linux_raise_sigabrt.dmp",
    "fixtures/public-minidumps/breakpad-minidump2.dmp",
    "fixtures/public-minidumps/breakpad-tiny-exe-fastfail.dmp",
    "fixtures/public-minidumps/rust-minidump-simple-crashpad.dmp",
    "fixtures/dumps/pem-ascii.dmp+memory64",
    "fixtures/dumps/live-keys.dmp+memory64",
    "fixtures/dumps/pem-ascii.core",
    "fixtures/dumps/live-keys.core",
    "fixtures/dumps/tokens.kernel.core",
    "fixtures/dumps/freed-kernel.kernel.core",
]
CANARIES = ["fixtures/keys/rsa2048-pkcs1.pem", "fixtures/keys/ec-p256-sec1.pem"]
BATCH = 250
BATCH_SECONDS = 300
STREAM_BYTES = 2048  # of each minidump stream, the part swept
NOTE_BYTES = 1024  # of each ELF note segment, the part swept


def u(fmt, b, off):
    try:
        return struct.unpack_from(fmt, b, off)[0]
    except struct.error:
        return None


def minidump_slots(b):
    """(offset, width) of every field a minidump parser reads first."""
    slots = [(o, 4) for o in range(0, 24, 4)] + [(24, 8)]
    n, rva = u("<I", b, 8), u("<I", b, 12)
    for i in range(min(n or 0, 64)):
        e = rva + 12 * i
        if e + 12 > len(b):
            break
        slots += [(e, 4), (e + 4, 4), (e + 8, 4)]
        size, srva = u("<I", b, e + 4), u("<I", b, e + 8)
        end = min(srva + min(size, STREAM_BYTES), len(b))
        slots += [(o, 4) for o in range(srva, end - 3, 4)]
        slots += [(o, 8) for o in range(srva, end - 7, 8)]
    return slots


def elf_slots(b):
    """(offset, width) of every ELF header, program header and note field."""
    slots = [(o, 2) for o in range(16, 24, 2)] + [(o, 2) for o in range(48, 64, 2)]
    slots += [(20, 4), (24, 8), (32, 8), (40, 8), (44, 4)]
    phoff, phnum = u("<Q", b, 32), u("<H", b, 56)
    for i in range(min(phnum or 0, 4096)):
        p = phoff + 56 * i
        if p + 56 > len(b):
            break
        slots += [(p, 4), (p + 4, 4)] + [(p + o, 8) for o in range(8, 56, 8)]
        if u("<I", b, p) == 4:  # PT_NOTE
            off, size = u("<Q", b, p + 8), u("<Q", b, p + 32)
            end = min(off + min(size, NOTE_BYTES), len(b))
            slots += [(o, 4) for o in range(off, end - 3, 4)]
    return slots


def values(old, width, flen):
    top = (1 << (8 * width)) - 1
    vs = {0, 1, top, top - 1, 1 << (8 * width - 1), (1 << (8 * width - 1)) - 1,
          old + 1, old - 1, old * 2, old ^ (1 << (8 * width - 1))}
    if width >= 4:
        vs |= {flen - 1, flen, flen + 1, flen // 2, 4096}
    if width == 8:
        vs |= {old + 4096, old | (1 << 40), top - 4095}
    return sorted({v & top for v in vs} - {old})


def to_memory64(b):
    """The minidump `b` with its MemoryList rewritten as a Memory64List at its end."""
    n_streams, dir_rva = struct.unpack_from("<II", b, 8)
    for i in range(n_streams):
        entry = dir_rva + 12 * i
        if struct.unpack_from("<I", b, entry)[0] == 5:
            break
    else:
        raise ValueError("no MemoryList stream")
    rva = struct.unpack_from("<I", b, entry + 8)[0]
    n = struct.unpack_from("<I", b, rva)[0]
    ranges = [struct.unpack_from("<QII", b, rva + 4 + 16 * i) for i in range(n)]
    out = bytearray(b)
    out += bytes(-len(out) % 8)
    stream = len(out)
    out += struct.pack("<QQ", n, stream + 16 + 16 * n)
    for start, size, _ in ranges:
        out += struct.pack("<QQ", start, size)
    for _, size, data in ranges:
        out += b[data : data + size]
        out[data : data + size] = bytes(size)  # only the new copy holds the memory
    struct.pack_into("<III", out, entry, 9, 16 + 16 * n, stream)
    return bytes(out)


def mutants(path):
    b = open(path, "rb").read()
    fmt = {2: "<H", 4: "<I", 8: "<Q"}
    slots = minidump_slots(b) if b[:4] == b"MDMP" else elf_slots(b) if b[:4] == b"\x7fELF" else []
    seen = set()
    for off, width in slots:
        if (off, width) in seen or off + width > len(b):
            continue
        seen.add((off, width))
        old = u(fmt[width], b, off)
        for v in values(old, width, len(b)):
            m = bytearray(b)
            struct.pack_into(fmt[width], m, off, v)
            yield f"{off:x}w{width}v{v:x}", bytes(m)


def scan(keysweep, paths):
    """Runs keysweep on paths; returns (exit code, {path: fingerprints}, {path: input line}, seconds)."""
    t = time.monotonic()
    p = subprocess.run(
        [keysweep, "scan", "-q", "-j1", "--format", "jsonl", *paths],
        capture_output=True, timeout=BATCH_SECONDS,
    )
    secs = time.monotonic() - t
    found, inputs = {}, {}
    for line in p.stdout.splitlines():
        o = json.loads(line)
        if o["type"] == "finding" and o.get("fingerprint"):
            found.setdefault(o["path"], set()).add((o["rule_id"], o["fingerprint"]))
        elif o["type"] == "input":
            inputs[o["path"]] = o
    return p.returncode, found, inputs, secs


def sweep(keysweep, dump, tmp):
    base_rc, base_found, base_in, _ = scan(keysweep, [dump])
    if base_rc not in (0, 1):
        print(f"FAIL {dump}: intact dump exits {base_rc}", flush=True)
        return [f"{dump}: intact dump exits {base_rc}"], 0, 0.0
    expected = base_found.get(dump, set())
    failures, count, slowest = [], 0, 0.0
    reported = 0  # failures printed so far: a long sweep shows them as they come
    canaries = []
    for i, c in enumerate(CANARIES):
        dst = os.path.join(tmp, f"{i}-canary.pem")
        shutil.copy(os.path.join(ROOT, c), dst)
        canaries.append(dst)
    _, canary_found, _, _ = scan(keysweep, canaries)
    gen = mutants(dump)
    while True:
        batch = []
        for name, data in gen:
            p = os.path.join(tmp, f"m-{name}")
            with open(p, "wb") as f:
                f.write(data)
            batch.append(p)
            if len(batch) == BATCH:
                break
        if not batch:
            break
        count += len(batch)
        paths = [canaries[0], *batch, canaries[1]]
        try:
            rc, found, inputs, secs = scan(keysweep, paths)
        except subprocess.TimeoutExpired:
            failures.append(f"{dump}: batch from {batch[0]} timed out")
            rc, found, inputs, secs = None, {}, {}, BATCH_SECONDS
        slowest = max(slowest, secs / len(batch))
        if rc is not None and rc not in (0, 1, 2):
            failures.append(f"{dump}: batch from {batch[0]} exits {rc}")
        for c in canaries:
            if found.get(c, set()) != canary_found.get(c, set()):
                failures.append(f"{dump}: batch from {batch[0]}: canary {c} not found")
        for p in batch:
            if p not in inputs:
                failures.append(f"{p}: not listed as an input")
            missing = expected - found.get(p, set())
            if missing:
                failures.append(f"{p}: hides {sorted(missing)}")
            os.unlink(p)
        for f in failures[reported:]:
            print("FAIL", f, flush=True)
        reported = len(failures)
    return failures, count, slowest


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--keysweep", default=os.path.join(ROOT, "target/release/keysweep"))
    ap.add_argument("dumps", nargs="*")
    a = ap.parse_args()
    dumps = a.dumps or [os.path.join(ROOT, d) for d in DEFAULT_DUMPS]
    all_failures, total = [], 0
    with tempfile.TemporaryDirectory() as tmp:
        for d in dumps:
            label = os.path.relpath(d, ROOT)
            if d.endswith("+memory64"):
                src = d.removesuffix("+memory64")
                d = os.path.join(tmp, os.path.basename(src) + ".memory64")
                with open(d, "wb") as f:
                    f.write(to_memory64(open(src, "rb").read()))
            t = time.monotonic()
            failures, n, slowest = sweep(a.keysweep, d, tmp)
            total += n
            all_failures += failures
            print(f"{label}: {n} mutants in {time.monotonic() - t:.0f} s, "
                  f"slowest batch {slowest * 1000:.1f} ms a mutant, {len(failures)} failures", flush=True)
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024
    print(f"total: {total} mutants, {len(all_failures)} failures, peak keysweep RSS {rss} MB")
    sys.exit(1 if all_failures else 0)


if __name__ == "__main__":
    main()
