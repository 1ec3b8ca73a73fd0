"""Mel spectrograms for loaders and the report, in plain numpy (no librosa import cost).

Matches `librosa.feature.melspectrogram(..., htk=True, norm=None, center=True,
pad_mode="constant")` up to float rounding (see tests/audio/test_spectrogram.py)."""

from __future__ import annotations

import functools

import numpy as np


def hz_to_mel(hz):
    return 2595.0 * np.log10(1.0 + np.asarray(hz, dtype=np.float64) / 700.0)


def mel_to_hz(mel):
    return 700.0 * (10.0 ** (np.asarray(mel, dtype=np.float64) / 2595.0) - 1.0)


@functools.lru_cache(maxsize=16)
def mel_filterbank(sample_rate: int, n_fft: int, n_mels: int, fmin: float = 0.0,
                   fmax: float | None = None) -> np.ndarray:
    """(n_mels, n_fft // 2 + 1) triangular filters evenly spaced on the HTK mel scale."""
    fmax = sample_rate / 2.0 if fmax is None else fmax
    freqs = np.linspace(0, sample_rate / 2.0, n_fft // 2 + 1)
    edges = mel_to_hz(np.linspace(hz_to_mel(fmin), hz_to_mel(fmax), n_mels + 2))
    lower, center, upper = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    up = (freqs[None] - lower) / np.maximum(center - lower, 1e-12)
    down = (upper - freqs[None]) / np.maximum(upper - center, 1e-12)
    return np.maximum(0.0, np.minimum(up, down))


def power_spectrogram(x: np.ndarray, *, n_fft: int, hop_length: int) -> np.ndarray:
    """|STFT|^2 of (channels, frames) with a periodic Hann window, centred frames
    (zero padding of n_fft // 2 on both sides): (channels, n_fft // 2 + 1, n_frames)."""
    pad = n_fft // 2
    x = np.pad(x, ((0, 0), (pad, pad)))
    n_frames = 1 + (x.shape[1] - n_fft) // hop_length
    idx = np.arange(n_fft)[None, :] + hop_length * np.arange(n_frames)[:, None]
    window = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n_fft) / n_fft)
    frames = x[:, idx] * window
    return (np.abs(np.fft.rfft(frames, axis=-1)) ** 2).transpose(0, 2, 1)


def mel_spectrogram(samples: np.ndarray, *, sample_rate: int, n_mels: int = 64,
                    n_fft: int = 1024, hop_length: int = 256, to_db: bool = True) -> np.ndarray:
    """(channels, n_mels, frames) float32 power mel spectrogram; in dB relative to its
    maximum (floored at -80 dB) when `to_db`. Clips shorter than `n_fft` are zero-padded."""
    x = np.atleast_2d(np.asarray(samples, dtype=np.float64))
    if x.shape[1] < n_fft:
        x = np.pad(x, ((0, 0), (0, n_fft - x.shape[1])))
    power = power_spectrogram(x, n_fft=n_fft, hop_length=hop_length)
    mel = mel_filterbank(sample_rate, n_fft, n_mels) @ power  # (m, f) @ (c, f, t): BLAS
    if to_db:
        ref = float(mel.max()) if mel.max() > 0 else 1.0
        mel = 10.0 * np.log10(np.maximum(mel, 1e-10) / ref)
        mel = np.maximum(mel, -80.0)
    return mel.astype(np.float32)
