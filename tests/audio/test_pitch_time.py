"""Pitch and time transforms (audio/transforms/pitch_time.py) on pure tones: pitch shift,
time stretch, both fused in one pass, speed (see test_stretch.py for cent-level accuracy)."""

from __future__ import annotations

import numpy as np
import pytest

from mediasynth.core.compose import Compose
from mediasynth.core.registry import lookup
from tests.conftest import tone


def peak_hz(x: np.ndarray, sr: int) -> float:
    spec = np.abs(np.fft.rfft(x * np.hanning(len(x)), n=8 * len(x)))
    return float(np.fft.rfftfreq(8 * len(x), 1 / sr)[spec.argmax()])


@pytest.mark.parametrize("semitones", [-2.0, 1.5])
def test_pitch_shift_moves_a_pure_tone(semitones):
    src = tone(1, sample_rate=16000, seconds=1.0, freq_hz=440.0)
    t = lookup("audio.pitch_shift")(semitones_range=(semitones, semitones))
    out = t(src, rng=0)
    assert out.frames == src.frames
    expected = 440.0 * 2 ** (semitones / 12)
    assert abs(peak_hz(out.samples[0], 16000) - expected) / expected < 0.01


@pytest.mark.parametrize("rate", [0.8, 1.25])
def test_time_stretch_changes_duration_not_pitch(rate):
    src = tone(2, sample_rate=22050, seconds=1.0)
    out = lookup("audio.time_stretch")(rate_range=(rate, rate))(src, rng=0)
    assert abs(out.frames - src.frames / rate) / (src.frames / rate) < 0.01
    assert abs(peak_hz(out.samples[0], 22050) - 440.0) / 440.0 < 0.01


def test_fused_pitch_and_stretch_do_both_in_one_pass():
    src = tone(1, sample_rate=16000, seconds=1.0)
    chain = Compose([lookup("audio.pitch_shift")(semitones_range=(2, 2)),
                     lookup("audio.time_stretch")(rate_range=(1.25, 1.25))])
    assert chain._groups() == [(0, 2)]
    out, rec = chain.run(src, np.random.default_rng(0))
    assert abs(out.frames - 12800) <= 16
    assert abs(peak_hz(out.samples[0], 16000) - 440 * 2 ** (2 / 12)) / 493.9 < 0.01
    assert np.array_equal(chain.replay(src, rec).samples, out.samples)


def test_speed_changes_pitch_and_duration_together():
    src = tone(1, sample_rate=16000, seconds=1.0)
    out = lookup("audio.speed")(factor_range=(1.2, 1.2))(src, rng=0)
    assert abs(out.frames - 16000 / 1.2) <= 2
    assert abs(peak_hz(out.samples[0], 16000) - 528.0) / 528.0 < 0.01
