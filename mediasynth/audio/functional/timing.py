"""Time-axis edits: shift, reverse, crop, pad, silence trimming, time masking."""

from __future__ import annotations

import numpy as np


def shift(samples: np.ndarray, *, frames: int, rollover: bool) -> np.ndarray:
    """Move later by `frames` (earlier when negative); wrap around or fill with silence."""
    if rollover:
        return np.roll(samples, frames, axis=1)
    out = np.zeros_like(samples)
    n = samples.shape[1]
    if frames >= 0:
        out[:, frames:] = samples[:, : max(n - frames, 0)]
    else:
        out[:, : n + frames] = samples[:, -frames:]
    return out


def reverse(samples: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(samples[:, ::-1])


def crop(samples: np.ndarray, *, start_frame: int, length_frames: int) -> np.ndarray:
    return samples[:, start_frame : start_frame + length_frames].copy()


def loud_span(samples: np.ndarray, *, top_db: float) -> tuple[int, int]:
    """[first, last + 1) frames where some channel's magnitude is within `top_db` of the
    clip's peak; the whole clip when it is silent (peak 0)."""
    magnitude = np.abs(samples).max(axis=0) if samples.size else np.zeros(0, np.float32)
    peak = float(magnitude.max()) if magnitude.size else 0.0
    if peak <= 0.0:
        return 0, samples.shape[1]
    loud = np.flatnonzero(magnitude >= peak * 10.0 ** (-top_db / 20.0))
    return int(loud[0]), int(loud[-1]) + 1


def pad(samples: np.ndarray, *, before_frames: int, after_frames: int) -> np.ndarray:
    return np.pad(samples, ((0, 0), (before_frames, after_frames)))


def time_mask(samples: np.ndarray, *, start_frame: int, length_frames: int,
              fade_frames: int = 0) -> np.ndarray:
    """Silence a segment, with short linear fades at its edges to avoid clicks."""
    out = samples.copy()
    n = samples.shape[1]
    end = min(start_frame + length_frames, n)
    if end <= start_frame:
        return out
    gain = np.zeros(end - start_frame, dtype=np.float32)
    f = min(fade_frames, (end - start_frame) // 2)
    if f > 0:
        ramp = np.linspace(1.0, 0.0, f, dtype=np.float32)
        gain[:f] = ramp
        gain[-f:] = ramp[::-1]
    out[:, start_frame:end] *= gain
    return out
