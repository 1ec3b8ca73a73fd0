"""Pitch shift / time stretch accuracy, measured on pure sines with a sub-cent FFT peak."""

from __future__ import annotations

import numpy as np
import pytest

from mediasynth.audio.functional.stretch import stretch
from mediasynth.core.registry import lookup
from tests.conftest import tone

SHIFTS_ST = np.arange(-12.0, 12.5, 1.0)


def peak_hz(x: np.ndarray, sample_rate: int, pad: int = 8) -> float:
    """Frequency of the strongest component: Hann window, `pad`x zero padding, then a
    parabola through the log magnitudes of the top bin and its neighbours (bias << 0.01
    cent for a 1 s tone)."""
    n = len(x)
    spec = np.abs(np.fft.rfft(x * np.hanning(n), n=pad * n))
    k = int(spec[1:-1].argmax()) + 1
    a, b, c = np.log(spec[k - 1 : k + 2] + 1e-300)
    offset = 0.5 * (a - c) / (a - 2 * b + c)
    return (k + offset) * sample_rate / (pad * n)


def purity_db(x: np.ndarray, sample_rate: int, freq_hz: float) -> float:
    """Energy within 30 Hz of `freq_hz` over all other energy (Blackman window), in dB."""
    spec = np.abs(np.fft.rfft(x * np.blackman(len(x)))) ** 2
    near = np.abs(np.fft.rfftfreq(len(x), 1 / sample_rate) - freq_hz) < 30.0
    return float(10 * np.log10(spec[near].sum() / spec[~near].sum()))


def cents(measured_hz: float, expected_hz: float) -> float:
    return float(1200 * np.log2(measured_hz / expected_hz))


def steady(x: np.ndarray, sample_rate: int) -> np.ndarray:
    """Drop the first and last quarter second (edge effects of the stretcher)."""
    q = sample_rate // 4
    return x[q:-q]


def test_peak_estimator_resolves_a_hundredth_of_a_cent():
    sr = 16000
    t = np.arange(sr) / sr
    for f in (220.0, 440.37, 881.1):
        assert abs(cents(peak_hz(np.sin(2 * np.pi * f * t), sr), f)) < 0.01


@pytest.mark.parametrize("sample_rate", [16000, 22050, 44100, 48000])
def test_pitch_shift_is_within_a_cent_and_pure_at_every_semitone(sample_rate):
    src = tone(1, sample_rate=sample_rate, seconds=1.5, freq_hz=440.0)
    shift = lookup("audio.pitch_shift")
    errors, purities = [], []
    for st in SHIFTS_ST:
        out = shift(semitones_range=(st, st))(src, rng=0)
        assert out.frames == src.frames
        y = steady(out.samples[0], sample_rate)
        expected = 440.0 * 2 ** (st / 12)
        errors.append(cents(peak_hz(y, sample_rate), expected))
        if st != 0:
            purities.append(purity_db(y, sample_rate, expected))
    worst = float(np.max(np.abs(errors)))
    assert worst <= 1.0, f"worst {worst:.2f} cents at {SHIFTS_ST[np.argmax(np.abs(errors))]} st"
    assert min(purities) >= 50.0, f"tonal purity fell to {min(purities):.1f} dB"


@pytest.mark.parametrize("semitones", [-7.3, -0.5, -0.05, 0.03, 0.25, 3.7, 11.5])
def test_fractional_shifts_are_within_a_cent(semitones):
    sr = 22050
    src = tone(1, sample_rate=sr, seconds=1.5, freq_hz=523.25)
    out = stretch(src.samples, sample_rate=sr, semitones=semitones)
    expected = 523.25 * 2 ** (semitones / 12)
    assert abs(cents(peak_hz(steady(out[0], sr), sr), expected)) <= 1.0


@pytest.mark.parametrize("semitones,rate", [(5.0, 0.8), (-3.0, 1.3), (12.0, 1.5), (-12.0, 0.7)])
def test_fused_pitch_and_rate_keep_both_exact(semitones, rate):
    sr = 16000
    src = tone(2, sample_rate=sr, seconds=1.5, freq_hz=440.0)
    out = stretch(src.samples, sample_rate=sr, semitones=semitones, rate=rate)
    assert out.shape == (2, int(round(src.frames / rate)))
    for ch, base in enumerate((440.0, 550.0)):  # tone() puts 1.25 x f on channel 1
        expected = base * 2 ** (semitones / 12)
        assert abs(cents(peak_hz(steady(out[ch], sr), sr), expected)) <= 1.0


def test_time_stretch_keeps_the_pitch_to_a_cent():
    sr = 44100
    src = tone(1, sample_rate=sr, seconds=1.5, freq_hz=440.0)
    for rate in (0.6, 0.9, 1.1, 1.9):
        out = stretch(src.samples, sample_rate=sr, rate=rate)
        assert out.shape[1] == int(round(src.frames / rate))
        assert abs(cents(peak_hz(steady(out[0], sr), sr), 440.0)) <= 1.0


def test_more_than_two_channels_each_keep_their_own_tone():
    sr = 16000
    src = tone(5, sample_rate=sr, seconds=1.0, freq_hz=300.0)
    out = stretch(src.samples, sample_rate=sr, semitones=2.0)
    assert out.shape == src.samples.shape
    for ch in range(5):
        expected = 300.0 * (1 + 0.25 * ch) * 2 ** (2 / 12)
        assert abs(cents(peak_hz(steady(out[ch], sr), sr), expected)) <= 1.0


def test_stretch_is_deterministic_even_when_phases_are_randomised():
    x = np.random.default_rng(0).standard_normal((2, 16000)).astype(np.float32)
    a = stretch(x, sample_rate=16000, semitones=-12.0, rate=2.5)  # time factor 5 > 2
    b = stretch(x, sample_rate=16000, semitones=-12.0, rate=2.5)
    assert np.array_equal(a, b)


@pytest.mark.parametrize("sample_rate,block", [(8000, 512), (16000, 1024), (22050, 2048),
                                               (44100, 4096), (48000, 4096), (96000, 8192)])
def test_stretch_blocks_are_the_largest_power_of_two_within_the_default(sample_rate, block):
    from mediasynth.audio.functional.stretch import BLOCK_S, block_samples

    assert block_samples(sample_rate) == block
    assert block <= BLOCK_S * sample_rate < 2 * block
