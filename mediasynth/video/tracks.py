"""Tracks (MOT-style boxes per frame) through one rendered clip.

A clip's annotation (what layouts/tracks.py reads, what manifest rows keep):

    {"tracks": [{"frame": 0, "id": 1, "bbox": [x0, y0, x1, y1], "category": "car" | None,
                 "extra": {"conf": 1, "visibility": 0.8, ...}}, ...],
     "fps": 30.0 | None}

`frame` is 0-based in the clip's frames; boxes are continuous pixels (pixel (i, j) covers
[j, j+1) x [i, i+1)) of the frames as a player shows them (rotation metadata applied,
stored pixel grid). `fps` is the rate the frame numbers count at (None: the clip's own);
numbers at another rate are moved to the clip's nearest frame first.

Moving depends only on the clip's plan (its record), never on the render path, so the fused
and frame paths give the same annotation:
- time: output frame j shows source frame `timeline.clip_frame_sources(plan)[j]`, and gets
  that frame's boxes (a repeated frame repeats them, a dropped frame's boxes go);
- space: one 3 x 3 matrix for the clip (the source normalization, then every applied
  geometric step's `geometry()`); each box becomes the hull of its moved corners clipped to
  the frame, and is dropped (and counted) when its visible share of that hull falls below
  dataset.min_box_visibility, or its area below dataset.min_box_area_px. A MOT
  "visibility" in extra is scaled by the share the render cut off (a box already partly
  outside the source frame keeps the visibility it was given for that).
"""

from __future__ import annotations

import numpy as np

from mediasynth.core.compose import applied_leaves
from mediasynth.core.transform import OpRecord
from mediasynth.image.functional.targets import clipped_hulls
from mediasynth.video import timeline as TL
from mediasynth.video.transforms.temporal import frames_rounded

FPS_TOLERANCE = 1e-3  # relative: frame numbers at the clip's rate are used as they are


def chain_geometry(chain, record: OpRecord | None, width: int, height: int
                   ) -> tuple[np.ndarray, int, int]:
    """(3 x 3 matrix, out width, out height) of a frame chain's recorded run on width x
    height frames: the product of its applied geometric steps' matrices (other steps change
    pixels only)."""
    from mediasynth.image.transforms.base import GeometricTransform

    matrix = np.eye(3)
    if chain is None or record is None:
        return matrix, width, height
    for step, rec in applied_leaves(chain, record):
        if isinstance(step, GeometricTransform):
            m, width, height = step.geometry(rec.params, width, height)
            matrix = np.asarray(m, np.float64) @ matrix
    return matrix, int(width), int(height)


def source_matrix(video, in_size: tuple[int, int]) -> np.ndarray:
    """From annotation pixels (the displayed frame) to the decoded frame the chain sees:
    a scale when non-square pixels are made square; identity otherwise (an odd last
    row or column is cropped, nothing moves)."""
    if abs(video.pixel_aspect - 1.0) <= 1e-3:
        return np.eye(3)
    display_w, display_h = video.display_size
    return np.diag([in_size[0] / display_w, in_size[1] / display_h, 1.0])


def _tracks_at_clip_rate(tracks: list[dict], annotation_fps, clip_fps: float) -> list[dict]:
    """Tracks with frame numbers at the clip's rate (nearest frame); rows that land on the
    same (frame, id) keep the last one."""
    if not annotation_fps or abs(annotation_fps - clip_fps) <= FPS_TOLERANCE * clip_fps:
        return tracks
    scale = clip_fps / float(annotation_fps)
    moved = {}
    for t in tracks:
        frame = int(frames_rounded(t["frame"] * scale))
        moved[(frame, t["id"])] = {**t, "frame": frame}
    return list(moved.values())


