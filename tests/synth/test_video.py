"""Synthetic videos: boxes match the decoded frames, beeps match the bounces."""

from __future__ import annotations

import av
import numpy as np
import pytest

from mediasynth.core.registry import lookup


def _decode(path):
    with av.open(str(path)) as c:
        frames = [f.to_ndarray(format="rgb24") for f in c.decode(c.streams.video[0])]
    with av.open(str(path)) as c:
        audio = np.concatenate([f.to_ndarray().reshape(-1) for f in c.decode(c.streams.audio[0])])
        rate = c.streams.audio[0].codec_context.sample_rate
    return frames, audio, rate


def _iou(a, b):
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)


@pytest.mark.parametrize("trajectory", ["linear", "bouncing", "circular"])
def test_boxes_match_the_decoded_frames(tmp_path, trajectory):
    gen = lookup("synth.video")(width=128, height=96, duration_s=1.2, objects_range=(1, 1),
                                shapes=("square",), size_fraction_range=(0.25, 0.25),
                                speed_fraction_range=(0.2, 0.4))
    item, rec = gen.generate(np.random.default_rng(7), trajectory)
    path = tmp_path / "clip.mp4"
    gen.write(item, path)
    frames, _, _ = _decode(path)
    assert len(frames) == item.annotations["frames"] == 30
    bg = np.array(rec.params["background"], float)
    by_frame = {b["frame"]: b["box"] for b in item.annotations["boxes"]}
    checked = 0
    for i, frame in enumerate(frames, start=1):
        fg = np.abs(frame.astype(float) - bg).sum(axis=2) > 60
        if i not in by_frame or fg.sum() < 20:
            continue
        ys, xs = np.nonzero(fg)
        found = [xs.min(), ys.min(), xs.max() + 1, ys.max() + 1]
        # every edge within 2.5 px (anti-aliasing, 4:2:0 chroma and H.264 blur the outline)
        assert np.abs(np.array(by_frame[i]) - np.array(found)).max() <= 2.5, (i, by_frame[i], found)
        if min(found[2] - found[0], found[3] - found[1]) >= 16:
            assert _iou(by_frame[i], found) > 0.8
        checked += 1
    assert checked >= 10


def test_beeps_fall_within_one_frame_of_the_bounces(tmp_path):
    gen = lookup("synth.video")(width=96, height=64, duration_s=3.0, objects_range=(1, 1),
                                speed_fraction_range=(2.0, 2.5))
    item, rec = gen.generate(np.random.default_rng(3), "bouncing")
    events = item.annotations["events"]
    assert len(events) >= 3
    path = tmp_path / "clip.mp4"
    gen.write(item, path)
    _, audio, rate = _decode(path)
    tone_hz = events[0]["tone_hz"]
    # energy of the object's tone in 5 ms hops
    hop = int(0.005 * rate)
    t = np.arange(hop * 4) / rate
    probe = np.exp(-2j * np.pi * tone_hz * t)
    energy = np.array([abs(np.dot(audio[i:i + len(t)], probe))
                       for i in range(0, len(audio) - len(t), hop)])
    onsets = [i * hop / rate for i in range(1, len(energy))
              if energy[i] > 0.3 * energy.max() and energy[i - 1] <= 0.3 * energy.max()]
    frame = 1 / rec.params["fps"]
    for e in events:
        assert min(abs(o - e["t_s"]) for o in onsets) < frame, (e, onsets)
    # and each bounce is a wall contact in the labelled boxes
    boxes = {b["frame"]: b["box"] for b in item.annotations["boxes"]}
    for e in events:
        box = boxes[int(round(e["t_s"] * rec.params["fps"])) + 1]
        gap = min(box[0], box[1], 96 - box[2], 64 - box[3])
        speed = max(abs(rec.params["objects"][0]["vx"]), abs(rec.params["objects"][0]["vy"]))
        assert gap <= speed * frame + 1
