"""Timing transforms (audio/transforms/timing.py) on a ramp: shift, crop, pad, reverse,
time mask."""

from __future__ import annotations

import numpy as np

from mediasynth.core.media import Audio
from mediasynth.core.registry import lookup


def test_shift_crop_pad_reverse_time_mask():
    src = Audio(np.arange(1000, dtype=np.float32)[None] / 1000, 1000)
    out = lookup("audio.shift")(shift_fraction_range=(0.1, 0.1), rollover=False)(src, rng=0)
    assert np.all(out.samples[0, :100] == 0) and out.samples[0, 100] == src.samples[0, 0]
    rolled = lookup("audio.shift")(shift_fraction_range=(-0.1, -0.1))(src, rng=0)
    assert np.array_equal(rolled.samples, np.roll(src.samples, -100, axis=1))
    assert lookup("audio.crop")(duration_s=0.25)(src, rng=0).frames == 250
    padded = lookup("audio.pad")(duration_s=1.5, position="center")(src, rng=0)
    assert padded.frames == 1500 and padded.samples[0, 250] == 0 and padded.samples[0, 251] > 0
    assert np.array_equal(lookup("audio.reverse")()(src, rng=0).samples, src.samples[:, ::-1])
    masked, rec = lookup("audio.time_mask")(duration_fraction_range=(0.2, 0.2)).run(
        src, np.random.default_rng(0))
    start = int(rec.params["start_fraction"] * 1000)
    assert np.all(masked.samples[0, start + 10 : start + 190] == 0)
