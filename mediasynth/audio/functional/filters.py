"""Butterworth filters (second-order sections, zero phase), designed so the stated cutoff is
the -3 dB point of what is actually applied.

A filter run forwards and backwards (sosfiltfilt) has the squared magnitude |H|^2 of one
pass: a plain Butterworth designed for cutoff fc would be -6 dB at fc. So each pass is
designed for a shifted cutoff where ONE pass is -1.5 dB at fc. With the bilinear warp
w = tan(pi f / fs), one Butterworth pass of order N has |H|^2 = 1 / (1 + x^(2N)) with
x = w / wc (low pass), wc / w (high pass), (w^2 - w0^2) / (w B) (band pass) or its inverse
(band stop); forward-backward is 1 / (1 + x^(2N))^2, which is 1/2 where
x = (sqrt(2) - 1)^(1 / (2N)). Solving that for wc (or the band width B, keeping the centre
w0 = sqrt(w1 w2)) gives the design frequencies below; the result is exact up to float error.
"""

from __future__ import annotations

import math

import numpy as np

KINDS = ("lowpass", "highpass", "bandpass", "bandstop")


def zero_phase_factor(order: int) -> float:
    """x at which 1 / (1 + x^(2 order))^2 is 1/2 (one pass -1.5 dB, both passes -3 dB)."""
    return (math.sqrt(2.0) - 1.0) ** (1.0 / (2 * order))


def _warp(freq_hz: float, sample_rate: int) -> float:
    return math.tan(math.pi * freq_hz / sample_rate)


def _unwarp(warped: float, sample_rate: int) -> float:
    return math.atan(warped) * sample_rate / math.pi


def design_cutoffs_hz(kind: str, cutoff_hz, *, sample_rate: int, order: int):
    """The one-pass Butterworth cutoff(s) to hand scipy so that filtering forwards and
    backwards is -3 dB exactly at `cutoff_hz` (a float, or (low, high) for band kinds).
    Returns a float or a (low, high) tuple, all strictly inside (0, Nyquist)."""
    c = zero_phase_factor(order)
    if kind in ("lowpass", "highpass"):
        w = _warp(float(cutoff_hz), sample_rate)
        return _unwarp(w / c if kind == "lowpass" else w * c, sample_rate)
    if kind not in ("bandpass", "bandstop"):
        raise ValueError(f"unknown filter kind {kind!r}; use one of {KINDS}")
    w1, w2 = (_warp(float(f), sample_rate) for f in cutoff_hz)
    centre_sq = w1 * w2
    width = (w2 - w1) / c if kind == "bandpass" else (w2 - w1) * c
    high = (width + math.sqrt(width * width + 4.0 * centre_sq)) / 2.0
    return _unwarp(centre_sq / high, sample_rate), _unwarp(high, sample_rate)


def _clamp_cutoffs(cutoff_hz, sample_rate: int):
    """Cutoffs into [1 Hz, 0.999 Nyquist]; a band is kept at least 1 % wide."""
    nyquist = sample_rate / 2.0
    cut = np.clip(np.atleast_1d(np.asarray(cutoff_hz, dtype=np.float64)), 1.0, nyquist * 0.999)
    if cut.size == 1:
        return float(cut[0])
    low, high = float(min(cut)), float(max(cut))
    if high <= low * 1.01:
        low = min(low, high / 1.01)
    return low, high


def butterworth(
    samples: np.ndarray,
    *,
    sample_rate: int,
    kind: str,
    cutoff_hz: float | tuple[float, float],
    order: int = 4,
) -> np.ndarray:
    """Zero-phase Butterworth `kind` (lowpass, highpass, bandpass, bandstop) of `order` per
    pass, run forwards and backwards (phase kept, slopes 12 * order dB/octave). The
    magnitude of the whole operation is -3 dB at `cutoff_hz` (each band edge for band kinds:
    between them a band pass keeps, a band stop removes). Cutoffs are clamped to
    [1 Hz, 0.999 Nyquist]. Clips shorter than 2 frames are returned unchanged."""
    from scipy.signal import butter, sosfiltfilt

    if samples.shape[1] < 2:
        return samples.copy()
    cut = _clamp_cutoffs(cutoff_hz, sample_rate)
    design = design_cutoffs_hz(kind, cut, sample_rate=sample_rate, order=order)
    sos = butter(order, design, btype=kind, fs=sample_rate, output="sos")
    padlen = min(samples.shape[1] - 1, 3 * (2 * len(sos) + 1))
    return sosfiltfilt(sos, samples, axis=1, padlen=max(padlen, 0)).astype(np.float32)
