"""Which source frame every output frame of a clip shows.

The temporal edits of a clip (`Video.meta["edits"]`, in order) each have a frame map
(`frame_map` of the transform that made them, see video/transforms/temporal.py); composed,
they give one array: entry j is the source frame output frame j shows. Annotations follow
it (video/tracks.py), and the frame path plays the edits FFmpeg does not do for it
(`select`, `buffered`), so what the frames show and what the tracks say cannot drift.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np

from mediasynth.core.errors import MediaError

DEFAULT_BUFFER_BYTES = 8 * 1024**3


def edit_class(op: str) -> type:
    """The temporal transform class that makes edits of `op`."""
    from mediasynth.video.transforms.temporal import EDIT_CLASSES

    if op not in EDIT_CLASSES:
        raise ValueError(f"no temporal transform makes {op!r} edits")
    return EDIT_CLASSES[op]


def frame_sources(edits: list[dict], n_frames: int, fps: float) -> tuple[np.ndarray, float]:
    """(int64 source frame per output frame, output frame rate) for a source of `n_frames`
    frames at `fps` through `edits` in order."""
    index = np.arange(int(n_frames), dtype=np.int64)
    for e in edits:
        cls = edit_class(e["op"])
        index = index[cls.frame_map(e, len(index), fps)]
        fps = cls.fps_after(e, fps)
    return index, float(fps)


def clip_frame_sources(plan) -> tuple[np.ndarray, float]:
    """`frame_sources` of a planned clip (video.render.ClipPlan)."""
    edits = list(plan.edited.meta.get("edits", []))
    return frame_sources(edits, plan.source.frame_count, plan.source.fps)


def stream_facts(edits: list[dict], n_frames: int, fps: float) -> list[tuple[int, float]]:
    """(frame count, frame rate) of the stream each edit receives, for a source of
    `n_frames` frames at `fps`."""
    out = []
    for e in edits:
        out.append((n_frames, fps))
        cls = edit_class(e["op"])
        n_frames, fps = len(cls.frame_map(e, n_frames, fps)), cls.fps_after(e, fps)
    return out


def is_monotone(index_map: np.ndarray) -> bool:
    return bool(np.all(np.diff(index_map) >= 0))


def select(frames: Iterable, index_map: np.ndarray) -> Iterator:
    """Stream the frames a non-decreasing map shows (a frame is held while the map repeats
    it, and skipped when the map passes it); stops early when the frames run out."""
    it = iter(frames)
    position, current = -1, None
    for wanted in index_map:
        while position < wanted:
            try:
                current = next(it)
            except StopIteration:
                return
            position += 1
        yield current


def buffered(frames: Iterable, edit: dict, dest: Path) -> Iterator:
    """Play an edit whose map goes back in time (a reverse): every frame is buffered in a
    temp file beside `dest` (at most the edit's "max_buffer_bytes"), then the map, made
    for the number of frames actually received, is played from the buffer."""
    limit = int(edit.get("max_buffer_bytes", DEFAULT_BUFFER_BYTES))
    path = dest.parent / f".mediasynth-tmp-{edit['op']}-{os.getpid()}-{dest.stem}.raw"
    shape, dtype, count = None, None, 0
    try:
        with open(path, "w+b") as fh:
            for frame in frames:
                shape, dtype = frame.shape, frame.dtype
                count += 1
                if count * frame.nbytes > limit:
                    raise MediaError("too_large", f"{edit['op']} needs more than {limit:,} "
                                     "bytes of frame buffer (video.reverse max_buffer_bytes)")
                fh.write(np.ascontiguousarray(frame).tobytes())
            if shape is None:
                return
            size = int(np.prod(shape)) * np.dtype(dtype).itemsize
            index_map = edit_class(edit["op"]).frame_map(edit, count, edit.get("fps_in", 0.0))
            for i in index_map:
                fh.seek(int(i) * size)
                yield np.frombuffer(fh.read(size), dtype).reshape(shape)
    finally:
        with contextlib.suppress(OSError):
            path.unlink()
