"""Tone labels checked from the samples (FFT, Goertzel)."""

from __future__ import annotations

import numpy as np
import pytest

from mediasynth.core.registry import lookup

SR = 16000


def _peak(x, sr=SR):
    n = len(x)
    spec = np.abs(np.fft.rfft(x * np.hanning(n), n=4 * n))
    return float(np.fft.rfftfreq(4 * n, 1 / sr)[spec.argmax()])


def _event(item):
    a = item.annotations
    return item.media.samples[0, int(a["onset_s"] * SR) : int(a["offset_s"] * SR)]


@pytest.mark.parametrize("signal", ["sine", "square", "sawtooth", "triangle", "pulse"])
@pytest.mark.parametrize("seed", range(3))
def test_labelled_frequency_is_the_fundamental(signal, seed):
    gen = lookup("synth.tones")(sample_rate=SR, freq_hz_range=(200, 1500), envelope=False)
    item, _ = gen.generate(np.random.default_rng(seed), signal)
    f0 = item.annotations["f0_hz"]
    peak = _peak(_event(item))
    # the strongest partial is the fundamental (all these series fall off with k)
    assert abs(peak - f0) / f0 < 0.01


def test_band_limited_nothing_above_nyquist_aliases():
    gen = lookup("synth.tones")(sample_rate=SR, freq_hz_range=(1500, 1500), envelope=False)
    item, _ = gen.generate(np.random.default_rng(0), "sawtooth")
    x = _event(item)
    spec = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    freqs = np.fft.rfftfreq(len(x), 1 / SR)
    harmonics = np.arange(1500, SR / 2, 1500)
    off = np.ones_like(freqs, bool)
    for h in harmonics:
        off &= np.abs(freqs - h) > 40
    assert spec[off].max() < 0.01 * spec.max()


def test_chirp_start_and_end_frequencies():
    gen = lookup("synth.tones")(sample_rate=SR, envelope=False, duration_s_range=(2, 2),
                                silence_fraction_range=(0, 0))
    for seed in range(4):
        item, _ = gen.generate(np.random.default_rng(seed), "chirp")
        a = item.annotations
        x = _event(item)
        win = int(0.05 * SR)
        assert abs(_peak(x[:win]) - a["f_start_hz"]) / a["f_start_hz"] < 0.08
        assert abs(_peak(x[-win:]) - a["f_end_hz"]) / a["f_end_hz"] < 0.08


def _goertzel(x, f):
    t = np.arange(len(x)) / SR
    return abs(np.dot(x, np.exp(-2j * np.pi * f * t)))


def test_dtmf_digits_decode():
    from mediasynth.synth.tones_draw import DTMF_COLS, DTMF_ROWS

    gen = lookup("synth.tones")(sample_rate=SR)
    rows, cols = sorted(set(DTMF_ROWS.values())), sorted(set(DTMF_COLS.values()))
    for seed in range(8):
        item, _ = gen.generate(np.random.default_rng(seed), "dtmf")
        x = _event(item)
        row = max(rows, key=lambda f: _goertzel(x, f))
        col = max(cols, key=lambda f: _goertzel(x, f))
        decoded = [d for d in DTMF_ROWS if DTMF_ROWS[d] == row and DTMF_COLS[d] == col]
        assert decoded == [item.annotations["digit"]]


def test_onset_and_offset_bound_the_event():
    gen = lookup("synth.tones")(sample_rate=SR, silence_fraction_range=(0.3, 0.5), envelope=False)
    item, _ = gen.generate(np.random.default_rng(2), "sine")
    a = item.annotations
    x = item.media.samples[0]
    nz = np.nonzero(np.abs(x) > 1e-6)[0]
    assert abs(nz[0] / SR - a["onset_s"]) < 1 / SR * 2
    assert abs((nz[-1] + 1) / SR - a["offset_s"]) < 2 / SR


def test_chord_notes_are_present():
    gen = lookup("synth.tones")(sample_rate=SR, envelope=False)
    item, _ = gen.generate(np.random.default_rng(5), "chord")
    x = _event(item)
    for f in item.annotations["notes_hz"]:
        assert _goertzel(x, f) > 0.2 * len(x) / 2 / 3 * item.annotations["amplitude"]
