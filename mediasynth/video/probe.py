"""Probe a video file into a `Video` description and check the budgets (no full decode)."""

from __future__ import annotations

import functools
from pathlib import Path

from mediasynth.core.errors import MediaError
from mediasynth.core.media import AudioStreamInfo, Video


def probe_video(path: str | Path, *, max_duration_s: float) -> Video:
    """Probe and check; the probe is cached per process for an unchanged file, so the
    engine's header check and the later load in the same worker cost one probe."""
    path = Path(path).resolve()
    st = path.stat()
    facts = _cached_probe(str(path), st.st_size, st.st_mtime_ns)
    return _describe(path, facts, max_duration_s)


@functools.lru_cache(maxsize=64)
def _cached_probe(path: str, size: int, mtime_ns: int) -> dict:
    from mediasynth.io.ffmpeg import probe

    return probe(path)


def _describe(path: Path, facts: dict, max_duration_s: float) -> Video:
    videos = [s for s in facts["streams"] if s["type"] == "video"]
    if not videos:
        raise MediaError("unsupported", "no video stream in the file")
    v = videos[0]
    if "decode_error" in v:
        raise MediaError("unreadable", f"first video frame does not decode: {v['decode_error']}")
    if v["width"] <= 0 or v["height"] <= 0:
        raise MediaError("unreadable", f"video stream has size {v['width']}x{v['height']}")
    duration = facts.get("duration_s") or v.get("duration_s") or 0.0
    if duration <= 0:
        raise MediaError("unreadable", "video has no duration")
    if duration > max_duration_s:
        raise MediaError("too_large", f"{duration:.1f} s exceeds the budget of "
                         f"{max_duration_s:g} s (budgets.max_video_duration_s)")
    fps = v["fps"] or v["base_fps"]
    if not fps or fps <= 0 or fps > 1000:
        raise MediaError("unreadable", f"video has no usable frame rate ({fps})")
    variable = v.get("variable_fps", False) or (
        bool(v["base_fps"]) and abs(v["base_fps"] - fps) / fps > 0.01)
    audio = tuple(AudioStreamInfo(s["index"], s["codec"], int(s["sample_rate"] or 0),
                                  int(s["channels"] or 0))
                  for s in facts["streams"] if s["type"] == "audio" and s.get("channels"))
    return Video(
        path=str(Path(path).resolve()), width=int(v["width"]), height=int(v["height"]),
        fps=float(fps), frame_count=int(v["frames"]) or int(round(duration * fps)),
        duration_s=float(duration), variable_fps=variable, rotation_deg=int(v["rotation_deg"]),
        pixel_aspect=float(v["sar"] or 1.0), codec=v["codec"], pix_fmt=v["pix_fmt"],
        audio=audio, meta={"format": facts["format"].split(",")[0]},
    )


def upright_size(video: Video) -> tuple[int, int]:
    """(width, height) of the frames the decoder delivers: rotation applied, pixels made
    square (width scaled by the sample aspect ratio), both rounded to even numbers."""
    w, h = video.display_size
    if abs(video.pixel_aspect - 1.0) > 1e-3:
        if video.rotation_deg % 180 == 90:
            h = h * video.pixel_aspect
        else:
            w = w * video.pixel_aspect
    return int(round(w / 2)) * 2, int(round(h / 2)) * 2
