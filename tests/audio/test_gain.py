"""Level transforms (audio/transforms/gain.py): exact gain in dB, normalization targets
(peak, RMS, BS.1770 loudness), silence kept, the audiomentations-style call."""

from __future__ import annotations

import numpy as np
import pytest

from mediasynth.audio.functional import level as L
from mediasynth.core.media import Audio
from mediasynth.core.registry import lookup
from tests.conftest import tone


def test_gain_is_exact_in_db():
    src = tone(2)
    out, rec = lookup("audio.gain")(gain_db_range=(-12, 6)).run(src, np.random.default_rng(3))
    ratio_db = 20 * np.log10(L.rms(out.samples) / L.rms(src.samples))
    assert abs(ratio_db - rec.params["gain_db"]) < 1e-3


@pytest.mark.parametrize("mode,target", [("peak", -3.0), ("rms", -20.0), ("loudness", -23.0)])
def test_normalize_hits_its_target(mode, target):
    src = tone(2, sample_rate=48000, seconds=2.0)
    out = lookup("audio.normalize")(mode=mode, target_db_range=(target, target))(src, rng=0)
    if mode == "peak":
        got = L.amplitude_to_db(np.abs(out.samples).max())
    elif mode == "rms":
        got = L.amplitude_to_db(L.rms(out.samples))
    else:
        got = L.integrated_loudness(out.samples, sample_rate=48000)
    assert abs(got - target) < 0.05


def test_loudness_of_a_full_scale_997hz_sine_matches_bs1770():
    # BS.1770: a 0 dBFS 997 Hz sine in one channel reads -3.01 LUFS
    sr = 48000
    t = np.arange(sr * 2) / sr
    x = np.sin(2 * np.pi * 997 * t)[None].astype(np.float32)
    assert abs(L.integrated_loudness(x, sample_rate=sr) - (-3.01)) < 0.1


def test_silence_stays_silent_and_finite():
    src = Audio(np.zeros((2, 8000), np.float32), 16000)
    for name in ('audio.normalize', 'audio.clipping'):
        out = lookup(name)()(src, rng=0)
        assert np.all(np.isfinite(out.samples)) and np.all(out.samples == 0), name


def test_audiomentations_style_call_keeps_the_shape():
    x = tone(1).samples[0]
    y = lookup("audio.gain")(gain_db_range=(6, 6))(x, sample_rate=16000)
    assert y.shape == x.shape and np.allclose(y, x * 10 ** (6 / 20), atol=1e-6)
