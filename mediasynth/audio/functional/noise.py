"""Noise generation and mixing at a signal-to-noise ratio."""

from __future__ import annotations

import numpy as np

from mediasynth.audio.functional.level import rms

NOISE_COLORS = {"white": 0.0, "pink": 1.0, "brown": 2.0, "blue": -1.0, "violet": -2.0}


def colored_noise(shape: tuple[int, int], *, color: str, seed: int) -> np.ndarray:
    """Noise whose power spectrum falls as 1/f^k (white 0, pink 1, brown 2, blue -1,
    violet -2), zero mean and unit RMS per channel, float32 (sums in float64)."""
    exponent = NOISE_COLORS[color]
    out = np.random.default_rng(seed).standard_normal(shape, dtype=np.float32)
    if exponent != 0.0:
        spectrum = np.fft.rfft(out, axis=1)
        freqs = np.fft.rfftfreq(shape[1])
        freqs[0] = freqs[1] if len(freqs) > 1 else 1.0
        spectrum *= freqs ** (-exponent / 2.0)
        out = np.fft.irfft(spectrum, n=shape[1], axis=1).astype(np.float32)
    out -= out.mean(axis=1, keepdims=True, dtype=np.float64).astype(np.float32)
    power = np.einsum("ij,ij->i", out, out, dtype=np.float64)[:, None] / max(shape[1], 1)
    out *= (1.0 / np.maximum(np.sqrt(power), 1e-12)).astype(np.float32)
    return out


def mix_at_snr(samples: np.ndarray, noise: np.ndarray, *, snr_db: float) -> np.ndarray:
    """Add `noise` scaled so that 20 log10(rms(samples) / rms(added)) == snr_db.
    Silent input gets no noise (an SNR to silence is undefined)."""
    signal_rms = rms(samples)
    noise_rms = rms(noise)
    if signal_rms == 0.0 or noise_rms == 0.0:
        return samples.copy()
    scale = signal_rms / (noise_rms * 10.0 ** (snr_db / 20.0))
    return (samples + noise * np.float32(scale)).astype(np.float32)


def _mix_into_noise(samples: np.ndarray, noise: np.ndarray, *, snr_db: float) -> np.ndarray:
    """`mix_at_snr` with the float32 `noise` (same shape, owned by the caller and not needed
    again) scaled and summed in place: the same values, without two temporary copies of
    the recording (a per-output cost that weighs on many short files)."""
    signal_rms = rms(samples)
    noise_rms = rms(noise)
    if signal_rms == 0.0 or noise_rms == 0.0 or samples.dtype != np.float32:
        return mix_at_snr(samples, noise, snr_db=snr_db)
    noise *= np.float32(signal_rms / (noise_rms * 10.0 ** (snr_db / 20.0)))
    noise += samples  # IEEE addition commutes: bit-identical to samples + scaled noise
    return noise


def add_noise(samples: np.ndarray, *, snr_db: float, seed: int, color: str = "white") -> np.ndarray:
    """Add coloured Gaussian noise at `snr_db`."""
    return _mix_into_noise(samples, colored_noise(samples.shape, color=color, seed=seed),
                           snr_db=snr_db)
