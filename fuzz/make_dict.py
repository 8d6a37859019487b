#!/usr/bin/env python3
"""Writes fuzz/keysweep.dict, the libFuzzer dictionary of the `scan` and `container` targets.

Its words are what the scan's first pass searches (`keysweep rules anchors`:
every anchor and keyword in ASCII and UTF-16LE, and the binary magics) plus
the container magics and a few structural strings, so the fuzzer splices
them into inputs instead of having to guess them byte by byte.

Usage: python3 fuzz/make_dict.py [--keysweep PATH]
"""

import argparse
import os
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXTRA = [
    b"MDMP",
    b"\x7fELF",
    b"-----BEGIN ",
    b"-----END ",
    b"openssh-key-v1\x00",
    b"ssh-rsa",
    b"ssh-ed25519",
    b"eyJhbGciOi",
    b'"d":"',
    b'"kty":"RSA"',
    b'"kty":"EC"',
    b'"kty":"OKP"',
    b'"crv":"P-256"',
]


def literal(regex):
    """The bytes a `(?-u:...)` line of `keysweep rules anchors` matches."""
    body = regex.removeprefix("(?-u:").removesuffix(")")
    out, i = bytearray(), 0
    while i < len(body):
        if body[i] == "\\" and body[i + 1] == "x":
            out.append(int(body[i + 2 : i + 4], 16))
            i += 4
        elif body[i] == "\\":
            out.append(ord(body[i + 1]))
            i += 2
        else:
            out.append(ord(body[i]))
            i += 1
    return bytes(out)


def escape(word):
    return "".join(
        chr(b) if 0x20 <= b < 0x7F and chr(b) not in '"\\' else f"\\x{b:02X}" for b in word
    )


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--keysweep", default=os.path.join(ROOT, "target/release/keysweep"))
    a = ap.parse_args()
    lines = subprocess.run(
        [a.keysweep, "rules", "anchors"], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    words = list(dict.fromkeys([literal(l) for l in lines if l] + EXTRA))
    with open(os.path.join(ROOT, "fuzz/keysweep.dict"), "w") as f:
        for w in words:
            f.write(f'"{escape(w)}"\n')
    print(f"fuzz/keysweep.dict: {len(words)} words")


if __name__ == "__main__":
    main()
