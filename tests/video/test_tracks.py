"""Tracks through VideoHandler.render: boxes moved by the frame chain's geometry (quarter
turns, flips, crops, resizes) and the temporal edits, checked against the decoded pixels of
a white square moving on black; the same annotation on both render paths and on replay;
boxes that leave the frame dropped and counted."""

from __future__ import annotations

import numpy as np
import pytest

from mediasynth.core.config import pipeline_from_config
from mediasynth.video.handler import VideoHandler
from tests.io.layouts.helpers import box_iou, mask_box
from tests.video.helpers import decode, encode_frames

W, H, N, FPS = 96, 64, 30, 10
SIDE_X, SIDE_Y = 14, 10


def _x(i: int) -> int:
    return 2 + 3 * i  # the square's left edge in frame i: it runs off the right side


def _square_clip(path):
    frames = []
    for i in range(N):
        frame = np.zeros((H, W, 3), np.uint8)
        frame[30:30 + SIDE_Y, _x(i):_x(i) + SIDE_X] = 255
        frames.append(frame)
    return encode_frames(path, frames, fps=FPS)


def _annotation(fps=None, scale=1.0):
    tracks = [{"frame": int(round(i / scale)), "id": 4, "bbox": [float(_x(i)), 30.0,
               float(min(_x(i) + SIDE_X, W)), 30.0 + SIDE_Y], "category": "box",
               "extra": {"visibility": 1.0}} for i in range(N) if _x(i) < W]
    return {"tracks": tracks, "fps": fps}


def _pipeline(frames, temporal=(), path="auto", **dataset):
    return pipeline_from_config({"version": 1, "video": {"frames": frames,
                                                         "temporal": list(temporal)},
                                 "dataset": dataset,
                                 "output": {"video": {"path": path, "preset": "ultrafast",
                                                      "crf": 12}}})


def _render(src, dest, pipeline, annotation, seed=0):
    handler = VideoHandler()
    video = handler.load(src, pipeline.budgets)
    record, info = handler.render(video, pipeline, np.random.default_rng(seed), dest,
                                  annotation=annotation)
    return handler, video, record, info


def _edge_errors(dest, tracks) -> list[float]:
    """Per annotated box, the largest distance (px) between its edges and those of the
    white pixels in its frame (the square sits on black: resizes put its edges mid-pixel,
    so up to half a pixel is exact)."""
    frames, _ = decode(dest)
    by_frame = {t["frame"]: t["bbox"] for t in tracks}
    assert max(by_frame) < len(frames)
    errors = []
    for f, box in by_frame.items():
        seen = mask_box(frames[f].mean(axis=2) > 128)
        assert seen is not None and box_iou(box, seen) > 0.5, (f, box, seen)
        errors.append(float(np.max(np.abs(np.subtract(box, seen)))))
    return errors


GEOMETRY = {
    "quarter_turn_crop_resize": (
        [{"type": "image.rotate90", "turns": [1]},
         {"type": "image.crop", "width": 56, "height": 80},
         {"type": "image.resize", "width": 84, "height": 120}], "frames"),
    "flips_and_turn": (
        [{"type": "image.flip_vertical"}, {"type": "image.rotate90", "turns": [3]},
         {"type": "image.flip_horizontal"}], "fused"),
}


@pytest.mark.parametrize("name", sorted(GEOMETRY))
def test_boxes_follow_the_geometry_and_the_temporal_edits(tmp_path, name):
    src = _square_clip(tmp_path / "sq.mp4")
    frames, path = GEOMETRY[name]
    pipeline = _pipeline(frames, [{"type": "video.speed", "factor_range": [1.3, 1.3]},
                                  {"type": "video.trim", "duration_s": 1.5}], path)
    dest = tmp_path / "out.mp4"
    _, _, _, info = _render(src, dest, pipeline, _annotation())
    assert info["path"] == path
    moved = info["annotation"]
    assert moved["fps"] == FPS and len(moved["tracks"]) > 5
    errors = _edge_errors(dest, moved["tracks"])
    assert max(errors) <= 1.0, errors


