"""Levels: RMS, gain, fades, normalization (peak, RMS, BS.1770 loudness), clipping."""

from __future__ import annotations

import numpy as np

EPS = 1e-12


def db_to_amplitude(db: float) -> float:
    return float(10.0 ** (db / 20.0))


def amplitude_to_db(amplitude: float) -> float:
    return float(20.0 * np.log10(max(float(amplitude), EPS)))


def rms(samples: np.ndarray) -> float:
    """Root mean square over all channels and frames."""
    if samples.size == 0:
        return 0.0
    return float(np.sqrt(np.mean(np.square(samples, dtype=np.float64))))


def gain(samples: np.ndarray, *, gain_db: float) -> np.ndarray:
    """Multiply by 10^(gain_db / 20)."""
    return (samples * np.float32(db_to_amplitude(gain_db))).astype(np.float32)


def gain_transition(
    samples: np.ndarray, *, start_db: float, end_db: float, start_frame: int, length_frames: int
) -> np.ndarray:
    """Hold `start_db` until `start_frame`, move linearly in dB to `end_db` over
    `length_frames`, then hold `end_db` (a fade in or out)."""
    n = samples.shape[1]
    idx = np.arange(n, dtype=np.float64)
    ramp = np.clip((idx - start_frame) / max(length_frames, 1), 0.0, 1.0)
    curve_db = start_db + (end_db - start_db) * ramp
    return (samples * (10.0 ** (curve_db / 20.0))).astype(np.float32)


def normalize(samples: np.ndarray, *, sample_rate: int, mode: str, target_db: float) -> np.ndarray:
    """Scale so the peak (dBFS), RMS (dBFS) or integrated loudness (LUFS) hits `target_db`.
    Silence is returned unchanged (never divided by zero)."""
    if mode == "peak":
        level = float(np.max(np.abs(samples))) if samples.size else 0.0
        current = amplitude_to_db(level) if level > 0 else None
    elif mode == "rms":
        level = rms(samples)
        current = amplitude_to_db(level) if level > 0 else None
    elif mode == "loudness":
        current = integrated_loudness(samples, sample_rate=sample_rate)
    else:
        raise ValueError(f"unknown normalize mode {mode!r}")
    if current is None or not np.isfinite(current):
        return samples.copy()
    return gain(samples, gain_db=target_db - current)


def _k_weighting_sos(sample_rate: int) -> np.ndarray:
    """ITU-R BS.1770-4 K-weighting (shelf + high-pass) for any sample rate."""
    import math

    # pre-filter (high shelf), coefficients derived from the analog prototype
    f0, gain_db, q = 1681.974450955533, 3.999843853973347, 0.7071752369554196
    k = math.tan(math.pi * f0 / sample_rate)
    vh = 10 ** (gain_db / 20)
    vb = vh ** 0.4996667741545416
    a0 = 1 + k / q + k * k
    shelf = [(vh + vb * k / q + k * k) / a0, 2 * (k * k - vh) / a0,
             (vh - vb * k / q + k * k) / a0, 1.0, 2 * (k * k - 1) / a0, (1 - k / q + k * k) / a0]
    f0, q = 38.13547087602444, 0.5003270373238773
    k = math.tan(math.pi * f0 / sample_rate)
    a0 = 1 + k / q + k * k
    highpass = [1.0, -2.0, 1.0, 1.0, 2 * (k * k - 1) / a0, (1 - k / q + k * k) / a0]
    return np.array([shelf, highpass])


def integrated_loudness(samples: np.ndarray, *, sample_rate: int) -> float:
    """BS.1770 integrated loudness in LUFS (channels weighted 1.0; gated 400 ms blocks).
    Returns -inf for silence or clips shorter than one block."""
    from scipy.signal import sosfilt

    weighted = sosfilt(_k_weighting_sos(sample_rate), samples.astype(np.float64), axis=1)
    block = int(0.4 * sample_rate)
    step = int(0.1 * sample_rate)
    n = weighted.shape[1]
    if n < block:
        power = np.mean(weighted**2, axis=1).sum()
        return float(-0.691 + 10 * np.log10(power)) if power > 0 else float("-inf")
    starts = np.arange(0, n - block + 1, step)
    csum = np.concatenate([np.zeros((weighted.shape[0], 1)), np.cumsum(weighted**2, axis=1)],
                          axis=1)
    powers = ((csum[:, starts + block] - csum[:, starts]) / block).sum(axis=0)
    loud = -0.691 + 10 * np.log10(np.maximum(powers, 1e-20))
    gated = powers[loud > -70.0]
    if gated.size == 0:
        return float("-inf")
    relative = -0.691 + 10 * np.log10(gated.mean()) - 10.0
    final = powers[(loud > -70.0) & (loud > relative)]
    return float(-0.691 + 10 * np.log10(final.mean()))


def hard_clip(samples: np.ndarray, *, threshold: float) -> np.ndarray:
    """Clip to [-threshold, threshold] (a distortion effect)."""
    return np.clip(samples, -threshold, threshold).astype(np.float32)
