"""Our numpy mel spectrogram against librosa (an independent implementation)."""

import numpy as np

from mediasynth.audio.spectrogram import mel_spectrogram


def test_matches_librosa_htk_mel():
    import librosa

    rng = np.random.default_rng(0)
    sr = 16000
    t = np.arange(sr) / sr
    x = (0.3 * np.sin(2 * np.pi * 700 * t) + 0.05 * rng.standard_normal(sr)).astype(np.float32)
    ours = mel_spectrogram(x, sample_rate=sr, n_mels=40, n_fft=512, hop_length=128, to_db=False)[0]
    ref = librosa.feature.melspectrogram(y=x, sr=sr, n_fft=512, hop_length=128, n_mels=40,
                                         htk=True, norm=None, center=True, pad_mode="constant",
                                         power=2.0)
    assert ours.shape == ref.shape
    assert np.allclose(ours, ref, rtol=1e-3, atol=1e-6 * ref.max())


def test_peak_band_follows_the_tone_and_db_scale():
    sr = 16000
    t = np.arange(sr) / sr
    low = mel_spectrogram(np.sin(2 * np.pi * 300 * t), sample_rate=sr)[0]
    high = mel_spectrogram(np.sin(2 * np.pi * 3000 * t), sample_rate=sr)[0]
    assert low.mean(axis=1).argmax() < high.mean(axis=1).argmax()
    assert low.max() == 0.0 and low.min() >= -80.0
