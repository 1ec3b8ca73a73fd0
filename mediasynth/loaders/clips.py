"""Reading a few frames of a clip (for loaders): one FFmpeg decode of just the needed span."""

from __future__ import annotations

import numpy as np

from mediasynth.core.media import Video


def read_frames(video: Video, *, start: int, count: int, stride: int) -> np.ndarray:
    """(count, H, W, 3) uint8 frames start, start + stride, ... (upright, square pixels);
    clips that are too short repeat their last frame."""
    from mediasynth.io.ffmpeg import run_ffmpeg, safe_input
    from mediasynth.video.graph import source_filters
    from mediasynth.video.probe import upright_size

    w, h = upright_size(video)
    first_s = start / video.fps
    filters = [*source_filters(video), f"select='not(mod(n\\,{stride}))'", "setpts=N/TB"]
    raw = run_ffmpeg(["-ss", f"{first_s:.6f}", *safe_input(video.path), "-map", "0:v:0",
                      "-frames:v", str(count), "-vf", ",".join(filters), "-fps_mode",
                      "passthrough", "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1"],
                     capture_stdout=True)
    size = w * h * 3
    n = len(raw) // size
    frames = np.frombuffer(raw[: n * size], np.uint8).reshape(n, h, w, 3)
    if n == 0:
        frames = np.zeros((1, h, w, 3), np.uint8)
    if len(frames) < count:
        frames = np.concatenate([frames, np.repeat(frames[-1:], count - len(frames), axis=0)])
    return np.ascontiguousarray(frames[:count])
