"""Pitch, tempo and speed: Signalsmith Stretch (python-stretch) for pitch shifting and time
stretching (one pass does both), soxr for resampling."""

from __future__ import annotations

import numpy as np


def stretch(
    samples: np.ndarray, *, sample_rate: int, semitones: float = 0.0, rate: float = 1.0
) -> np.ndarray:
    """Shift pitch by `semitones` and play `rate` times faster (duration / rate), in ONE
    Signalsmith pass. Length becomes round(frames / rate); channels are kept."""
    if semitones == 0.0 and rate == 1.0:
        return samples.copy()
    import python_stretch

    st = python_stretch.Signalsmith.Stretch()
    st.preset(samples.shape[0], float(sample_rate))
    if semitones != 0.0:
        st.setTransposeSemitones(float(semitones))
    if rate != 1.0:
        st.setTimeFactor(float(rate))
    work = np.ascontiguousarray(samples, dtype=np.float32)
    if not work.flags.writeable:  # the binding refuses read-only buffers
        work = work.copy()
    out = st.process(work)
    return np.ascontiguousarray(out, dtype=np.float32)


def resample(samples: np.ndarray, *, from_hz: float, to_hz: float) -> np.ndarray:
    """High-quality resampling (soxr HQ) of every channel."""
    if from_hz == to_hz:
        return samples.copy()
    import soxr

    out = soxr.resample(np.ascontiguousarray(samples.T), from_hz, to_hz, quality="HQ")
    return np.ascontiguousarray(out.T, dtype=np.float32).reshape(samples.shape[0], -1)


def change_speed(samples: np.ndarray, *, sample_rate: int, factor: float) -> np.ndarray:
    """Play `factor` times faster like a tape: pitch x factor, duration / factor, same rate."""
    return resample(samples, from_hz=sample_rate * factor, to_hz=sample_rate)