def test_both_paths_and_replay_give_one_annotation(tmp_path):
    src = _square_clip(tmp_path / "sq.mp4")
    steps = [{"type": "image.flip_horizontal"}, {"type": "image.rotate90", "turns": [1, 3]}]
    temporal = [{"type": "video.reverse"}, {"type": "video.trim", "duration_s": 2.0},
                {"type": "video.frame_rate", "fps_range": [7, 13]}]
    out = {}
    for path in ("fused", "frames"):
        dest = tmp_path / f"{path}.mp4"
        handler, video, record, info = _render(src, dest, _pipeline(steps, temporal, path),
                                               _annotation(), seed=5)
        assert info["path"] == path
        errors = _edge_errors(dest, info["annotation"]["tracks"])
        assert max(errors) <= 1.0, (path, errors)
        replayed = handler.replay(video, _pipeline(steps, temporal, path), record,
                                  tmp_path / f"{path}-again.mp4", annotation=_annotation())
        assert replayed["annotation"] == info["annotation"]
        out[path] = info["annotation"]
    assert out["fused"] == out["frames"]


def test_boxes_leaving_the_frame_are_dropped_and_counted(tmp_path):
    src = _square_clip(tmp_path / "sq.mp4")
    pipeline = _pipeline([{"type": "image.crop", "width": 60, "height": 64}],
                         min_box_visibility=0.5)
    _, _, record, info = _render(src, tmp_path / "out.mp4", pipeline, _annotation())
    x0 = record.children[1].children[0].params["x_fraction"] * (W - 60)
    left = round(x0)
    kept = {t["frame"]: t for t in info["annotation"]["tracks"]}
    source = _annotation()["tracks"]
    for t in source:
        x_a, x_b = t["bbox"][0] - left, t["bbox"][2] - left
        share = max(0.0, min(x_b, 60) - max(x_a, 0)) / (x_b - x_a)
        assert (t["frame"] in kept) == (share >= 0.5), (t["frame"], share)
        if t["frame"] in kept and share < 1:
            assert kept[t["frame"]]["extra"]["visibility"] == pytest.approx(share, abs=1e-3)
    assert info["dropped_objects"] == len(source) - len(kept) > 0


def test_track_frames_at_another_rate_land_on_the_nearest_frame(tmp_path):
    src = _square_clip(tmp_path / "sq.mp4")
    pipeline = _pipeline([{"type": "image.flip_horizontal", "p": 0.0}])
    # the same boxes numbered at 20 fps: frame 2k of the annotation is clip frame k
    annotation = _annotation(fps=2 * FPS, scale=0.5)
    _, _, _, info = _render(src, tmp_path / "out.mp4", pipeline, annotation)
    errors = _edge_errors(tmp_path / "out.mp4", info["annotation"]["tracks"])
    assert len(errors) == len(annotation["tracks"]) and max(errors) <= 1.0


def test_a_box_already_cut_by_the_source_frame_keeps_its_visibility(tmp_path):
    from mediasynth.video.render import plan_clip
    from mediasynth.video.tracks import move_tracks

    src = _square_clip(tmp_path / "sq.mp4")
    pipeline = _pipeline([{"type": "image.center_crop", "width": W, "height": H - 20}])
    video = VideoHandler().load(src, pipeline.budgets)
    plan = plan_clip(video, pipeline, rng=np.random.default_rng(1))  # rows 10..54 kept
    half_out = {"frame": 0, "id": 1, "bbox": [W - 10.0, 30.0, W + 10.0, 40.0],
                "category": None, "extra": {"visibility": 0.5}}
    cut_by_crop = {"frame": 0, "id": 2, "bbox": [20.0, 6.0, 30.0, 14.0],
                   "category": None, "extra": {"visibility": 0.8}}
    gone = {"frame": 1, "id": 3, "bbox": [20.0, 0.0, 30.0, 9.0], "category": None,
            "extra": {}}
    moved, dropped = move_tracks(plan, pipeline, {"tracks": [half_out, cut_by_crop, gone],
                                                  "fps": None})
    by_id = {t["id"]: t for t in moved["tracks"]}
    assert set(by_id) == {1, 2} and dropped == 1
    assert by_id[1]["bbox"] == [W - 10.0, 20.0, W, 30.0]
    assert by_id[1]["extra"]["visibility"] == 0.5  # the source's own cut is not counted
    assert by_id[2]["bbox"] == [20.0, 0.0, 30.0, 4.0]
    assert by_id[2]["extra"]["visibility"] == pytest.approx(0.4)  # the crop cut half
