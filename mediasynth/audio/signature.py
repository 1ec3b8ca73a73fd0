"""Near-duplicate signatures of recordings: a Haitsma-Kalker style fingerprint.

The first FINGERPRINT_SECONDS of the recording, mixed to mono and resampled to 8 kHz (so a
copy at another rate or through a lossy codec gives the same input), are cut into 64 ms
frames (hop 32 ms); each frame's energies in 33 log-spaced bands between 300 and 2,000 Hz
give 32 bits: the sign of the band-energy difference's change from the previous frame. Two
recordings are near-duplicates when, at the best alignment within +-4 frames, at most
MAX_BIT_ERROR_RATE of their bits differ (distinct recordings give about 0.5) and their
durations agree within 5 %.

The signature is bytes: an 8-byte header (duration in ms, frame count) then 4 bytes a frame.
"""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np

FINGERPRINT_SECONDS = 30.0
RATE_HZ = 8000
FRAME = 512  # 64 ms at 8 kHz
HOP = 256
BANDS = 33
MAX_BIT_ERROR_RATE = 0.30
MAX_SHIFT_FRAMES = 4
MIN_FRAMES = 8


def audio_signature(samples: np.ndarray, sample_rate: int, duration_s: float) -> bytes:
    """Fingerprint of (channels, n) float samples (only the first FINGERPRINT_SECONDS are
    used; `duration_s` is the whole recording's)."""
    import soxr

    mono = np.asarray(samples, np.float32)
    mono = mono.mean(axis=0) if mono.ndim == 2 else mono
    mono = mono[: int(FINGERPRINT_SECONDS * sample_rate)]
    if sample_rate != RATE_HZ and mono.size:
        mono = soxr.resample(mono, sample_rate, RATE_HZ, quality="MQ")
    bits = _bits(mono)
    words = np.packbits(bits, axis=1).view(">u4").ravel() if len(bits) else np.zeros(0, ">u4")
    return struct.pack(">II", int(round(duration_s * 1000)), len(words)) + words.tobytes()


def file_signature(path: Path, max_duration_s: float) -> bytes:
    """Fingerprint of an audio file (decoded with the project's reader)."""
    from mediasynth.io.audio_io import read_audio

    audio = read_audio(path, max_duration_s=max_duration_s)
    return audio_signature(audio.samples, audio.sample_rate, audio.duration_s)


def distance(a: bytes, b: bytes) -> float:
    """Bit error rate at the best alignment (1.0 when the durations disagree or either is
    too short to compare)."""
    dur_a, n_a = struct.unpack(">II", a[:8])
    dur_b, n_b = struct.unpack(">II", b[:8])
    if abs(dur_a - dur_b) > 0.05 * max(dur_a, dur_b, 1) or min(n_a, n_b) < MIN_FRAMES:
        return 1.0
    fa = np.frombuffer(a[8:], ">u4").astype(np.uint32)
    fb = np.frombuffer(b[8:], ">u4").astype(np.uint32)
    best = 1.0
    for shift in range(-MAX_SHIFT_FRAMES, MAX_SHIFT_FRAMES + 1):
        x = fa[max(0, shift):]
        y = fb[max(0, -shift):]
        n = min(len(x), len(y))
        if n < MIN_FRAMES:
            continue
        diff = _ones(x[:n] ^ y[:n])
        best = min(best, float(diff) / (32 * n))
    return best


def _ones(words: np.ndarray) -> int:
    """How many bits are set in `words` (uint32): a population count where NumPy has one
    (2.0+: 8x faster than unpacking, and planning compares every pair of similar length)."""
    if hasattr(np, "bitwise_count"):
        return int(np.bitwise_count(words).sum(dtype=np.int64))
    return int(np.unpackbits(words.view(np.uint8)).sum())


def near_pairs(signatures: dict[str, bytes]) -> list[tuple[str, str, float]]:
    """Pairs (a, b, bit error rate) of near-duplicate recordings, a < b. Candidates are
    first narrowed by duration (sorted; only recordings within 5 % are compared)."""
    keys = sorted(signatures, key=lambda k: (struct.unpack(">I", signatures[k][:4])[0], k))
    durations = [struct.unpack(">I", signatures[k][:4])[0] for k in keys]
    pairs = []
    for i, a in enumerate(keys):
        for j in range(i + 1, len(keys)):
            if durations[j] > durations[i] * 1.05 + 1:
                break
            d = distance(signatures[a], signatures[keys[j]])
            if d <= MAX_BIT_ERROR_RATE:
                pairs.append((*sorted((a, keys[j])), round(d, 4)))
    return sorted(pairs)


def _bits(mono: np.ndarray) -> np.ndarray:
    frames = (len(mono) - FRAME) // HOP + 1
    if frames < 2:
        return np.zeros((0, 32), bool)
    index = np.arange(FRAME)[None, :] + HOP * np.arange(frames)[:, None]
    spectrum = np.abs(np.fft.rfft(mono[index] * np.hanning(FRAME), axis=1)) ** 2
    freqs = np.fft.rfftfreq(FRAME, 1 / RATE_HZ)
    edges = np.geomspace(300.0, 2000.0, BANDS + 1)
    band = np.stack([spectrum[:, (freqs >= lo) & (freqs < hi)].sum(axis=1)
                     for lo, hi in zip(edges[:-1], edges[1:])], axis=1)
    diff = band[:, :-1] - band[:, 1:]
    return (diff[1:] - diff[:-1]) > 0
