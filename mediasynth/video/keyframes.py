"""Keyframe thumbnails of a video file (the report's strips, the evaluation's video
features): a few small RGB frames at fractions of the clip's duration, decoded with PyAV.
`report_tile` is the video modality's tile renderer (core/report_tile.py)."""

from __future__ import annotations

from pathlib import Path

from mediasynth.core.report_tile import Tile
from mediasynth.io.ffmpeg import open_container

STRIP_FRACTIONS = (0.1, 0.5, 0.9)
STRIP_FRAME_PX = 120


def keyframes(path: str | Path, fractions: tuple[float, ...], *, width_px: int = 120
              ) -> list:
    """RGB frames (H x W x 3 uint8, `width_px` wide) at about the given fractions of a
    clip's duration, decoded in this process with PyAV in one forward pass that skips the
    frames no other frame refers to (thumbnails need not be frame-exact: the nearest
    reference frame at or after each target; the last one for targets past the end)."""
    import numpy as np

    def small(frame):
        height = max(2, round(frame.height * width_px / frame.width / 2) * 2)
        image = frame.reformat(width=width_px, height=height, format="rgb24")
        return np.asarray(image.to_ndarray(), np.uint8)

    frames, last = [], None
    with open_container(path) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        stream.codec_context.skip_frame = "NONREF"
        duration = float(container.duration or 0) / 1e6 or float(
            (stream.duration or 0) * (stream.time_base or 0))
        targets = sorted(duration * f for f in fractions)
        for frame in container.decode(stream):
            last = frame
            while targets and frame.time is not None and frame.time >= targets[0] - 1e-3:
                frames.append(small(frame))
                targets.pop(0)
            if not targets:
                break
    if targets and last is not None:
        frames += [small(last)] * len(targets)
    return frames


def report_tile(path: Path, row: dict | None, preview: Path | None) -> Tile:
    """The report's tile of a clip: keyframes at 10, 50 and 90 %, the strip the worker's
    FFmpeg made on the way when there is one, else decoded here; with a player."""
    if preview is not None and preview.is_file():
        return Tile(preview.read_bytes(), "keyframes", "video", stem="keys")
    import numpy as np

    from mediasynth.core.media import Image
    from mediasynth.io.image_io import encode_image

    frames = keyframes(path, STRIP_FRACTIONS, width_px=STRIP_FRAME_PX)
    height = min(f.shape[0] for f in frames)
    strip = np.concatenate([f[:height] for f in frames], axis=1)
    return Tile(encode_image(Image(strip), "png"), "keyframes", "video", stem="keys")
