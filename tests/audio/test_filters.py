"""Filter cutoffs are the -3 dB points of what the transforms actually apply (zero phase,
forwards and backwards), measured from their impulse response and from sines."""

from __future__ import annotations

import numpy as np
import pytest

from mediasynth.audio.functional import level as L
from mediasynth.core.media import Audio
from mediasynth.core.registry import lookup
from tests.conftest import tone

HALF_POWER_DB = 10 * np.log10(0.5)  # -3.0103 dB
N_FRAMES = 2**17


def response_db(transform, sample_rate: int) -> tuple[np.ndarray, np.ndarray]:
    """Magnitude response of `transform` as applied: FFT of its output for a centred unit
    impulse (the forward-backward filter's impulse response, far from the clip edges)."""
    x = np.zeros((1, N_FRAMES), np.float32)
    x[0, N_FRAMES // 2] = 1.0
    y = transform(Audio(x, sample_rate), rng=0).samples[0].astype(np.float64)
    mag = np.abs(np.fft.rfft(y))
    return np.fft.rfftfreq(N_FRAMES, 1 / sample_rate), 20 * np.log10(np.maximum(mag, 1e-30))


def minus_3db_points_hz(freqs: np.ndarray, db: np.ndarray) -> list[float]:
    """Every frequency where the response crosses half power (linear interpolation in dB
    between neighbouring FFT bins, 0.1-0.4 Hz apart)."""
    above = db > HALF_POWER_DB
    idx = np.nonzero(above[1:] != above[:-1])[0]
    return [float(freqs[i] + (freqs[i + 1] - freqs[i]) * (HALF_POWER_DB - db[i])
                  / (db[i + 1] - db[i])) for i in idx]


def sine_gain_db(transform, sample_rate: int, freq_hz: float) -> float:
    """Steady-state gain for a sine at `freq_hz`: least-squares amplitude in the middle."""
    t = np.arange(sample_rate * 2) / sample_rate
    x = np.sin(2 * np.pi * freq_hz * t).astype(np.float32)
    y = transform(Audio(x[None], sample_rate), rng=0).samples[0].astype(np.float64)
    mid = slice(sample_rate // 2, -sample_rate // 2)
    basis = np.stack([np.sin(2 * np.pi * freq_hz * t[mid]), np.cos(2 * np.pi * freq_hz * t[mid])])
    coef = np.linalg.lstsq(basis.T, y[mid], rcond=None)[0]
    return float(20 * np.log10(np.hypot(*coef)))


GRID = [(sr, order) for sr in (16000, 44100, 48000) for order in (1, 2, 4, 8)]


@pytest.mark.parametrize("sample_rate,order", GRID)
@pytest.mark.parametrize("name,cutoff_hz", [("audio.low_pass", 300.0), ("audio.low_pass", 2500.0),
                                            ("audio.low_pass", 6000.0), ("audio.high_pass", 40.0),
                                            ("audio.high_pass", 400.0)])
def test_cutoff_is_the_measured_minus_3db_point(name, cutoff_hz, sample_rate, order):
    t = lookup(name)(cutoff_hz_range=(cutoff_hz, cutoff_hz), order=order)
    points = minus_3db_points_hz(*response_db(t, sample_rate))
    assert len(points) == 1, points
    assert abs(points[0] - cutoff_hz) <= 0.02 * cutoff_hz, f"-3 dB at {points[0]:.1f} Hz"


@pytest.mark.parametrize("sample_rate,order", GRID)
@pytest.mark.parametrize("center_hz,fraction", [(1000.0, 0.5), (300.0, 1.2), (4000.0, 0.2)])
def test_band_pass_edges_are_the_measured_minus_3db_points(center_hz, fraction, sample_rate,
                                                           order):
    t = lookup("audio.band_pass")(center_hz_range=(center_hz, center_hz),
                                  bandwidth_fraction_range=(fraction, fraction), order=order)
    low, high = center_hz * (1 - fraction / 2), center_hz * (1 + fraction / 2)
    points = minus_3db_points_hz(*response_db(t, sample_rate))
    assert len(points) == 2, points
    assert abs(points[0] - low) <= 0.02 * low and abs(points[1] - high) <= 0.02 * high, points


@pytest.mark.parametrize("order", [1, 4])
def test_frequency_mask_edges_are_minus_3db_too(order):
    t = lookup("audio.frequency_mask")(center_hz_range=(2000.0, 2000.0),
                                       bandwidth_fraction_range=(0.3, 0.3), order=order)
    points = minus_3db_points_hz(*response_db(t, 22050))
    assert len(points) == 2, points
    assert abs(points[0] - 1700.0) <= 34.0 and abs(points[1] - 2300.0) <= 46.0, points


@pytest.mark.parametrize("name,cutoff_hz", [("audio.low_pass", 1000.0), ("audio.high_pass", 150.0)])
def test_sines_follow_a_squared_butterworth_with_its_half_power_at_the_cutoff(name, cutoff_hz):
    """At the cutoff -3.01 dB; an octave away the analytic forward-backward Butterworth
    value -20 log10(1 + (c r)^(2N)), r the bilinear-warped frequency ratio (tan(pi f / fs)
    over tan(pi fc / fs), inverted for a high pass) and c = (sqrt 2 - 1)^(1 / 2N)."""
    sr = 16000
    for order in (1, 2, 3):
        t = lookup(name)(cutoff_hz_range=(cutoff_hz, cutoff_hz), order=order)
        assert abs(sine_gain_db(t, sr, cutoff_hz) - HALF_POWER_DB) < 0.05
        far_hz = cutoff_hz * 2 if name == "audio.low_pass" else cutoff_hz / 2
        ratio = np.tan(np.pi * far_hz / sr) / np.tan(np.pi * cutoff_hz / sr)
        ratio = ratio if name == "audio.low_pass" else 1 / ratio
        c = (np.sqrt(2) - 1) ** (1 / (2 * order))
        expected_db = -20 * np.log10(1 + (c * ratio) ** (2 * order))
        assert abs(sine_gain_db(t, sr, far_hz) - expected_db) < 0.05


@pytest.mark.parametrize("name,kind", [("audio.low_pass", "low"), ("audio.high_pass", "high")])
def test_filters_attenuate_beyond_cutoff(name, kind):
    sr = 16000
    t = np.arange(sr) / sr
    low, high = 200.0, 4000.0
    x = (0.3 * np.sin(2 * np.pi * low * t) + 0.3 * np.sin(2 * np.pi * high * t)).astype(np.float32)
    out = lookup(name)(cutoff_hz_range=(1000, 1000))(Audio(x[None], sr), rng=0).samples[0]

    def level(sig, f):
        return abs(np.dot(sig[1000:-1000], np.exp(-2j * np.pi * f * t[1000:-1000])))

    passed, stopped = (low, high) if kind == "low" else (high, low)
    assert level(out, passed) / level(x, passed) > 0.9  # within 1 dB in the pass band
    assert level(out, stopped) / level(x, stopped) < 0.01  # at least 40 dB down two octaves away


def test_band_pass_and_frequency_mask_are_complementary():
    sr = 16000
    src = tone(1, sample_rate=sr, freq_hz=1000.0)
    bp = lookup("audio.band_pass")(center_hz_range=(1000, 1000), bandwidth_fraction_range=(0.5, 0.5))
    fm = lookup("audio.frequency_mask")(center_hz_range=(1000, 1000),
                                        bandwidth_fraction_range=(0.5, 0.5))
    assert L.rms(bp(src, rng=0).samples[:, 2000:-2000]) > 0.9 * L.rms(src.samples)
    assert L.rms(fm(src, rng=0).samples[:, 2000:-2000]) < 0.05 * L.rms(src.samples)
