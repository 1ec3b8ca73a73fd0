"""Audio reading and writing.

Reading: soundfile (libsndfile) for WAV/FLAC/OGG/MP3/AIFF; anything else (M4A/AAC, ...) is
decoded by FFmpeg through the safe runner. The header is checked against the duration budget
BEFORE decoding. Samples come out (channels, frames) float32.

Damage: a file holding less data than its header declares is refused as "truncated", by
the cheap check (`probe_audio`, from headers and FLAC's last frame: see
io/audio_containers.py) and again by the decode (`read_audio`: fewer frames than declared);
libsndfile alone would quietly return the short part of a cut WAV/AIFF. Data that does not
decode behind a good header is "damaged" (DAMAGED).

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

import os
from pathlib import Path

import numpy as np

from mediasynth.core.errors import FFmpegError, MediaError
from mediasynth.core.media import Audio
from mediasynth.io.atomic import atomic_path
from mediasynth.io.audio_containers import find_truncation, stabilize_ogg_serials

SOUNDFILE_FORMATS = {"wav": "WAV", "flac": "FLAC", "ogg": "OGG", "mp3": "MP3", "aiff": "AIFF"}
FFMPEG_FORMATS = {"m4a": ("ipod", "aac")}
_ALIASES = {"wave": "wav", "aif": "aiff", "oga": "ogg", "aac": "m4a", "mp4": "m4a"}
DEFAULT_MAX_DURATION_S = 3600.0
# A header that reads but data that does not decode
# (the engine's DAMAGE_CODES expect it), "unreadable" until then.
DAMAGED = "damaged"
LOSSLESS_SOUNDFILE = ("WAV", "WAVEX", "RF64", "FLAC", "AIFF")
# Sample rates a header may declare: 100 Hz (sensor data) to 768 kHz (the highest PCM rate
# of studio formats); a rate outside is a broken or hostile header (a 142 KB WAV claiming
# 2 GHz made the chain's resamplers and filter banks ask for 12.8 GB).
MIN_SAMPLE_RATE_HZ = 100
MAX_SAMPLE_RATE_HZ = 768_000
# Peak RSS of a worker rendering one output with the default audio chain (gain, pitch
# shift, time stretch, noise) plus the copy checks, above the idle process, over the
# decoded float32 size (frames x channels x 4 bytes); measured by bench/memory.py.
WORKING_COPIES = 8


def normalize_format(name: str) -> str:
    name = name.lower().lstrip(".")
    name = _ALIASES.get(name, name)
    if name not in SOUNDFILE_FORMATS and name not in FFMPEG_FORMATS:
        raise ValueError(f"unsupported audio format {name!r}; use one of "
                         f"{sorted([*SOUNDFILE_FORMATS, *FFMPEG_FORMATS])}")
    return name


def probe_audio(path: str | Path, *, max_duration_s: float = DEFAULT_MAX_DURATION_S,
                max_memory_bytes: int | None = None):
    """Header facts (soundfile.info, or None when libsndfile cannot read the container) after
    the cheap checks, which raise MediaError: "empty" (0 bytes, or no samples),
    "truncated" (less data than the header declares: WAV/AIFF data size, FLAC final frame,
    MP4 boxes), "too_large" (duration budget, or `max_memory_bytes` below the estimate of
    `check_memory`), "unsupported" (a sample rate outside MIN/MAX_SAMPLE_RATE_HZ, no audio
    stream), "unreadable"."""
    import soundfile as sf

    path = Path(path)
    if path.stat().st_size == 0:
        raise MediaError("empty", "file is empty (0 bytes)")
    cut = find_truncation(path)
    if cut is not None:
        raise MediaError("truncated", cut)
    try:
        info = sf.info(os.fsencode(path))  # bytes: a non-UTF-8 name opens too
    except (sf.LibsndfileError, RuntimeError, TypeError):
        from mediasynth.io.ffmpeg import probe

        facts = probe(path)
        streams = [s for s in facts["streams"] if s["type"] == "audio"]
        if not streams:
            raise MediaError("unsupported", "no audio stream found") from None
        duration = facts.get("duration_s") or streams[0].get("duration_s") or 0.0
        rate, channels = int(streams[0].get("sample_rate") or 0), int(streams[0].get("channels") or 0)
        check_sample_rate(rate)
        _check_duration(duration, max_duration_s)
        check_memory(int(duration * rate), channels, max_memory_bytes)
        return None
    if info.samplerate <= 0 or info.channels <= 0:
        raise MediaError("unreadable", f"invalid header: {info.samplerate} Hz, {info.channels} ch")
    check_sample_rate(info.samplerate)
    _check_duration(info.frames / info.samplerate, max_duration_s)
    check_memory(info.frames, info.channels, max_memory_bytes)
    if info.frames <= 0 and info.format != "MPEG":
        raise MediaError("empty", "audio has no samples (header only)")
    return info


def check_sample_rate(rate_hz: int) -> None:
    """MediaError "unsupported" for a declared rate outside MIN/MAX_SAMPLE_RATE_HZ."""
    if not MIN_SAMPLE_RATE_HZ <= rate_hz <= MAX_SAMPLE_RATE_HZ:
        raise MediaError("unsupported", f"header declares a sample rate of {rate_hz:,} Hz, "
                         f"outside {MIN_SAMPLE_RATE_HZ:,}-{MAX_SAMPLE_RATE_HZ:,} Hz")


def check_memory(frames: int, channels: int, max_bytes: int | None) -> None:
    """MediaError "too_large" when WORKING_COPIES float32 copies of the decoded samples
    would exceed `max_bytes` (budgets.max_worker_memory_bytes); None skips the check."""
    decoded = max(0, frames) * max(1, channels) * 4
    need = WORKING_COPIES * decoded
    if max_bytes is not None and need > max_bytes:
        raise MediaError("too_large", f"{frames:,} frames x {channels} channels decode to "
                         f"{decoded / 2**20:,.0f} MiB of float32; with the chain's working "
                         f"copies ({WORKING_COPIES}x) a worker would need {need / 2**20:,.0f} "
                         f"MiB, over the budget of {max_bytes / 2**20:,.0f} MiB "
                         "(budgets.max_worker_memory_bytes)")


def _check_duration(duration: float, max_duration_s: float) -> None:
    if duration > max_duration_s:
        raise MediaError("too_large", f"{duration:.1f} s exceeds the budget of "
                         f"{max_duration_s:g} s (budgets.max_audio_duration_s)")


def read_audio(path: str | Path, *, max_duration_s: float = DEFAULT_MAX_DURATION_S,
               timeout_s: float = 600.0, max_memory_bytes: int | None = None) -> Audio:
    """Decode all of `path`. MediaError: the codes of `probe_audio`, "truncated" when a
    lossless file (WAV/AIFF/FLAC) or an MP4/M4A decodes to fewer frames than its header
    declares, DAMAGED when libsndfile fails mid-decode, "unreadable" when FFmpeg does."""
    import soundfile as sf

    path = Path(path)
    info = probe_audio(path, max_duration_s=max_duration_s, max_memory_bytes=max_memory_bytes)
    if info is None:
        return _read_with_ffmpeg(path, max_duration_s=max_duration_s, timeout_s=timeout_s)
    try:
        data, sr = sf.read(os.fsencode(path), dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError) as exc:
        raise MediaError(DAMAGED, f"audio data does not decode: {exc}") from None
    if data.shape[0] == 0:
        raise MediaError("empty", "audio has no samples")
    if data.shape[0] < info.frames and info.format in LOSSLESS_SOUNDFILE:
        raise MediaError("truncated", f"decoded {data.shape[0]:,} of the {info.frames:,} "
                                      f"frames the header declares")
    samples = np.ascontiguousarray(data.T)  # one copy: NaN and inf replaced in place
    del data
    np.nan_to_num(samples, copy=False, nan=0.0, posinf=1.0, neginf=-1.0)
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
    _check_decoded_length(samples.shape[1], sr, facts, stream)
    return Audio(np.nan_to_num(samples), sr, meta={"format": facts["format"].split(",")[0]})


INDEXED_CONTAINERS = ("mov", "mp4", "m4a")  # durations from a sample table, not estimated
DECODE_SLACK_FRAMES = 4096  # encoder delay and padding of AAC and the like


def _check_decoded_length(frames: int, sample_rate: int, facts: dict, stream: dict) -> None:
    """MediaError "truncated" when an MP4/M4A decodes to clearly fewer frames than its
    sample table declares (other FFmpeg containers only estimate their duration)."""
    if not any(name in INDEXED_CONTAINERS for name in facts["format"].split(",")):
        return
    declared = (stream.get("duration_s") or facts.get("duration_s") or 0.0) * sample_rate
    if frames < declared * 0.99 - DECODE_SLACK_FRAMES:
        raise MediaError("truncated", f"decoded {frames:,} of the {int(declared):,} frames "
                                      f"the header declares")


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
    samples = audio.samples
    if not np.isfinite(samples).all():
        samples = np.nan_to_num(samples)
    samples, clipped = clip_samples(samples)
    resolved = resolve_subtype(fmt, subtype, audio.meta.get("subtype"))
    target = atomic_path(dest) if atomic else contextlib.nullcontext(dest)
    with target as path:
        if fmt in FFMPEG_FORMATS:
            _write_with_ffmpeg(samples, audio.sample_rate, path, fmt)
        elif fmt == "wav" and resolved == "PCM_16" and samples.shape[0] <= 2:
            _write_wav_pcm16(samples, audio.sample_rate, path)
        else:
            sf.write(os.fsencode(path), samples.T, audio.sample_rate, format=SOUNDFILE_FORMATS[fmt],
                     subtype=resolved)
            if fmt == "ogg":
                path = Path(path)
                path.write_bytes(stabilize_ogg_serials(path.read_bytes()))
    return clipped



def _write_wav_pcm16(samples: np.ndarray, sample_rate: int, dest) -> None:
    """16-bit PCM WAV (mono or stereo) through the standard library's `wave`: the same
    44-byte header libsndfile writes and the same scale (x 32768, clipped to 32767; rounded
    to nearest), in a third of the time soundfile takes for the conversion and write."""
    import wave

    scaled = np.asarray(samples, np.float32) * np.float32(32768.0)
    np.rint(scaled, out=scaled)
    np.clip(scaled, -32768, 32767, out=scaled)
    pcm = np.empty((scaled.shape[1], scaled.shape[0]), "<i2")  # frames x channels
    pcm[:] = scaled.T
    with wave.open(str(dest), "wb") as out:
        out.setnchannels(samples.shape[0])
        out.setsampwidth(2)
        out.setframerate(int(sample_rate))
        out.writeframes(memoryview(pcm).cast("B"))


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
