"""Audio reading and writing.

Reading: soundfile (libsndfile) for WAV/FLAC/OGG/MP3/AIFF; anything else (M4A/AAC, ...) is
decoded by FFmpeg through the safe runner. The header is checked against the duration budget
BEFORE decoding. Samples come out (channels, frames) float32.

Writing: soundfile for wav/flac/ogg/mp3/aiff, FFmpeg for m4a. Clipping policy: values are
clipped to [-1, 1] before encoding (never wrapped) and the number of clipped samples is
returned, so callers can record it.

Reproducibility: every format writes the same bytes for the same samples, in any process
(tests/io/test_audio_io.py checks it across processes). libsndfile gives Ogg streams a
random serial number, so after encoding each Ogg page gets a serial derived from the
stream's content and its CRC recomputed; FFmpeg encodes are run with +bitexact (no encoder
version string). WAV, FLAC, AIFF and MP3 from libsndfile are deterministic as they are.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import numpy as np

from mediasynth.core.errors import FFmpegError, MediaError
from mediasynth.core.media import Audio
from mediasynth.io.atomic import atomic_path

SOUNDFILE_FORMATS = {"wav": "WAV", "flac": "FLAC", "ogg": "OGG", "mp3": "MP3", "aiff": "AIFF"}
FFMPEG_FORMATS = {"m4a": ("ipod", "aac")}
_ALIASES = {"wave": "wav", "aif": "aiff", "oga": "ogg", "aac": "m4a", "mp4": "m4a"}
DEFAULT_MAX_DURATION_S = 3600.0


def normalize_format(name: str) -> str:
    name = name.lower().lstrip(".")
    name = _ALIASES.get(name, name)
    if name not in SOUNDFILE_FORMATS and name not in FFMPEG_FORMATS:
        raise ValueError(f"unsupported audio format {name!r}; use one of "
                         f"{sorted([*SOUNDFILE_FORMATS, *FFMPEG_FORMATS])}")
    return name


def probe_audio(path: str | Path, *, max_duration_s: float = DEFAULT_MAX_DURATION_S):
    """Header facts (soundfile.info, or None when libsndfile cannot read the container) after
    the empty/budget checks; raises MediaError."""
    import soundfile as sf

    path = Path(path)
    if path.stat().st_size == 0:
        raise MediaError("empty", "file is empty (0 bytes)")
    try:
        info = sf.info(str(path))
    except (sf.LibsndfileError, RuntimeError, TypeError):
        from mediasynth.io.ffmpeg import probe

        facts = probe(path)
        streams = [s for s in facts["streams"] if s["type"] == "audio"]
        if not streams:
            raise MediaError("unsupported", "no audio stream found") from None
        duration = facts.get("duration_s") or streams[0].get("duration_s") or 0.0
        _check_duration(duration, max_duration_s)
        return None
    if info.samplerate <= 0 or info.channels <= 0:
        raise MediaError("unreadable", f"invalid header: {info.samplerate} Hz, {info.channels} ch")
    _check_duration(info.frames / info.samplerate, max_duration_s)
    if info.frames <= 0 and info.format != "MPEG":
        raise MediaError("empty", "audio has no samples (header only)")
    return info


def _check_duration(duration: float, max_duration_s: float) -> None:
    if duration > max_duration_s:
        raise MediaError("too_large", f"{duration:.1f} s exceeds the budget of "
                         f"{max_duration_s:g} s (budgets.max_audio_duration_s)")


def read_audio(path: str | Path, *, max_duration_s: float = DEFAULT_MAX_DURATION_S,
               timeout_s: float = 600.0) -> Audio:
    """Decode `path`; MediaError with a reason code when it cannot be used."""
    import soundfile as sf

    path = Path(path)
    info = probe_audio(path, max_duration_s=max_duration_s)
    if info is None:
        return _read_with_ffmpeg(path, max_duration_s=max_duration_s, timeout_s=timeout_s)
    try:
        data, sr = sf.read(str(path), dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError) as exc:
        raise MediaError("unreadable", f"cannot decode audio: {exc}") from None
    if data.shape[0] == 0:
        raise MediaError("empty", "audio has no samples")
    if data.shape[0] < info.frames * 0.99 and info.format in ("WAV", "FLAC", "AIFF"):
        raise MediaError("truncated", f"decoded {data.shape[0]} of {info.frames} frames")
    samples = np.ascontiguousarray(np.nan_to_num(data.T, nan=0.0, posinf=1.0, neginf=-1.0))
    fmt = {"WAV": "wav", "WAVEX": "wav", "FLAC": "flac", "OGG": "ogg", "MPEG": "mp3",
           "AIFF": "aiff"}.get(info.format, info.format.lower())
    return Audio(samples, int(sr), meta={"format": fmt, "subtype": info.subtype})


def _read_with_ffmpeg(path: Path, *, max_duration_s: float, timeout_s: float) -> Audio:
    from mediasynth.io.ffmpeg import probe, run_ffmpeg, safe_input

    facts = probe(path)
    audio_streams = [s for s in facts["streams"] if s["type"] == "audio"]
    if not audio_streams:
        raise MediaError("unsupported", "no audio stream found")
    stream = audio_streams[0]
    _check_duration(facts.get("duration_s") or stream.get("duration_s") or 0.0, max_duration_s)
    channels, sr = int(stream["channels"] or 0), int(stream["sample_rate"] or 0)
    if channels <= 0 or sr <= 0:
        raise MediaError("unreadable", "audio stream has no channels or sample rate")
    try:
        raw = run_ffmpeg(
            [*safe_input(path), "-map", f"0:{stream['index']}", "-f", "f32le", "-acodec",
             "pcm_f32le", "-ac", str(channels), "-ar", str(sr), "pipe:1"],
            timeout_s=timeout_s, capture_stdout=True,
        )
    except FFmpegError as exc:
        raise MediaError("unreadable", f"ffmpeg cannot decode audio: {exc.stderr_tail}") from None
    data = np.frombuffer(raw, dtype=np.float32)
    if data.size == 0:
        raise MediaError("empty", "audio has no samples")
    samples = np.ascontiguousarray(data[: data.size - data.size % channels].reshape(-1, channels).T)
    return Audio(np.nan_to_num(samples), sr, meta={"format": facts["format"].split(",")[0]})


def clip_samples(samples: np.ndarray) -> tuple[np.ndarray, int]:
    """Clip to [-1, 1]; return the clipped array and how many samples were out of range."""
    over = int(np.count_nonzero(np.abs(samples) > 1.0))
    return (np.clip(samples, -1.0, 1.0) if over else samples), over


PCM_SUBTYPES = ("PCM_16", "PCM_24", "PCM_32", "FLOAT", "DOUBLE", "PCM_U8", "PCM_S8")


def resolve_subtype(fmt: str, requested: str | None, source_subtype: str | None = None) -> str | None:
    """The libsndfile subtype to write: `requested` ("same" = the source's when it is PCM or
    float, else PCM_16), adjusted to what the format holds (FLAC has no float: PCM_24)."""
    if fmt not in ("wav", "aiff", "flac"):
        return None
    subtype = requested or "PCM_16"
    if subtype == "same":
        subtype = source_subtype if source_subtype in PCM_SUBTYPES else "PCM_16"
    if fmt == "flac" and subtype not in ("PCM_16", "PCM_24", "PCM_S8"):
        subtype = "PCM_24"
    return subtype


def write_audio(audio: Audio, dest: str | Path, *, audio_format: str | None = None,
                subtype: str | None = "PCM_16", atomic: bool = True) -> int:
    """Write (atomically unless `atomic=False`, for callers that manage their own temp
    file); returns the number of samples clipped. The format defaults to the destination's
    extension; `subtype` applies to WAV/FLAC/AIFF ("same" keeps audio.meta["subtype"])."""
    import contextlib

    import soundfile as sf

    dest = Path(dest)
    fmt = normalize_format(audio_format or dest.suffix)
    samples, clipped = clip_samples(np.nan_to_num(audio.samples))
    target = atomic_path(dest) if atomic else contextlib.nullcontext(dest)
    with target as path:
        if fmt in FFMPEG_FORMATS:
            _write_with_ffmpeg(samples, audio.sample_rate, path, fmt)
        else:
            sf.write(str(path), samples.T, audio.sample_rate, format=SOUNDFILE_FORMATS[fmt],
                     subtype=resolve_subtype(fmt, subtype, audio.meta.get("subtype")))
            if fmt == "ogg":
                path = Path(path)
                path.write_bytes(stabilize_ogg_serials(path.read_bytes()))
    return clipped


OGG_CAPTURE = b"OggS"
OGG_HEADER_BYTES = 27  # capture, version, flags, granule, serial, sequence, CRC, segments
_BIT_REVERSED = bytes(int(f"{i:08b}"[::-1], 2) for i in range(256))


def ogg_crc32(page: bytes) -> int:
    """The Ogg page checksum (RFC 3533): CRC-32 with polynomial 0x04C11DB7, not reflected,
    initial value 0, no final xor, over the page with its CRC field zeroed. Computed with
    zlib's reflected CRC-32 on bit-reversed bytes (same result, C speed)."""
    raw = zlib.crc32(bytes(page).translate(_BIT_REVERSED), 0xFFFFFFFF) ^ 0xFFFFFFFF
    return int(f"{raw:032b}"[::-1], 2)


