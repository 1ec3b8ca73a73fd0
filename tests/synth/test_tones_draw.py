"""synth/tones_draw.py: band-limited waveforms with the right partials, sweeps that pass
through the stated frequencies, envelopes that fit, note and DTMF frequencies."""

from __future__ import annotations

import numpy as np
import pytest

from mediasynth.synth.tones_draw import (
    DTMF_COLS,
    DTMF_ROWS,
    adsr,
    chirp,
    harmonic_amplitudes,
    note_hz,
    periodic,
)

RATE = 16000


def _partials(x: np.ndarray, floor_db: float = -60.0) -> list[int]:
    """Frequencies (Hz, 1 s of signal: bin = Hz) of spectral peaks above floor_db."""
    spectrum = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    db = 20 * np.log10(spectrum / spectrum.max() + 1e-12)
    peaks = (db[1:-1] > floor_db) & (db[1:-1] >= db[:-2]) & (db[1:-1] >= db[2:])
    return (np.nonzero(peaks)[0] + 1).tolist()


@pytest.mark.parametrize(("waveform", "step"), [("square", 2), ("triangle", 2),
                                                ("sawtooth", 1)])
def test_waves_hold_their_harmonics_and_nothing_above_nyquist(waveform, step):
    f0 = 700
    x = periodic(waveform, f0_hz=f0, n=RATE, sample_rate=RATE)
    assert np.abs(x).max() == pytest.approx(1.0)
    expected = list(range(f0, RATE // 2, f0 * step))
    assert _partials(x, -50) == expected  # no aliased partial between them
    assert [k for k, _, _ in harmonic_amplitudes(waveform, f0, RATE)] == \
        [f // f0 for f in expected]


def test_a_sine_is_one_partial_and_extra_harmonics_are_added_below_nyquist():
    assert harmonic_amplitudes("sine", 440, RATE) == [(1, 1.0, 0.0)]
    x = periodic("sine", f0_hz=1000, n=RATE, sample_rate=RATE, extra_harmonics=(0.5, 0.0, 0.2))
    assert _partials(x, -40) == [1000, 2000, 4000]
    y = periodic("sine", f0_hz=5000, n=RATE, sample_rate=RATE, extra_harmonics=(0.5,))
    assert _partials(y, -40) == [5000]  # 10 kHz is above Nyquist: left out


def test_a_pulse_has_no_dc_and_its_duty_shapes_it():
    x = periodic("pulse", f0_hz=500, n=RATE, sample_rate=RATE, duty=0.25)
    assert abs(x.mean()) < 1e-3
    assert np.mean(x > 0) == pytest.approx(0.25, abs=0.05)


@pytest.mark.parametrize("method", ["linear", "log"])
def test_sweeps_start_and_end_at_their_frequencies(method):
    x = chirp(f_start_hz=200, f_end_hz=3200, n=RATE, sample_rate=RATE, method=method)
    crossings = np.nonzero(np.diff(np.signbit(x)))[0]
    first = len(crossings[crossings < RATE // 20]) / 2 / 0.05
    last = len(crossings[crossings >= RATE - RATE // 20]) / 2 / 0.05
    # the mean frequency over the first and last 50 ms
    assert first == pytest.approx(275 if method == "linear" else 214.6, rel=0.08)
    assert last == pytest.approx(3125 if method == "linear" else 2988, rel=0.05)
    mid = crossings[(crossings >= RATE // 2 - 400) & (crossings < RATE // 2 + 400)]
    half_way = len(mid) / 2 / 0.05
    assert half_way == pytest.approx(1700 if method == "linear" else 800, rel=0.1)


def test_an_envelope_fits_its_length_and_shape():
    env = adsr(1000, sample_rate=1000, attack_s=0.1, decay_s=0.2, sustain=0.5, release_s=0.3)
    assert len(env) == 1000 and env[0] == 0 and env.max() == pytest.approx(1.0, abs=0.02)
    assert np.all(env[300:700] == 0.5) and env[-1] == 0
    squeezed = adsr(100, sample_rate=1000, attack_s=0.1, decay_s=0.2, sustain=0.5,
                    release_s=0.3)
    assert len(squeezed) == 100 and squeezed[-1] == 0


def test_notes_and_dtmf_keys():
    assert note_hz(69) == 440.0 and note_hz(81) == 880.0
    assert note_hz(60) == pytest.approx(261.6256, abs=1e-3)
    assert set(DTMF_ROWS) == set(DTMF_COLS) == set("0123456789*#ABCD")
    assert (DTMF_ROWS["5"], DTMF_COLS["5"]) == (770, 1336)
