"""audio/functional/level.py: dB conversions, RMS, gain and fades, BS.1770 loudness against
its reference values, normalization by peak, RMS or loudness, clipping."""

from __future__ import annotations

import numpy as np
import pytest

from mediasynth.audio.functional.level import (
    amplitude_to_db,
    db_to_amplitude,
    gain,
    gain_transition,
    hard_clip,
    integrated_loudness,
    normalize,
    rms,
)

RATE = 48000


def _sine(db: float, seconds: float = 3.0, freq: float = 997.0, channels: int = 1,
          rate: int = RATE) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    x = db_to_amplitude(db) * np.sin(2 * np.pi * freq * t)
    return np.repeat(x[None], channels, axis=0).astype(np.float32)


def test_db_conversions_and_rms():
    assert db_to_amplitude(-6.0206) == pytest.approx(0.5, abs=1e-4)
    assert amplitude_to_db(0.1) == pytest.approx(-20.0)
    assert amplitude_to_db(0.0) == pytest.approx(-240.0)  # floored, never -inf
    assert rms(_sine(0.0)) == pytest.approx(1 / np.sqrt(2), rel=1e-4)
    assert rms(np.zeros((2, 0), np.float32)) == 0.0


@pytest.mark.parametrize("rate", [44100, 48000, 16000])
def test_loudness_of_a_full_scale_997_hz_sine_is_minus_3_lufs(rate):
    """BS.1770-4: a 0 dBFS 997 Hz sine on one channel reads -3.01 LUFS, at any rate."""
    assert integrated_loudness(_sine(0.0, rate=rate), sample_rate=rate) == \
        pytest.approx(-3.01, abs=0.05)
    quiet = integrated_loudness(_sine(-20.0, rate=rate), sample_rate=rate)
    assert quiet == pytest.approx(-23.01, abs=0.05)
    stereo = integrated_loudness(_sine(-20.0, channels=2, rate=rate), sample_rate=rate)
    assert stereo == pytest.approx(quiet + 3.01, abs=0.05)  # channels add power


def test_gating_ignores_silence_and_silence_has_no_loudness():
    tone = _sine(-20.0, seconds=2.0)
    padded = np.concatenate([tone, np.zeros((1, 8 * RATE), np.float32)], axis=1)
    gated = integrated_loudness(padded, sample_rate=RATE)
    # blocks straddling the tone's end pass the relative gate: a fraction of a dB, not the
    # 7 dB an ungated mean over 10 s would lose
    assert gated == pytest.approx(integrated_loudness(tone, sample_rate=RATE), abs=0.5)
    assert integrated_loudness(np.zeros((1, RATE), np.float32), sample_rate=RATE) == \
        float("-inf")


@pytest.mark.parametrize(("mode", "target", "measure"), [
    ("peak", -1.0, lambda x: amplitude_to_db(np.abs(x).max())),
    ("rms", -20.0, lambda x: amplitude_to_db(rms(x))),
    ("loudness", -23.0, lambda x: integrated_loudness(x, sample_rate=RATE))])
def test_normalize_hits_its_target_and_leaves_silence_alone(mode, target, measure):
    rng = np.random.default_rng(0)
    x = (0.05 * rng.normal(size=(2, 2 * RATE))).astype(np.float32)
    out = normalize(x, sample_rate=RATE, mode=mode, target_db=target)
    assert out.dtype == np.float32 and measure(out) == pytest.approx(target, abs=0.05)
    silence = np.zeros((1, RATE), np.float32)
    assert np.array_equal(normalize(silence, sample_rate=RATE, mode=mode, target_db=target),
                          silence)
    with pytest.raises(ValueError, match="unknown normalize mode"):
        normalize(x, sample_rate=RATE, mode="lufs", target_db=0)


def test_gain_fades_and_clipping():
    x = np.ones((2, 1000), np.float32)
    assert np.allclose(gain(x, gain_db=-6.0206), 0.5, atol=1e-4)
    fade = gain_transition(x, start_db=0.0, end_db=-60.0, start_frame=100, length_frames=500)
    assert np.all(fade[:, :101] == 1.0) and np.allclose(fade[:, 600:], 0.001)
    assert amplitude_to_db(fade[0, 350]) == pytest.approx(-30.0, abs=0.2)  # linear in dB
    assert np.all(np.diff(fade[0]) <= 0)
    clipped = hard_clip(np.array([[-2.0, -0.2, 0.3, 5.0]]), threshold=0.5)
    assert clipped.tolist() == [[-0.5, pytest.approx(-0.2), pytest.approx(0.3), 0.5]]
