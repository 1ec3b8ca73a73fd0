"""Noise transforms (audio/transforms/noise.py): the SNR asked for, each colour's spectral
slope."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.signal import welch

from mediasynth.audio.functional import level as L
from mediasynth.audio.functional.noise import colored_noise
from mediasynth.core.media import Audio
from mediasynth.core.registry import lookup
from tests.conftest import tone


@pytest.mark.parametrize("seed", range(5))
def test_snr_within_half_a_db(seed):
    src = tone(2, seconds=1.0)
    out, rec = lookup("audio.add_noise")(snr_db_range=(5, 25)).run(src, np.random.default_rng(seed))
    added = out.samples - src.samples
    measured = 20 * np.log10(L.rms(src.samples) / L.rms(added))
    assert abs(measured - rec.params["snr_db"]) < 0.5


@pytest.mark.parametrize("color,slope", [("white", 0.0), ("pink", -1.0), ("brown", -2.0)])
def test_noise_colours_have_their_spectral_slope(color, slope):
    n = colored_noise((1, 2**16), color=color, seed=1)[0]
    f, pxx = welch(n, fs=1.0, nperseg=4096)
    band = (f > 0.005) & (f < 0.2)
    fitted = np.polyfit(np.log10(f[band]), np.log10(pxx[band]), 1)[0]
    assert abs(fitted - slope) < 0.25


def test_silence_stays_silent_and_finite():
    src = Audio(np.zeros((2, 8000), np.float32), 16000)
    out = lookup('audio.add_noise')()(src, rng=0)
    assert np.all(np.isfinite(out.samples)) and np.all(out.samples == 0)


def test_add_noise_in_place_mix_is_bit_identical_to_mix_at_snr():
    """add_noise sums into its own fresh noise buffer (no temporaries): the bytes must be
    exactly those of mix_at_snr on the same noise, for mono, stereo, 4 channels, very
    short and silent recordings, at many SNRs."""
    from mediasynth.audio.functional.noise import add_noise, colored_noise, mix_at_snr

    rng = np.random.default_rng(7)
    for case in range(200):
        channels = (1, 2, 4)[case % 3]
        frames = int(rng.integers(1, 20_000))
        samples = (rng.standard_normal((channels, frames)) * rng.uniform(0.001, 0.9)
                   ).astype(np.float32)
        if case % 17 == 0:
            samples[:] = 0.0
        snr = float(rng.uniform(-5, 40))
        seed = int(rng.integers(0, 2**31))
        color = ("white", "pink", "brown")[case % 3]
        expected = mix_at_snr(samples, colored_noise(samples.shape, color=color, seed=seed),
                              snr_db=snr)
        got = add_noise(samples, snr_db=snr, seed=seed, color=color)
        assert got.dtype == np.float32 and got.tobytes() == expected.tobytes()
        assert got is not samples
