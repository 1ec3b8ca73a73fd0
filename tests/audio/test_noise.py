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
