"""audio/signature.py: the distance between fingerprints (a population count of their XOR
at the best of 9 alignments) is exactly the bit error rate counted bit by bit."""

from __future__ import annotations

import struct

import numpy as np

from mediasynth.audio import signature as S


def _reference_distance(a: bytes, b: bytes) -> float:
    dur_a, n_a = struct.unpack(">II", a[:8])
    dur_b, n_b = struct.unpack(">II", b[:8])
    if abs(dur_a - dur_b) > 0.05 * max(dur_a, dur_b, 1) or min(n_a, n_b) < S.MIN_FRAMES:
        return 1.0
    fa = np.frombuffer(a[8:], ">u4").astype(np.uint32)
    fb = np.frombuffer(b[8:], ">u4").astype(np.uint32)
    best = 1.0
    for shift in range(-S.MAX_SHIFT_FRAMES, S.MAX_SHIFT_FRAMES + 1):
        x, y = fa[max(0, shift):], fb[max(0, -shift):]
        n = min(len(x), len(y))
        if n >= S.MIN_FRAMES:
            bits = sum(bin(int(v)).count("1") for v in (x[:n] ^ y[:n]))
            best = min(best, bits / (32 * n))
    return best


def _signature(words: np.ndarray, duration_ms: int) -> bytes:
    return struct.pack(">II", duration_ms, len(words)) + words.astype(">u4").tobytes()


def test_distance_is_the_bit_error_rate_counted_bit_by_bit():
    rng = np.random.default_rng(3)
    for case in range(300):
        n = int(rng.integers(1, 80))
        a = rng.integers(0, 2**32, n, dtype=np.uint64).astype(np.uint32)
        if case % 3 == 0:  # a near copy, shifted by a few frames, some bits flipped
            shift = int(rng.integers(-4, 5))
            b = np.roll(a, shift) ^ (rng.random(n) < 0.1).astype(np.uint32) << 7
        else:
            b = rng.integers(0, 2**32, int(rng.integers(1, 80)), dtype=np.uint64).astype(np.uint32)
        sa = _signature(a, 1000)
        sb = _signature(b, int(rng.choice([1000, 1040, 1200])))
        assert S.distance(sa, sb) == _reference_distance(sa, sb)


def test_near_pairs_finds_a_flipped_copy_and_not_strangers():
    rng = np.random.default_rng(4)
    base = rng.integers(0, 2**32, 60, dtype=np.uint64).astype(np.uint32)
    copy = base ^ np.uint32(1)  # one bit of 32 per frame: rate 1/32
    other = rng.integers(0, 2**32, 60, dtype=np.uint64).astype(np.uint32)
    sigs = {"a": _signature(base, 2000), "b": _signature(copy, 2010),
            "c": _signature(other, 2000)}
    assert S.near_pairs(sigs) == [("a", "b", round(1 / 32, 4))]
