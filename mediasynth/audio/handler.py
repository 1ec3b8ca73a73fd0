"""The audio modality's engine interface (see engine/handlers.py)."""

from __future__ import annotations

from pathlib import Path

from mediasynth.core.compose import run_chain
from mediasynth.core.transform import OpRecord
from mediasynth.io.audio_io import (
    FFMPEG_FORMATS,
    SOUNDFILE_FORMATS,
    normalize_format,
    probe_audio,
    read_audio,
    write_audio,
)

FALLBACK_FORMAT = "flac"  # for sources in formats we cannot write (e.g. WMA, Opus in MKV)


class AudioHandler:
    kind = "audio"

    def output_extension(self, source_format: str, output) -> str:
        fmt = source_format if output.audio_format == "same" else output.audio_format
        try:
            fmt = normalize_format(fmt)
        except ValueError:
            fmt = FALLBACK_FORMAT
        if fmt not in SOUNDFILE_FORMATS and fmt not in FFMPEG_FORMATS:
            fmt = FALLBACK_FORMAT
        return "." + fmt

    def check(self, path: Path, budgets) -> None:
        """Cheap checks from headers (raise MediaError): readable, not empty ("empty"), within
        the duration budget ("too_large"), not holding less data than the header declares
        ("truncated": WAV/AIFF data size, FLAC final frame, MP4/M4A boxes)."""
        probe_audio(path, max_duration_s=budgets.max_audio_duration_s)

    def verify(self, path: Path, budgets) -> None:
        """Decode the whole file (for originals copied byte for byte, which are never decoded
        otherwise; audio decodes fast): MediaError "truncated" when it yields fewer frames
        than its header declares, "damaged" (see audio_io.DAMAGED) when the data does not
        decode, and the errors of `check`."""
        read_audio(path, max_duration_s=budgets.max_audio_duration_s,
                   timeout_s=budgets.ffmpeg_timeout_s)

    def load(self, path: Path, budgets):
        """The decoded audio (MediaError as in `verify`)."""
        return read_audio(path, max_duration_s=budgets.max_audio_duration_s,
                          timeout_s=budgets.ffmpeg_timeout_s)

    def render(self, audio, pipeline, rng, dest: Path):
        out, record = run_chain(pipeline.audio, audio, rng)
        return record, self._write(out, pipeline, dest)

    def replay(self, audio, pipeline, record: OpRecord, dest: Path):
        out, _ = run_chain(pipeline.audio, audio, record=record)
        return self._write(out, pipeline, dest)

    def _write(self, audio, pipeline, dest: Path) -> dict:
        clipped = write_audio(audio, dest, subtype=pipeline.output.audio_subtype, atomic=False)
        return {"sample_rate": audio.sample_rate, "channels": audio.channels,
                "duration_s": round(audio.duration_s, 6), "clipped_samples": clipped,
                "stats": self.describe(audio)}

    def describe(self, audio) -> dict:
        """Loudness (RMS dBFS) and duration, for the report."""
        from mediasynth.audio.functional.level import amplitude_to_db, rms

        return {"rms_db": round(amplitude_to_db(rms(audio.samples)), 3),
                "duration_s": round(audio.duration_s, 6)}
