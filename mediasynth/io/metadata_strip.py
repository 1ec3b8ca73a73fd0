"""Copy a media file without its personal metadata (the default for copied originals).

Policy: what says who, where or with what a file was made goes (EXIF, XMP, IPTC, comments,
text chunks, audio tags, container tags, data streams such as GPS telemetry, attachments,
chapters); what decides how the media decodes and looks stays (JFIF, ICC profiles, colour
chunks, Adobe colour transform, animation control, cue points, video rotation). The EXIF
orientation stays as the only EXIF tag: dropping it would turn the copy relative to its
annotations, which are in upright pixels (io/image_io.py applies the orientation).

Lossless: images and WAV/AIFF/FLAC/MP3/AAC are rewritten segment by segment in Python
(io/metadata_image.py, io/metadata_tiff.py, io/metadata_audio.py), coded data copied byte
for byte; other containers (Ogg, MP4/MOV/M4A, Matroska/WebM, AVI, MPEG-TS/PS, ASF) are remuxed by FFmpeg with
`-map_metadata -1 -c copy` (packets unchanged, container rewritten). BMP holds nothing to
remove; files of formats not named here are copied as they are.
"""

from __future__ import annotations

import contextlib
import mmap
import shutil
from pathlib import Path

from mediasynth.core.errors import FFmpegError, MediaError
from mediasynth.io import metadata_audio as A
from mediasynth.io import metadata_image as I
from mediasynth.io import metadata_tiff as T
from mediasynth.io.sniff import sniff_path

_PYTHON = {"jpeg": I.strip_jpeg, "png": I.strip_png, "webp": I.strip_webp, "gif": I.strip_gif,
           "tiff": T.strip_tiff, "wav": A.strip_wav, "aiff": A.strip_aiff,
           "flac": A.strip_flac, "mp3": A.strip_mpeg_audio, "aac": A.strip_mpeg_audio}
# sniffed format -> FFmpeg muxer writing the same container
_REMUX = {"ogg": ["-f", "ogg"], "m4a": ["-f", "ipod"], "mp4": ["-f", "mp4"],
          "mov": ["-f", "mov"], "matroska": ["-f", "matroska"], "webm": ["-f", "webm"],
          "avi": ["-f", "avi"], "mpegts": ["-f", "mpegts"], "mpeg": ["-f", "vob"],
          "asf": ["-f", "asf"]}
_NOTHING_TO_REMOVE = {"bmp"}
# container and stream tags FFmpeg reports that describe the file's structure, not people
_TECHNICAL_TAGS = {"major_brand", "minor_version", "compatible_brands", "encoder", "vendor_id",
                   "language", "duration"}
COPY_BLOCK_BYTES = 1 << 20


def strip_metadata(src: Path, dest: Path, *, timeout_s: float = 600.0) -> list[str] | None:
    """Write `src` to `dest` without personal metadata (policy above). Returns the sorted
    names of what was removed ([] when there was nothing), or None when the format is not
    one mediasynth knows (then `dest` is a plain copy). MediaError "unsupported" when a
    known format cannot be rewritten (the caller's row says so; --keep-metadata copies)."""
    fmt = sniff_path(src).format
    if fmt in _PYTHON:
        return _rewrite(src, dest, _PYTHON[fmt], fmt)
    if fmt in _REMUX:
        return _remux(src, dest, fmt, timeout_s)
    shutil.copyfile(src, dest)
    return [] if fmt in _NOTHING_TO_REMOVE else None


def personal_metadata(src: Path) -> list[str] | None:
    """What `strip_metadata` would remove from `src` (sorted names), without writing: the
    metadata an output encoded afresh from it does not carry. None for a format mediasynth
    does not know or a structure it cannot walk."""
    fmt = sniff_path(src).format
    try:
        if fmt in _PYTHON:
            with open(src, "rb") as fh:
                if fh.seek(0, 2) == 0:
                    return []
                with mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as buf:
                    return sorted(_PYTHON[fmt](buf)[1])
        if fmt in _REMUX:
            return _container_metadata(src, fmt)
    except (IndexError, ValueError, OverflowError, MediaError, OSError):
        return None
    return [] if fmt in _NOTHING_TO_REMOVE else None


def _rewrite(src: Path, dest: Path, strip, fmt: str) -> list[str]:
    with open(src, "rb") as fh:
        if fh.seek(0, 2) == 0:
            shutil.copyfile(src, dest)
            return []
        with mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as buf:
            try:
                pieces, removed = strip(buf)
            except (IndexError, ValueError, OverflowError) as exc:  # structure past the end
                raise MediaError("unsupported", f"cannot remove the {fmt} metadata "
                                 f"({type(exc).__name__}: {exc}); --keep-metadata copies "
                                 "the file as it is") from None
            with open(dest, "wb") as out:
                for piece in pieces:
                    if isinstance(piece, bytes):
                        out.write(piece)
                        continue
                    for start in range(piece[0], piece[1], COPY_BLOCK_BYTES):
                        out.write(buf[start:min(piece[1], start + COPY_BLOCK_BYTES)])
    return sorted(removed)


def _remux(src: Path, dest: Path, fmt: str, timeout_s: float) -> list[str]:
    from mediasynth.io.ffmpeg import input_arg, run_ffmpeg, safe_input

    removed = _container_metadata(src, fmt)
    args = [*safe_input(src), "-map", "0", "-map", "-0:d?", "-map", "-0:t?",
            "-map_metadata", "-1", "-map_chapters", "-1", "-c", "copy",
            "-fflags", "+bitexact", "-flags:v", "+bitexact", "-flags:a", "+bitexact",
            *_REMUX[fmt], "-y", input_arg(dest)]
    try:
        run_ffmpeg(args, timeout_s=timeout_s)
    except FFmpegError as exc:
        said = exc.stderr_tail.strip().splitlines()[-1] if exc.stderr_tail.strip() else ""
        raise MediaError("unsupported", f"cannot remove the {fmt} metadata (FFmpeg: {said}); "
                         "--keep-metadata copies the file as it is") from None
    return removed


def _telling(key: str, value: str) -> bool:
    """Whether a tag says more than the file's structure (a handler named "VideoHandler"
    does not; one a camera named after its owner does)."""
    key = key.lower()
    if key == "handler_name":
        return not str(value).endswith("Handler")
    return key not in _TECHNICAL_TAGS


def _container_metadata(src: Path, fmt: str) -> list[str]:
    """Names of the container's tags, tagged streams, data streams, attachments and
    chapters that a remux leaves out, e.g. ["mp4.tag.location", "mp4.tag.title"]."""
    import av

    found: set[str] = set()
    with contextlib.suppress(Exception), av.open(str(src)) as container:
        found.update(f"{fmt}.tag.{k.lower()}" for k, v in container.metadata.items()
                     if _telling(k, v))
        for stream in container.streams:
            if stream.type in ("data", "attachment"):
                found.add(f"{fmt}.{stream.type}_stream")
            found.update(f"{fmt}.stream_tag.{k.lower()}" for k, v in stream.metadata.items()
                         if _telling(k, v))
        if getattr(container, "chapters", None) and container.chapters():
            found.add(f"{fmt}.chapters")
    return sorted(found)
