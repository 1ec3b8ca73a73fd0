"""Per-output randomness.

Each output gets its own generator from `SeedSequence(root_seed, spawn_key=(stable_hash(rel_path),
variant))`, so a result depends only on (seed, source path, variant): not on processing order,
worker count, executor, or which other files exist. Never use Python's salted `hash()` here.
"""

from __future__ import annotations

import hashlib

import numpy as np


def stable_hash(text: str) -> int:
    """A 63-bit hash of `text` that is the same in every process and on every machine."""
    digest = hashlib.blake2b(text.encode("utf-8", "surrogateescape"), digest_size=8).digest()
    return int.from_bytes(digest, "little") >> 1


def output_seed(root_seed: int, rel_path: str, variant: int) -> np.random.SeedSequence:
    """The SeedSequence of output `variant` of the source at relative POSIX path `rel_path`."""
    if int(root_seed) < 0:
        raise ValueError(f"seed must be non-negative, got {root_seed}")
    return np.random.SeedSequence(int(root_seed), spawn_key=(stable_hash(rel_path), int(variant)))


def output_rng(root_seed: int, rel_path: str, variant: int) -> np.random.Generator:
    """A fresh PCG64 generator for one output."""
    return np.random.Generator(np.random.PCG64(output_seed(root_seed, rel_path, variant)))


def seed_record(root_seed: int, rel_path: str, variant: int, attempt: int = 0) -> dict:
    """The JSON-safe description of an output's seed stored in the manifest. `attempt` > 0
    (a redraw after a byte-identical output) extends the spawn key; attempt 0 is exactly
    `output_seed`."""
    key = [stable_hash(rel_path), int(variant)] + ([int(attempt)] if attempt else [])
    return {"root": int(root_seed), "spawn_key": key}


def rng_from_record(record: dict) -> np.random.Generator:
    """Rebuild the generator described by `seed_record`."""
    ss = np.random.SeedSequence(int(record["root"]), spawn_key=tuple(record["spawn_key"]))
    return np.random.Generator(np.random.PCG64(ss))
