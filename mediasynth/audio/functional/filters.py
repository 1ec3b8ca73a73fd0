"""Butterworth filters (second-order sections, zero phase)."""

from __future__ import annotations

import numpy as np


def butterworth(
    samples: np.ndarray,
    *,
    sample_rate: int,
    kind: str,
    cutoff_hz: float | tuple[float, float],
    order: int = 4,
) -> np.ndarray:
    """Filter with a Butterworth `kind` (lowpass, highpass, bandpass, bandstop). Applied
    forwards and backwards, so phase is kept and the magnitude response is squared (the
    effective order is 2 * order). Cutoffs are clamped below Nyquist."""
    from scipy.signal import butter, sosfiltfilt

    nyquist = sample_rate / 2.0
    cut = np.atleast_1d(np.asarray(cutoff_hz, dtype=np.float64))
    cut = np.clip(cut, 1.0, nyquist * 0.999)
    wn = cut[0] if cut.size == 1 else cut
    sos = butter(order, wn, btype=kind, fs=sample_rate, output="sos")
    padlen = min(samples.shape[1] - 1, 3 * (2 * len(sos) + 1))
    if samples.shape[1] < 2:
        return samples.copy()
    return sosfiltfilt(sos, samples, axis=1, padlen=max(padlen, 0)).astype(np.float32)