def ogg_pages(data: bytes) -> list[tuple[int, int]]:
    """(offset, length) of every page of an Ogg stream that is pages back to back, as an
    encoder writes it; ValueError if anything else is found."""
    pages, offset = [], 0
    while offset < len(data):
        if data[offset:offset + 4] != OGG_CAPTURE or offset + OGG_HEADER_BYTES > len(data):
            raise ValueError(f"no Ogg page at byte {offset}")
        segments = data[offset + 26]
        table = data[offset + OGG_HEADER_BYTES:offset + OGG_HEADER_BYTES + segments]
        length = OGG_HEADER_BYTES + segments + sum(table)
        if len(table) != segments or offset + length > len(data):
            raise ValueError(f"Ogg page at byte {offset} runs past the end")
        pages.append((offset, length))
        offset += length
    return pages


def stabilize_ogg_serials(data: bytes) -> bytes:
    """The same Ogg stream with each logical stream's random serial number replaced by one
    derived from the pages' content (CRC-32 of all payloads, + n for the n-th logical
    stream) and every page CRC recomputed: the same audio gives the same bytes."""
    pages = ogg_pages(data)
    out = bytearray(data)
    payload_crc = 0
    for offset, length in pages:
        payload_crc = zlib.crc32(data[offset + OGG_HEADER_BYTES + data[offset + 26]:
                                      offset + length], payload_crc)
    serials: dict[bytes, int] = {}
    for offset, length in pages:
        old = bytes(data[offset + 14:offset + 18])
        new = serials.setdefault(old, (payload_crc + len(serials)) & 0xFFFFFFFF)
        struct.pack_into("<I", out, offset + 14, new)
        struct.pack_into("<I", out, offset + 22, 0)
        struct.pack_into("<I", out, offset + 22, ogg_crc32(out[offset:offset + length]))
    return bytes(out)


def _write_with_ffmpeg(samples: np.ndarray, sample_rate: int, dest: Path, fmt: str) -> None:
    from mediasynth.io.ffmpeg import input_arg, run_ffmpeg

    muxer, codec = FFMPEG_FORMATS[fmt]
    channels = samples.shape[0]
    run_ffmpeg(
        ["-f", "f32le", "-ar", str(sample_rate), "-ac", str(channels), "-i", "pipe:0",
         "-map_metadata", "-1", "-c:a", codec, "-b:a", "160k", "-flags", "+bitexact",
         "-fflags", "+bitexact", "-f", muxer, "-y", input_arg(dest)],
        input_bytes=np.ascontiguousarray(samples.T, dtype="<f4").tobytes(),
    )
