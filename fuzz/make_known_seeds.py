#!/usr/bin/env python3
"""Write seeds/known: the private halves of the keys the `known` target
knows (fixtures/keys/rsa2048-pkcs1.pem, named by keys/known/idp-jwks.json,
and keys/ec-p256-sec1.pem, named by keys/known/ec-p256-cert.pem) laid out
in memory the ways the known-key search looks for them: the public value
(big-endian, little-endian, base64url) with a factor or the scalar near it,
in both byte orders, between filler bytes. Paths are taken from where
the script lies, so it runs from any directory."""
import base64
import os
import random

from cryptography.hazmat.primitives.serialization import load_pem_private_key

here = os.path.dirname(os.path.abspath(__file__))
keys = os.path.join(here, "..", "fixtures", "keys")
out = os.path.join(here, "seeds", "known")
rng = random.Random(7)  # fixed, so the seeds are the same bytes every time


def load(name):
    with open(os.path.join(keys, name), "rb") as f:
        return load_pem_private_key(f.read(), None)


def be(v, size):
    return v.to_bytes(size, "big")


def le(v, size):
    return v.to_bytes(size, "little")


def filler(n):
    return bytes(rng.randrange(256) for _ in range(n))


rsa = load("rsa2048-pkcs1.pem").private_numbers()
n, p = rsa.public_numbers.n, rsa.p
ec = load("ec-p256-sec1.pem").private_numbers()
x, d = ec.public_numbers.x, ec.private_value
pad = b"\0" * 24
seeds = {
    "rsa-be.bin": be(n, 256) + pad + be(p, 128),
    "rsa-le.bin": le(n, 256) + pad + le(p, 128),
    # the factor 8-aligned in the file, as a heap block would be
    "rsa-b64url.bin": b'{"n":"'
    + base64.urlsafe_b64encode(be(n, 256)).rstrip(b"=")
    + b'"}\0\0'
    + pad
    + le(p, 128),
    "ec-be.bin": be(x, 32) + pad + be(d, 32),
    "ec-le.bin": le(x, 32) + pad + le(d, 32),
}
os.makedirs(out, exist_ok=True)
for name, body in sorted(seeds.items()):
    with open(os.path.join(out, name), "wb") as f:
        f.write(filler(64) + body + filler(64))
