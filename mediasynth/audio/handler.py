"""The audio modality's engine interface (see engine/handlers.py)."""

from __future__ import annotations

from pathlib import Path

from mediasynth.audio import signature as audio_signatures
from mediasynth.audio.previews import sound_tile_png
from mediasynth.audio.retime import retime_events, with_partner_events
from mediasynth.core.compose import run_chain
from mediasynth.core.handler import HandlerDefaults
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


class AudioHandler(HandlerDefaults):
    kind = "audio"
    makes_previews = True  # render(..., previews=...): the report's pictures, from the samples

    def output_extension(self, source_format: str, output) -> str:
        fmt = source_format if output.audio_format == "same" else output.audio_format
        try:
            fmt = normalize_format(fmt)
        except ValueError:
            fmt = FALLBACK_FORMAT
        if fmt not in SOUNDFILE_FORMATS and fmt not in FFMPEG_FORMATS:
            fmt = FALLBACK_FORMAT
        return "." + fmt

    def needs_ffmpeg(self, source_format: str) -> bool:
        """Formats libsndfile does not read are decoded by FFmpeg."""
        return source_format not in SOUNDFILE_FORMATS

    def check(self, path: Path, budgets) -> None:
        """Cheap checks from headers (raise MediaError): readable, not empty ("empty"), within
        the duration and worker memory budgets ("too_large", io/audio_io.check_memory), a
        plausible sample rate ("unsupported"), not holding less data than the header declares
        ("truncated": WAV/AIFF data size, FLAC final frame, MP4/M4A boxes)."""
        probe_audio(path, max_duration_s=budgets.max_audio_duration_s,
                    max_memory_bytes=budgets.max_worker_memory_bytes)

    def signature(self, path: Path, budgets) -> bytes:
        """Near-duplicate fingerprint (audio/signature.py) of the decoded recording."""
        return audio_signatures.file_signature(path, budgets.max_audio_duration_s)

    def near_pairs(self, signatures: dict[str, bytes]) -> list[tuple[str, str, float]]:
        return audio_signatures.near_pairs(signatures)

    def verify(self, path: Path, budgets) -> None:
        """Decode the whole file (for originals copied byte for byte, which are never decoded
        otherwise; audio decodes fast): MediaError "truncated" when it yields fewer frames
        than its header declares, "damaged" (see audio_io.DAMAGED) when the data does not
        decode, and the errors of `check`."""
        read_audio(path, max_duration_s=budgets.max_audio_duration_s,
                   timeout_s=budgets.ffmpeg_timeout_s,
                   max_memory_bytes=budgets.max_worker_memory_bytes)

    def load(self, path: Path, budgets):
        """The decoded audio (MediaError as in `verify`)."""
        return read_audio(path, max_duration_s=budgets.max_audio_duration_s,
                          timeout_s=budgets.ffmpeg_timeout_s,
                          max_memory_bytes=budgets.max_worker_memory_bytes)

    def sample(self, item, pipeline, rng, dataset) -> tuple[dict, OpRecord | None]:
        """A data loader's sample (loaders/dataset.py) and its record: "audio" ((C, N)
        float32) and "sample_rate"."""
        audio, record = self.load(item.path, dataset.budgets), None
        chain = pipeline.chain("audio") if pipeline is not None else None
        if chain is not None:
            audio, record = chain.run(audio, rng)
        return {"audio": audio.samples, "sample_rate": audio.sample_rate}, record

    def render(self, audio, pipeline, rng, dest: Path, annotation: dict | None = None,
               previews: tuple[str, ...] = ()):
        """Run the audio chain and write the result; with an `annotation` (sound events, see
        layouts/events.py) the events are retimed by the chain's record and info carries
        "annotation" (events in the output's seconds, its duration) and "dropped_objects"
        (events with nothing left in the output). When the chain starts with a partner step
        (audio.mix), `audio.meta["partners"]` holds its (partner, annotation) pairs and the
        partners' events it mixed in are merged first (those it clipped away entirely are
        not counted as dropped). With `previews` ("output", "source"), info["previews"]
        holds the report's pictures of them (waveform over mel spectrogram, PNG,
        audio/previews.py), drawn from the samples in hand."""
        out, record = run_chain(pipeline.audio, audio, rng)
        info = self._write(out, pipeline, dest)
        if previews:
            shown = {"output": out, "source": audio}
            info["previews"] = {what: sound_tile_png(shown[what].samples,
                                                     shown[what].sample_rate)
                                for what in previews}
        return record, {**info, **self._retimed(annotation, pipeline, record, audio, out)}

    def replay(self, audio, pipeline, record: OpRecord, dest: Path,
               annotation: dict | None = None):
        out, _ = run_chain(pipeline.audio, audio, record=record)
        info = self._write(out, pipeline, dest)
        return {**info, **self._retimed(annotation, pipeline, record, audio, out)}

    def _retimed(self, annotation: dict | None, pipeline, record: OpRecord, audio,
                 out) -> dict:
        if annotation is None:
            return {}
        annotation = with_partner_events(annotation, pipeline.audio, record,
                                         audio.meta.get("partners") or (), frames=audio.frames,
                                         sample_rate=audio.sample_rate)
        moved, dropped = retime_events(annotation, pipeline.audio, record,
                                       frames_in=audio.frames, frames_out=out.frames,
                                       sample_rate=audio.sample_rate)
        return {"annotation": moved, "dropped_objects": dropped}

    def _write(self, audio, pipeline, dest: Path) -> dict:
        clipped = write_audio(audio, dest, subtype=pipeline.output.audio_subtype, atomic=False)
        return {"sample_rate": audio.sample_rate, "channels": audio.channels,
                "duration_s": round(audio.duration_s, 6), "clipped_samples": clipped,
                "stats": self.describe(audio)}

    def embed(self, audio):
        """The vector `balance: synthesize` finds neighbours in (audio/mixing.py)."""
        from mediasynth.audio.mixing import embed

        return embed(audio)

    def mix(self, audio, partners: list, lam: float):
        """lam * audio + (1 - lam) * partner (audio/mixing.py)."""
        from mediasynth.audio.mixing import interpolate

        return interpolate(audio, partners[0], lam)

    def describe(self, audio) -> dict:
        """Loudness (RMS dBFS) and duration, for the report."""
        from mediasynth.audio.functional.level import amplitude_to_db, rms

        return {"rms_db": round(amplitude_to_db(rms(audio.samples)), 3),
                "duration_s": round(audio.duration_s, 6)}
