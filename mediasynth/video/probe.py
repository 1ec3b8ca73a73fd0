"""Probe a video file into a `Video` description and check the budgets.

Two depths:
- `probe_video` / `check_video`: the header and the first frame (cheap: the engine's header
  check). Budgets: the duration (the header's; measured from the packets when the header
  states more than the budget), frame size (max_video_pixels) and the memory a worker
  needs for its frames (max_worker_memory_bytes).
- `load_video`: also reads every packet without decoding (`verify_video`): refuses
  truncated and damaged files, bounds the work by the content's *measured* length (a header
  can claim 1 s for 10 minutes of packets) and measures where the soundtrack starts
  against the first frame (`meta["audio_offset_s"]`, used to keep them in sync).

Video.meta: "format"; "video_start_s", the first frame's time after the container's start
(where FFmpeg's -ss counts from); "audio_offset_s", the first audio sample's time minus the
first frame's (positive: the audio starts late). `probe_video` reads both from the header
and first video frame; `load_video` from the first decoded frame of each stream.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

from mediasynth.core.errors import MediaError
from mediasynth.core.media import AudioStreamInfo, Video

# Frames a worker holds at once on the frame path (the I420 frame read, its RGB copy, a
# chain's intermediates and result, the I420 written back) with a margin for transforms
# that keep copies: the basis of the max_worker_memory_bytes check.
FRAMES_IN_MEMORY = 8
# FFmpeg's own buffers per pixel of a frame: the decoder's reference and threaded frames,
# the filter graph's, and libx264's lookahead, B-frames and half-pel planes (threads 2,
# veryfast). Measured by bench/memory.py: a 3000x3000 clip costs the worker and its FFmpeg
# 927 MiB above idle, 108 bytes a pixel, of which the FRAMES_IN_MEMORY RGB frames are 24.
FFMPEG_BYTES_PER_PIXEL = 84
# A header duration this much longer than the packets means the file was cut short.
TRUNCATION_MIN_S = 0.5
TRUNCATION_SHARE = 0.05


def probe_video(path: str | Path, *, max_duration_s: float) -> Video:
    """The header and first frame of `path` as a Video (duration from the header, or
    measured from the packets when the header states more than `max_duration_s`), after
    the duration check; the probe is cached per process for an unchanged file,
    so the engine's header check and the later load in the same worker cost one probe."""
    path = Path(path).resolve()
    return _describe(path, _facts(path), max_duration_s)


def check_video(path: str | Path, budgets) -> Video:
    """`probe_video` plus the size budgets (max_video_pixels, max_worker_memory_bytes),
    all from the header, before anything is decoded."""
    video = probe_video(path, max_duration_s=budgets.max_video_duration_s)
    check_size_budgets(video, budgets)
    return video


def load_video(path: str | Path, budgets) -> Video:
    """`check_video` plus `verify_video`; the Video's duration, frame count and audio
    offset are the measured ones (packets and first decoded frames), not the header's."""
    video = check_video(path, budgets)
    scan = verify_video(path, budgets)
    facts = _facts(Path(path).resolve())
    return _measured(video, facts, scan)


def verify_video(path: str | Path, budgets):
    """Read every packet of `path` without decoding (io.ffmpeg.scan_packets) and refuse it:
    MediaError('truncated') when the demuxer says the file ends early or the packets end
    well before the header's duration, MediaError('damaged') for other demuxer errors,
    MediaError('too_large') when the measured content is longer than
    budgets.max_video_duration_s (the scan stops there). Returns the scan."""
    path = Path(path).resolve()
    st = path.stat()
    limit = float(budgets.max_video_duration_s)
    scan = _cached_scan(str(path), st.st_size, st.st_mtime_ns, limit)
    _refuse_damage(scan, limit)
    _refuse_measured_length(scan, limit)
    return scan


def verify_decoding(path: str | Path, budgets) -> None:
    """Decode every audio and video frame of `path` (io.ffmpeg.decode_failure): for an
    original copied byte for byte, which nothing else decodes. MediaError('damaged') with
    the decoder's message at the first error (a bit flipped in the media data passes the
    packet scan), MediaError('timeout') past budgets.ffmpeg_timeout_s."""
    from mediasynth.io.ffmpeg import decode_failure

    message = decode_failure(Path(path).resolve(), timeout_s=float(budgets.ffmpeg_timeout_s))
    if message is not None:
        raise MediaError("damaged", f"the source does not decode: {message}")


