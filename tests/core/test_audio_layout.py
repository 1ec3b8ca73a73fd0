"""Audiomentations-style calls: (channels, frames) or mono; (frames, channels) is refused."""

from __future__ import annotations

import numpy as np
import pytest

from mediasynth.core.audio_layout import channels_first, looks_frames_first
from mediasynth.core.registry import lookup
from tests.conftest import tone


@pytest.mark.parametrize("shape", [(16000, 2), (44100, 1), (48000, 6), (1000, 16), (65, 1)])
def test_frames_first_arrays_are_refused_with_the_fix_named(shape):
    x = np.zeros(shape, np.float32)
    with pytest.raises(ValueError, match=r"\(channels, frames\).*samples\.T") as info:
        lookup("audio.gain")(gain_db_range=(6, 6))(x, sample_rate=16000)
    assert str(shape) in str(info.value)


@pytest.mark.parametrize("shape", [(2, 16000), (1, 44100), (6, 48000), (64, 100), (8, 8), (3, 2)])
def test_channels_first_arrays_pass_and_keep_their_shape(shape):
    x = np.random.default_rng(0).uniform(-0.1, 0.1, shape).astype(np.float32)
    y = lookup("audio.gain")(gain_db_range=(6, 6))(x, sample_rate=16000)
    assert y.shape == shape and np.allclose(y, x * 10 ** (6 / 20), atol=1e-6)


def test_a_transposed_stereo_clip_works_once_transposed_back():
    stereo = tone(2, sample_rate=16000).samples  # (2, 16000)
    frames_first = np.ascontiguousarray(stereo.T)
    t = lookup("audio.gain")(gain_db_range=(-6, -6))
    with pytest.raises(ValueError):
        t(frames_first, sample_rate=16000)
    out = t(frames_first.T, sample_rate=16000)  # the fix the message names
    assert out.shape == (2, 16000)
    assert np.allclose(out, stereo * 10 ** (-6 / 20), atol=1e-6)


def test_mono_1d_stays_1d_and_other_ranks_are_refused():
    x = tone(1).samples[0]
    assert lookup("audio.gain")(gain_db_range=(0, 0))(x, sample_rate=16000).shape == x.shape
    with pytest.raises(ValueError, match="1-D"):
        channels_first(np.zeros((2, 3, 100)))
    assert not looks_frames_first((2, 16000)) and looks_frames_first((16000, 2))
