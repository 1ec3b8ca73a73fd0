"""audio/previews.py: the report's picture of a sound (waveform over mel spectrogram)."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from mediasynth.audio.previews import (
    MEL_HEIGHT_PX,
    WAVE_HEIGHT_PX,
    WAVE_RGB,
    WIDTH_PX,
    sound_tile_png,
    spectrogram,
    waveform,
)


def test_the_waveform_spans_each_columns_range():
    x = np.zeros((2, 32000), np.float32)
    x[:, 16000:] = np.sin(np.arange(16000) / 3)  # silence, then a full-scale tone
    img = waveform(x)
    drawn = np.all(img == WAVE_RGB, axis=2)
    assert img.shape == (WAVE_HEIGHT_PX, WIDTH_PX, 3)
    assert drawn[:, :150].sum(axis=0).max() <= 2  # silence: a line at the middle
    assert np.all(drawn[:, 170:].sum(axis=0) >= WAVE_HEIGHT_PX - 6)  # the tone: full height
    assert np.all(waveform(np.zeros((1, 0), np.float32)) == 255)  # nothing: blank


def test_fewer_samples_than_columns_still_draw():
    img = waveform(np.array([[0.0, 1.0, -1.0]], np.float32))
    assert np.all(img == WAVE_RGB, axis=2).any()


def test_the_spectrogram_puts_low_tones_at_the_bottom():
    rate = 16000
    t = np.arange(rate) / rate
    low = spectrogram(np.sin(2 * np.pi * 200 * t)[None, :].astype(np.float32), rate)
    high = spectrogram(np.sin(2 * np.pi * 5000 * t)[None, :].astype(np.float32), rate)
    assert low.shape == high.shape == (MEL_HEIGHT_PX, WIDTH_PX, 3)
    row_low = int(np.argmax(low.astype(int).sum(axis=(1, 2))))
    row_high = int(np.argmax(high.astype(int).sum(axis=(1, 2))))
    assert row_low > MEL_HEIGHT_PX * 0.6 and row_high < row_low


def test_the_tile_is_a_png_of_both_stacked():
    rate = 8000
    x = (0.5 * np.sin(np.arange(rate) / 5))[None, :].astype(np.float32)
    tile = np.asarray(Image.open(io.BytesIO(sound_tile_png(x, rate))).convert("RGB"))
    assert tile.shape == (WAVE_HEIGHT_PX + MEL_HEIGHT_PX, WIDTH_PX, 3)
    assert np.array_equal(tile[:WAVE_HEIGHT_PX], waveform(x))
    assert np.array_equal(tile[WAVE_HEIGHT_PX:], spectrogram(x, rate))