def check_size_budgets(video: Video, budgets) -> None:
    """MediaError('too_large') when the frames are larger than budgets.max_video_pixels or
    holding FRAMES_IN_MEMORY of them would pass budgets.max_worker_memory_bytes."""
    pixels = video.width * video.height
    if pixels > budgets.max_video_pixels:
        raise MediaError("too_large", f"{video.width}x{video.height} frames ({pixels:,} pixels) "
                         f"exceed budgets.max_video_pixels ({budgets.max_video_pixels:,})")
    need = video_memory_bytes(video)
    if need > budgets.max_worker_memory_bytes:
        raise MediaError("too_large", f"{video.width}x{video.height} frames need about "
                         f"{need / 2**20:,.0f} MiB of worker memory ({FRAMES_IN_MEMORY} RGB "
                         f"frames and FFmpeg's decoder and encoder buffers), over the budget "
                         f"of {budgets.max_worker_memory_bytes / 2**20:,.0f} MiB "
                         "(budgets.max_worker_memory_bytes)")


def video_memory_bytes(video: Video) -> int:
    """Bytes of FRAMES_IN_MEMORY upright RGB frames (8 bits: frames cross the pipes as 8-bit
    whatever the source's depth) plus FFmpeg's buffers (FFMPEG_BYTES_PER_PIXEL)."""
    w, h = upright_size(video)
    return (FRAMES_IN_MEMORY * 3 + FFMPEG_BYTES_PER_PIXEL) * w * h


@dataclass(frozen=True)
class VideoHeader:
    """What the engine's header check read of a file (probe facts and packet scan), handed
    to the worker that renders it so the file is opened once per run, not once per phase.
    Valid only for the file as it was: `remember` ignores it when size or mtime differ."""

    path: str
    size: int
    mtime_ns: int
    facts: dict
    scan: object | None  # io.ffmpeg.PacketScan; None when the scan failed (load repeats it)
    limit_s: float


class _Memo:
    """A small per-process cache of file facts keyed by (path, size, mtime_ns, ...), that
    a VideoHeader can seed (an lru_cache cannot be)."""

    def __init__(self, size: int):
        self.size, self.items, self.lock = size, OrderedDict(), threading.Lock()

    def get(self, key: tuple, compute):
        with self.lock:
            if key in self.items:
                self.items.move_to_end(key)
                return self.items[key]
        value = compute()
        self.put(key, value)
        return value

    def put(self, key: tuple, value) -> None:
        with self.lock:
            self.items[key] = value
            self.items.move_to_end(key)
            while len(self.items) > self.size:
                self.items.popitem(last=False)


_PROBES, _SCANS = _Memo(64), _Memo(16)


def read_header(path: str | Path, budgets) -> VideoHeader:
    """`check_video`, then the packet scan `load_video` needs (not judged here: a damaged
    file is refused, or kept, where it is loaded), as a VideoHeader."""
    path = Path(path).resolve()
    check_video(path, budgets)
    st = path.stat()
    limit = float(budgets.max_video_duration_s)
    try:
        scan = _cached_scan(str(path), st.st_size, st.st_mtime_ns, limit)
    except MediaError:
        scan = None
    return VideoHeader(str(path), st.st_size, st.st_mtime_ns, _facts(path), scan, limit)


def remember(header: VideoHeader) -> None:
    """Seed this process's caches with a header read elsewhere, if the file is unchanged."""
    try:
        st = Path(header.path).stat()
    except OSError:
        return
    if (st.st_size, st.st_mtime_ns) != (header.size, header.mtime_ns):
        return
    key = (header.path, header.size, header.mtime_ns)
    _PROBES.put(key, header.facts)
    if header.scan is not None:
        _SCANS.put((*key, header.limit_s), header.scan)


def _facts(path: Path) -> dict:
    st = path.stat()
    return _cached_probe(str(path), st.st_size, st.st_mtime_ns)


def _cached_probe(path: str, size: int, mtime_ns: int) -> dict:
    from mediasynth.io.ffmpeg import probe

    return _PROBES.get((path, size, mtime_ns), lambda: probe(path))


def _cached_scan(path: str, size: int, mtime_ns: int, limit_s: float):
    from mediasynth.io.ffmpeg import scan_packets

    return _SCANS.get((path, size, mtime_ns, limit_s),
                      lambda: scan_packets(path, limit_s=limit_s))


