"""Waveform synthesis for `synth.tones` (pure functions, float64 internally)."""

from __future__ import annotations

import numpy as np

DTMF_ROWS = {"1": 697, "2": 697, "3": 697, "A": 697, "4": 770, "5": 770, "6": 770, "B": 770,
             "7": 852, "8": 852, "9": 852, "C": 852, "*": 941, "0": 941, "#": 941, "D": 941}
DTMF_COLS = {"1": 1209, "4": 1209, "7": 1209, "*": 1209, "2": 1336, "5": 1336, "8": 1336,
             "0": 1336, "3": 1477, "6": 1477, "9": 1477, "#": 1477, "A": 1633, "B": 1633,
             "C": 1633, "D": 1633}
SCALES = {"major": (0, 2, 4, 5, 7, 9, 11), "minor": (0, 2, 3, 5, 7, 8, 10),
          "pentatonic": (0, 2, 4, 7, 9), "chromatic": tuple(range(12))}


def harmonic_amplitudes(waveform: str, f0_hz: float, sample_rate: int, *,
                        duty: float = 0.5) -> list[tuple[int, float, float]]:
    """(harmonic number, amplitude, phase) up to Nyquist: band-limited Fourier series."""
    n_max = int((sample_rate / 2.0 - 1e-6) // f0_hz)
    out = []
    for k in range(1, n_max + 1):
        if waveform == "sine":
            if k == 1:
                out.append((1, 1.0, 0.0))
            break
        if waveform == "square" and k % 2:
            out.append((k, 4 / (np.pi * k), 0.0))
        elif waveform == "sawtooth":
            out.append((k, 2 / (np.pi * k) * (-1) ** (k + 1), 0.0))
        elif waveform == "triangle" and k % 2:
            out.append((k, 8 / (np.pi**2 * k**2) * (-1) ** ((k - 1) // 2), 0.0))
        elif waveform == "pulse":
            a = 2 / (np.pi * k) * np.sin(np.pi * k * duty)
            if abs(a) > 1e-9:
                out.append((k, a, np.pi / 2))
    return out


def periodic(waveform: str, *, f0_hz: float, n: int, sample_rate: int, duty: float = 0.5,
             extra_harmonics: tuple[float, ...] = ()) -> np.ndarray:
    """A band-limited periodic wave (peak-normalized to 1) plus optional extra harmonic
    partials (relative amplitudes of harmonics 2, 3, ...)."""
    t = np.arange(n) / sample_rate
    theta = 2 * np.pi * f0_hz * t
    out = np.zeros(n)
    for k, amp, phase in harmonic_amplitudes(waveform, f0_hz, sample_rate, duty=duty):
        out += amp * np.sin(k * theta + phase)
    for i, amp in enumerate(extra_harmonics, start=2):
        if i * f0_hz < sample_rate / 2:
            out += amp * np.sin(i * theta)
    if waveform == "pulse":
        out -= out.mean()
    peak = np.abs(out).max()
    return out / peak if peak > 0 else out


def chirp(*, f_start_hz: float, f_end_hz: float, n: int, sample_rate: int,
          method: str) -> np.ndarray:
    """Sine sweep, instantaneous frequency linear or exponential ("log") in time."""
    t = np.arange(n) / sample_rate
    duration = n / sample_rate
    if method == "linear":
        phase = 2 * np.pi * (f_start_hz * t + (f_end_hz - f_start_hz) * t**2 / (2 * duration))
    else:
        k = (f_end_hz / f_start_hz) ** (1 / duration)
        phase = 2 * np.pi * f_start_hz * (k**t - 1) / np.log(k)
    return np.sin(phase)


def adsr(n: int, *, sample_rate: int, attack_s: float, decay_s: float, sustain: float,
         release_s: float) -> np.ndarray:
    """Attack-decay-sustain-release envelope over n samples (segments scaled down to fit)."""
    a, d, r = (int(x * sample_rate) for x in (attack_s, decay_s, release_s))
    total = a + d + r
    if total > n:
        scale = n / total
        a, d, r = int(a * scale), int(d * scale), int(r * scale)
    s = n - a - d - r
    return np.concatenate([
        np.linspace(0, 1, a, endpoint=False), np.linspace(1, sustain, d, endpoint=False),
        np.full(s, sustain), np.linspace(sustain, 0, r),
    ])[:n]


def note_hz(midi: float) -> float:
    return 440.0 * 2 ** ((midi - 69) / 12)
