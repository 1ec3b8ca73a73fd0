"""Recordings made from two sources (SMOTE-style interpolation for `balance: synthesize`)
and the embedding their neighbours are found in (librosa's log-mel spectrogram)."""

from __future__ import annotations

import numpy as np

from mediasynth.core.media import Audio

EMBED_MELS = 32


def embed(audio: Audio) -> np.ndarray:
    """The embedding recordings are compared in: the mean and the standard deviation over
    time of each band of a 32-band log-mel spectrogram (librosa, power in dB, up to 8 kHz or
    the Nyquist frequency), of the channels' mean: 64 numbers."""
    import librosa

    mono = audio.samples.mean(axis=0)
    if mono.size < 2048:
        mono = np.pad(mono, (0, 2048 - mono.size))
    mel = librosa.feature.melspectrogram(y=mono, sr=audio.sample_rate, n_mels=EMBED_MELS,
                                         fmax=min(8000.0, audio.sample_rate / 2))
    db = librosa.power_to_db(mel, ref=1.0, top_db=None)
    return np.concatenate([db.mean(axis=1), db.std(axis=1)]).astype(np.float32)


def interpolate(audio: Audio, partner: Audio, lam: float) -> Audio:
    """lam * audio + (1 - lam) * partner, the partner resampled to the audio's rate (soxr),
    given its channel count (mean or repeat) and cut or zero-padded to its length."""
    other = partner.samples
    if partner.sample_rate != audio.sample_rate:
        import soxr

        other = soxr.resample(other.T, partner.sample_rate, audio.sample_rate).T
        other = np.ascontiguousarray(other, np.float32).reshape(partner.channels, -1)
    if other.shape[0] != audio.channels:
        other = np.repeat(other.mean(axis=0, keepdims=True), audio.channels, axis=0)
    fitted = np.zeros_like(audio.samples)
    n = min(fitted.shape[1], other.shape[1])
    fitted[:, :n] = other[:, :n]
    return audio.replace(samples=(lam * audio.samples + (1.0 - lam) * fitted).astype(np.float32))
