"""Effects (audio/transforms/effects.py): reverb's causal tail, MP3 compression's loss."""

from __future__ import annotations

import numpy as np

from mediasynth.audio.functional import level as L
from mediasynth.core.media import Audio
from mediasynth.core.registry import lookup
from tests.conftest import tone


def test_reverb_keeps_length_and_adds_a_tail():
    src = Audio(np.zeros((1, 16000), np.float32), 16000)
    src.samples[0, 100] = 1.0
    out = lookup("audio.reverb")(rt60_s_range=(0.5, 0.5), wet_range=(1.0, 1.0))(src, rng=0)
    assert out.frames == 16000
    tail = np.abs(out.samples[0, 200:8000])
    assert tail.max() > 0.01 and np.abs(out.samples[0, :100]).max() < 1e-6  # causal


def test_mp3_compression_keeps_length_and_loses_detail():
    src = tone(2, sample_rate=44100, seconds=0.5)
    out = lookup("audio.mp3_compression")(compression_level_range=(0.9, 0.9))(src, rng=0)
    assert out.samples.shape == src.samples.shape
    assert L.rms(out.samples - src.samples) > 0


def test_silence_stays_silent_and_finite():
    src = Audio(np.zeros((2, 8000), np.float32), 16000)
    out = lookup('audio.reverb')()(src, rng=0)
    assert np.all(np.isfinite(out.samples)) and np.all(out.samples == 0)
