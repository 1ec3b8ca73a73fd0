"""Mel spectrograms for loaders and the report."""

from __future__ import annotations

import numpy as np


def mel_spectrogram(samples: np.ndarray, *, sample_rate: int, n_mels: int = 64,
                    n_fft: int = 1024, hop_length: int = 256, to_db: bool = True) -> np.ndarray:
    """(channels, n_mels, frames) float32 power mel spectrogram, in dB re max when `to_db`.
    Clips shorter than `n_fft` are zero-padded."""
    import librosa

    x = np.atleast_2d(samples).astype(np.float32)
    if x.shape[1] < n_fft:
        x = np.pad(x, ((0, 0), (0, n_fft - x.shape[1])))
    mel = librosa.feature.melspectrogram(y=x, sr=sample_rate, n_fft=n_fft, hop_length=hop_length,
                                         n_mels=n_mels, power=2.0)
    if to_db:
        mel = librosa.power_to_db(mel, ref=np.max(mel) if np.max(mel) > 0 else 1.0)
    return mel.astype(np.float32)