def timed_rows(rows: list[dict], sources: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(output frame, index into `rows`) of every box the output shows, in output order:
    output frame j carries the rows of source frame sources[j]. `rows` are sorted by
    frame."""
    frames = np.array([t["frame"] for t in rows], np.int64)
    top = np.arange(int(frames.max()) + 1 if len(frames) else 0)
    starts = np.searchsorted(frames, top, side="left")
    counts = np.searchsorted(frames, top, side="right") - starts
    valid = (sources >= 0) & (sources < len(counts))
    out_frames = np.flatnonzero(valid)
    per = counts[sources[valid]]
    total = int(per.sum())
    frame_of = np.repeat(out_frames, per)
    first = np.repeat(starts[sources[valid]], per)
    offset = np.arange(total) - np.repeat(np.cumsum(per) - per, per)
    return frame_of, first + offset


def moved_boxes(boxes: np.ndarray, matrix: np.ndarray, width: int, height: int
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(boxes clipped to the frame, visible share of each moved hull, clipped area in
    pixels) of N x 4 xyxy boxes moved by `matrix`."""
    if len(boxes) == 0:
        return boxes.reshape(0, 4), np.zeros(0), np.zeros(0)
    clipped, full, area = clipped_hulls(boxes, matrix, width=width, height=height)
    return clipped, area / np.maximum(full, 1e-12), area


def move_tracks(plan, pipeline, annotation: dict) -> tuple[dict, int]:
    """(the annotation of the rendered clip, number of boxes dropped by the geometry) for a
    source annotation through `plan` (video.render.ClipPlan). The result's frames count
    at the output's rate ("fps"); "width"/"height" are the encoded frame size."""
    sources, fps_out = TL.clip_frame_sources(plan)
    tracks = _tracks_at_clip_rate(list(annotation.get("tracks") or []),
                                  annotation.get("fps"), plan.source.fps)
    rows = sorted(tracks, key=lambda t: (t["frame"], t["id"]))
    boxes = np.array([t["bbox"] for t in rows], np.float64).reshape(-1, 4)
    clipped, keep, kept_share, (out_w, out_h) = _placed(plan, pipeline, boxes)
    frame_of, index = timed_rows(rows, sources)
    moved = [_moved_track(rows[i], int(j), clipped[i], float(kept_share[i]))
             for j, i in zip(frame_of, index) if keep[i]]
    dropped = int(np.count_nonzero(~keep[index])) if len(index) else 0
    return {"tracks": moved, "fps": round(fps_out, 6), "width": out_w + out_w % 2,
            "height": out_h + out_h % 2}, dropped


def _placed(plan, pipeline, boxes: np.ndarray):
    """(boxes moved and clipped, which are kept, share of each source box's visible part
    still in the frame, (out width, out height)): the clip's one matrix on N x 4 boxes and
    the dataset's drop limits."""
    opts = pipeline.dataset
    in_w, in_h = plan.in_size
    matrix, out_w, out_h = chain_geometry(pipeline.video.frames, plan.record.children[1],
                                          in_w, in_h)
    normalize = source_matrix(plan.source, plan.in_size)
    clipped, share, area = moved_boxes(boxes, matrix @ normalize, out_w, out_h)
    keep = (area > 0) & (area >= opts.min_box_area_px) & (share >= opts.min_box_visibility)
    _, share_before, _ = moved_boxes(boxes, normalize, in_w, in_h)
    kept_share = np.minimum(share / np.maximum(share_before, 1e-12), 1.0)
    return clipped, keep, kept_share, (out_w, out_h)


def _moved_track(track: dict, frame: int, box: np.ndarray, kept_share: float) -> dict:
    """The track at output `frame` with its moved box; a numeric "visibility" scaled by
    `kept_share` (the part of the source's visible box still in the frame)."""
    extra = dict(track.get("extra") or {})
    visibility = extra.get("visibility")
    if isinstance(visibility, (int, float)) and not isinstance(visibility, bool) and \
            kept_share < 1:
        extra["visibility"] = round(float(visibility) * kept_share, 4)
    return {"frame": frame, "id": track["id"], "bbox": [round(float(v), 3) for v in box],
            "category": track.get("category"), "extra": extra}
