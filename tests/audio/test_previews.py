"""audio/previews.py: the report's picture of a sound (waveform over mel spectrogram)."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from mediasynth.audio.previews import (
    MEL_HEIGHT_PX,
    SPAN_BAR_PX,
    WAVE_HEIGHT_PX,
    WAVE_RGB,
    WIDTH_PX,
    draw_event_spans,
    events_of,
    report_tile,
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


def test_event_spans_are_drawn_where_the_events_are_one_lane_per_overlap():
    tile = np.zeros((WAVE_HEIGHT_PX + MEL_HEIGHT_PX, WIDTH_PX, 3), np.uint8)
    events = [{"label": "dog", "onset_s": 1.0, "offset_s": 3.0},
              {"label": "bird", "onset_s": 2.0, "offset_s": 4.0},  # overlaps: second lane
              {"label": "dog", "onset_s": 6.0, "offset_s": 8.0}]  # first lane again
    out = draw_event_spans(tile, events, duration_s=10.0)
    dog, bird = out[WAVE_HEIGHT_PX, 40], out[WAVE_HEIGHT_PX + SPAN_BAR_PX, 70]
    first = (out[WAVE_HEIGHT_PX] == dog).all(axis=1)  # lane 1 (onset/offset lines of
    second = (out[WAVE_HEIGHT_PX + SPAN_BAR_PX] == bird).all(axis=1)  # others cross it)
    assert np.flatnonzero(first).tolist() == [*range(32, 96), *range(192, 256)]
    assert np.flatnonzero(second).tolist() == list(range(64, 128))
    assert (out[-1, [32, 95, 64, 127, 192, 255]].any(axis=1)).all()  # lines down to the bottom
    assert not out[:WAVE_HEIGHT_PX].any()  # the waveform is left alone
    assert tuple(out[WAVE_HEIGHT_PX, 40]) == tuple(out[WAVE_HEIGHT_PX, 200])  # one colour a label
    assert tuple(out[WAVE_HEIGHT_PX, 40]) != tuple(out[WAVE_HEIGHT_PX + SPAN_BAR_PX, 70])
    assert not tile.any()  # the input is kept


def test_events_come_from_an_event_table_annotation_or_soundscape_labels():
    table = {"annotation": {"events": [{"label": "a", "onset_s": 0.1, "offset_s": 0.2}],
                            "duration_s": None}}
    synth = {"info": {"labels": {"events": [{"label": "b", "onset_s": 1, "offset_s": 2,
                                             "source": "x.wav"}]}}}
    assert [e["label"] for e in events_of(table)] == ["a"]
    assert [e["label"] for e in events_of(synth)] == ["b"]
    assert events_of({"info": {"labels": {"objects": []}}}) == []


def test_a_tile_of_an_annotated_sound_shows_its_spans(tmp_path):
    import soundfile

    rate = 8000
    x = 0.3 * np.sin(np.arange(2 * rate) / 3)
    soundfile.write(tmp_path / "s.wav", x, rate)
    row = {"annotation": {"events": [{"label": "tone", "onset_s": 0.5, "offset_s": 1.0}]}}
    tile = report_tile(tmp_path / "s.wav", row, None)
    plain = report_tile(tmp_path / "s.wav", {}, None)
    assert "1 event spans (tone)" in tile.alt and tile.player == "audio"
    a = np.asarray(Image.open(io.BytesIO(tile.png)).convert("RGB"))
    b = np.asarray(Image.open(io.BytesIO(plain.png)).convert("RGB"))
    changed = np.flatnonzero((a != b).any(axis=2).any(axis=0))
    assert changed.min() == WIDTH_PX // 4 and changed.max() == WIDTH_PX // 2 - 1


def test_spans_are_drawn_on_the_workers_picture_without_decoding_the_sound_again(tmp_path):
    rate = 8000
    x = (0.3 * np.sin(np.arange(2 * rate) / 3))[None, :].astype(np.float32)
    preview = tmp_path / "preview.png"
    preview.write_bytes(sound_tile_png(x, rate))
    row = {"annotation": {"events": [{"label": "tone", "onset_s": 0.5, "offset_s": 1.0}]},
           "info": {"duration_s": 2.0}}
    tile = report_tile(tmp_path / "not-there.wav", row, preview)  # the file is never read
    drawn = np.asarray(Image.open(io.BytesIO(tile.png)).convert("RGB"))
    plain = np.asarray(Image.open(preview).convert("RGB"))
    changed = np.flatnonzero((drawn != plain).any(axis=2).any(axis=0))
    assert changed.min() == WIDTH_PX // 4 and changed.max() == WIDTH_PX // 2 - 1
    assert report_tile(tmp_path / "not-there.wav", {}, preview).png == preview.read_bytes()
