"""Room reverb by convolution, and lossy (MP3) compression artefacts."""

from __future__ import annotations

import io

import numpy as np


def synthetic_impulse_response(*, sample_rate: int, rt60_s: float, seed: int,
                               channels: int = 1) -> np.ndarray:
    """Exponentially decaying noise whose level falls 60 dB in `rt60_s`, with a direct
    path at t = 0; unit energy."""
    n = max(int(rt60_s * sample_rate), 8)
    rng = np.random.default_rng(seed)
    t = np.arange(n) / sample_rate
    decay = 10.0 ** (-3.0 * t / rt60_s)
    ir = rng.standard_normal((channels, n)) * decay
    ir[:, 0] = 1.0
    return (ir / np.sqrt(np.sum(ir**2, axis=1, keepdims=True))).astype(np.float32)


def convolve_reverb(samples: np.ndarray, ir: np.ndarray, *, wet: float) -> np.ndarray:
    """Mix `samples` with their convolution by `ir` (C or 1 channels); length kept, wet
    part scaled to the dry RMS so `wet` is a true mix ratio."""
    from scipy.signal import oaconvolve

    if ir.shape[0] != samples.shape[0]:
        ir = np.repeat(ir[:1], samples.shape[0], axis=0)
    conv = oaconvolve(samples, ir, mode="full", axes=1)[:, : samples.shape[1]]
    dry_rms = np.sqrt(np.mean(samples.astype(np.float64) ** 2))
    wet_rms = np.sqrt(np.mean(conv.astype(np.float64) ** 2))
    if wet_rms > 0:
        conv *= dry_rms / wet_rms
    return ((1.0 - wet) * samples + wet * conv).astype(np.float32)


MP3_RATES = (8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000)


def mp3_roundtrip(samples: np.ndarray, *, sample_rate: int, compression_level: float) -> np.ndarray:
    """Encode to MP3 (libsndfile/LAME, constant bitrate; level 0 best, 1 worst) and decode
    back; the length is kept. Rates MP3 cannot hold are resampled there and back."""
    import soundfile as sf

    from mediasynth.audio.functional.stretch import resample

    rate = min(MP3_RATES, key=lambda r: abs(r - sample_rate))
    work = resample(samples, from_hz=sample_rate, to_hz=rate) if rate != sample_rate else samples
    channels = work.shape[0]
    mixed = work if channels <= 2 else work.mean(axis=0, keepdims=True)
    buf = io.BytesIO()
    sf.write(buf, np.clip(mixed.T, -1, 1), rate, format="MP3",
             compression_level=float(compression_level), bitrate_mode="CONSTANT")
    buf.seek(0)
    decoded, _ = sf.read(buf, dtype="float32", always_2d=True)
    decoded = decoded.T
    if decoded.shape[0] != channels:
        decoded = np.repeat(decoded[:1], channels, axis=0)
    if rate != sample_rate:
        decoded = resample(decoded, from_hz=rate, to_hz=sample_rate)
    n = samples.shape[1]
    out = np.zeros_like(samples)
    m = min(n, decoded.shape[1])
    out[:, :m] = decoded[:, :m]
    return out
