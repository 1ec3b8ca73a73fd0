"""Measuring where sound events start and end in decoded audio, for retiming tests.

The edge of an event is where the short-time power, a centred moving average of the squared
signal (WINDOW_S), crosses half the event's steady power. For a tone switched on at t the
average holds half the window's worth of tone at t exactly, so the crossing is the onset
itself, not a window-dependent lag; a phase vocoder's smear is symmetric about the true
edge, so the half-power point stays on it too.
"""

from __future__ import annotations

import numpy as np

WINDOW_S = 0.02


def power_envelope(samples: np.ndarray, sample_rate: int) -> np.ndarray:
    """Centred moving mean of the channel-averaged squared signal; near the ends the mean is
    over the part of the window inside the clip (an event at t = 0 is loud at 0)."""
    power = (np.asarray(samples, dtype=np.float64) ** 2).mean(axis=0)
    width = int(round(WINDOW_S * sample_rate)) | 1
    kernel = np.ones(width)
    total = np.convolve(power, kernel, mode="same")
    count = np.convolve(np.ones_like(power), kernel, mode="same")
    return total / count


def edges_s(samples: np.ndarray, sample_rate: int) -> tuple[np.ndarray, np.ndarray]:
    """(onsets, offsets) in seconds: rising and falling crossings of half the steady power
    (the median power where the envelope exceeds a tenth of its maximum)."""
    env = power_envelope(samples, sample_rate)
    loud = env[env > 0.1 * env.max()]
    above = env >= 0.5 * np.median(loud)
    step = np.diff(above.astype(np.int8))
    return ((np.flatnonzero(step == 1) + 1) / sample_rate,
            (np.flatnonzero(step == -1) + 1) / sample_rate)


def edge_errors_s(samples: np.ndarray, sample_rate: int, events: list[dict], *,
                  margin_s: float = 0.025) -> list[tuple[str, float, float]]:
    """(edge kind, annotated time, distance to the nearest measured edge of that kind) for
    every annotated onset and offset at least `margin_s` inside the clip, and ("extra",
    measured time, distance to the nearest annotated edge) for every measured edge there:
    a missing, misplaced or spurious event shows up as a large distance."""
    duration_s = samples.shape[1] / sample_rate
    measured = dict(zip(("onset_s", "offset_s"), edges_s(samples, sample_rate)))

    def inside(t: float) -> bool:
        return margin_s <= t <= duration_s - margin_s

    def nearest(values, t: float) -> float:
        values = np.asarray(values, dtype=np.float64)
        return float(np.min(np.abs(values - t))) if values.size else float("inf")

    out = []
    for kind in ("onset_s", "offset_s"):
        annotated = [float(e[kind]) for e in events]
        out += [(kind, t, nearest(measured[kind], t)) for t in annotated if inside(t)]
        out += [("extra", float(t), nearest(annotated, t)) for t in measured[kind]
                if inside(t)]
    return out