def _refuse_damage(scan, limit_s: float = float("inf")) -> None:
    """Truncation and demuxer errors. The packets ending well before the header's duration
    mean a cut file, unless the header states more than `limit_s` (the duration budget):
    such a header is not trusted (measured instead, see `_measured_within`), and only the
    demuxer's own words tell a cut."""
    if scan.over_limit:
        return  # stopped early: an ending cannot be judged (the length check refuses it)
    if scan.truncation:
        raise MediaError("truncated", f"the file ends early (demuxer: {scan.truncation})")
    if scan.error:
        code = "truncated" if "end of file" in scan.error.lower() else "damaged"
        raise MediaError(code, f"demuxing failed: {scan.error}")
    header, content = scan.header_duration_s, scan.content_s
    if header and header <= limit_s and content is not None and \
            header - content > max(TRUNCATION_MIN_S, TRUNCATION_SHARE * header):
        raise MediaError("truncated", f"packets end at {content:.2f} s of the "
                         f"{header:.2f} s the header states")


def _refuse_measured_length(scan, limit_s: float) -> None:
    content = scan.content_s
    if scan.over_limit or (content is not None and content > limit_s):
        raise MediaError("too_large", f"the content runs past {limit_s:g} s "
                         "(budgets.max_video_duration_s; measured from its packets, "
                         "whatever the header says)")


def _measured(video: Video, facts: dict, scan) -> Video:
    """`video` with the duration, frame count and audio offset the scan measured."""
    v = next(s for s in facts["streams"] if s["type"] == "video")
    span = scan.streams.get(v["index"])
    if span is None or span.packets == 0:
        raise MediaError("damaged", "the video stream has no packets")
    first = v["start_s"] if v.get("start_s") is not None else span.start_s
    duration = video.duration_s
    if first is not None and span.end_s is not None and span.end_s > first:
        duration = span.end_s - first
    meta = dict(video.meta)
    if first is not None:
        meta["video_start_s"] = round(first - facts.get("start_s", 0.0), 6)
    if video.audio and first is not None:
        a = scan.streams.get(video.audio[0].index)
        audio_first = _audio_first_time(a) if a is not None else None
        if audio_first is not None:
            meta["audio_offset_s"] = round(audio_first - first, 6)
    return video.replace(duration_s=float(duration), meta=meta,
                         frame_count=max(1, int(round(duration * video.fps))))


def _audio_first_time(span) -> float | None:
    """The audio stream's first decoded frame time, else its first packet's."""
    return span.first_frame_s if span.first_frame_s is not None else span.start_s


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
    frames = int(v["frames"])
    if duration > max_duration_s:
        duration, frames = _measured_within(path, duration, max_duration_s), 0
    fps = v["fps"] or v["base_fps"]
    if not fps or fps <= 0 or fps > 1000:
        raise MediaError("unreadable", f"video has no usable frame rate ({fps})")
    variable = v.get("variable_fps", False) or (
        bool(v["base_fps"]) and abs(v["base_fps"] - fps) / fps > 0.01)
    tracks = [s for s in facts["streams"] if s["type"] == "audio" and s.get("channels")]
    audio = tuple(AudioStreamInfo(s["index"], s["codec"], int(s["sample_rate"] or 0),
                                  int(s["channels"] or 0)) for s in tracks)
    meta = {"format": facts["format"].split(",")[0]}
    if v.get("start_s") is not None:
        meta["video_start_s"] = round(v["start_s"] - facts.get("start_s", 0.0), 6)
        if tracks and tracks[0].get("start_s") is not None:
            meta["audio_offset_s"] = round(tracks[0]["start_s"] - v["start_s"], 6)
    return Video(
        path=str(Path(path).resolve()), width=int(v["width"]), height=int(v["height"]),
        fps=float(fps), frame_count=frames or int(round(duration * fps)),
        duration_s=float(duration), variable_fps=variable, rotation_deg=int(v["rotation_deg"]),
        pixel_aspect=float(v["sar"] or 1.0), codec=v["codec"], pix_fmt=v["pix_fmt"],
        audio=audio, meta=meta,
    )


def _measured_within(path: Path, header_s: float, limit_s: float) -> float:
    """The length of a file whose header states more than `limit_s`, measured from its
    packets (the scan stops past the limit): a header can claim 10 hours for a 2 s clip.
    MediaError('too_large') when the content is longer too, or has no timestamps."""
    st = path.stat()
    scan = _cached_scan(str(path), st.st_size, st.st_mtime_ns, limit_s)
    content = scan.content_s
    if scan.over_limit or content is None or content > limit_s:
        measured = "has no timestamps to measure" if content is None and not scan.over_limit \
            else "runs past it too, measured from its packets"
        raise MediaError("too_large", f"the header states {header_s:.1f} s, over the budget "
                         f"of {limit_s:g} s (budgets.max_video_duration_s), and the content "
                         f"{measured}")
    return content


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
