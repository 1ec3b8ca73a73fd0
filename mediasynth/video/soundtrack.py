"""A clip's soundtrack on the video's time base, through the same temporal edits as the frames.

Every route starts from `graph.audio_source_filters`: sample 0 plays with the first frame
(the source's audio start offset is turned into leading silence or a cut lead) and the track
ends with the last frame. Then:
- FFmpeg route: the edits' FFmpeg filters (trims on the video's frame boundaries, tape-style
  speed, reverse), the audio chain's FFmpeg equivalents, the fades; the encoder reads the
  source's audio through them.
- Python route, when the audio chain or an edit (a pitch-keeping speed change) has no FFmpeg
  equivalent: FFmpeg decodes the track (with the leading cuts, so a short excerpt of a long
  clip is all that is held), the edits' `play_audio` do the rest on the same sample
  arithmetic, the chain runs in Python; the track is held in memory (checked against
  budgets.max_worker_memory_bytes) and muxed from a float WAV, with the fades (and a
  fusable chain) applied by the encoder.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from mediasynth.core.errors import MediaError
from mediasynth.core.media import Audio
from mediasynth.core.transform import OpRecord
from mediasynth.video import graph as G
from mediasynth.video import timeline as TL

# copies of the track held at once on the Python route: the decoded bytes, their array,
# an edit's result and the chain's
AUDIO_COPIES = 4


def edits_of(plan) -> list[dict]:
    return list(plan.edited.meta.get("edits", []))


def in_python(plan) -> bool:
    """True when this clip's soundtrack takes the Python route."""
    return bool(plan.source.audio) and (plan.audio_python or G.audio_needs_python(
        edits_of(plan), plan.source.audio[0].sample_rate))


def ffmpeg_filters(plan, pipeline, record: OpRecord) -> list[str]:
    """The whole FFmpeg route as one -af chain on the source's first audio track."""
    stream = plan.source.audio[0]
    edits = edits_of(plan)
    return [*G.audio_source_filters(plan.source, stream.sample_rate),
            *G.audio_edit_filters(edits, stream.sample_rate), *mux_filters(plan, pipeline, record)]


def mux_filters(plan, pipeline, record: OpRecord) -> list[str]:
    """Filters applied last, by the encoder: the audio chain's FFmpeg equivalents (unless
    the chain runs in Python) and the fades."""
    chain = [] if plan.audio_python else G.chain_filters(
        pipeline.video.audio, record.children[2], 0, 0, audio=True) or []
    return [*chain, *G.end_filters(edits_of(plan), plan.edited.duration_s)[1]]


def python_track(plan, pipeline, timeout_s: float) -> tuple[Audio, OpRecord]:
    """The Python route up to the mux: (edited audio after a Python chain, the audio
    chain's record). MediaError('too_large') before decoding when the track would not fit
    in budgets.max_worker_memory_bytes."""
    stream = plan.source.audio[0]
    edits = edits_of(plan)
    lead = _leading_trims(edits)
    _check_memory(plan, pipeline.budgets, lead)
    samples = _decode(plan, [*G.audio_source_filters(plan.source, stream.sample_rate),
                             *G.audio_edit_filters(lead, stream.sample_rate)], timeout_s)
    samples = apply_edits(samples, stream.sample_rate, edits[len(lead):])
    audio = Audio(np.ascontiguousarray(samples, np.float32), stream.sample_rate)
    chain_rec = plan.record.children[2]
    if not plan.audio_python:  # drawn at planning; the encoder applies it (mux_filters)
        return audio, chain_rec
    if chain_rec.name == "pending":
        return pipeline.video.audio.run(audio, plan.audio_rng)
    return pipeline.video.audio.replay(audio, chain_rec), chain_rec


def write_track(audio: Audio, dest: Path) -> Path:
    """A float WAV of `audio` beside `dest` (the caller removes it)."""
    import os

    from mediasynth.io.audio_io import write_audio

    wav = dest.parent / f".mediasynth-tmp-audio-{os.getpid()}-{dest.stem}.wav"
    write_audio(audio, wav, subtype="FLOAT", atomic=False)
    return wav


def final_track(plan, pipeline, timeout_s: float) -> tuple[Audio, OpRecord]:
    """The soundtrack exactly as a rendered clip carries it (edits, chain, fades), decoded
    to samples: (audio, the record with the audio chain's params drawn)."""
    stream = plan.source.audio[0]
    if not in_python(plan):
        samples = _decode(plan, ffmpeg_filters(plan, pipeline, plan.record), timeout_s)
        return Audio(samples, stream.sample_rate), plan.record
    audio, audio_rec = python_track(plan, pipeline, timeout_s)
    record = OpRecord("video", True, {}, (*plan.record.children[:2], audio_rec))
    last = mux_filters(plan, pipeline, record)
    if last:
        audio = Audio(_filter_samples(audio, last, timeout_s), audio.sample_rate)
    return audio, record


def apply_edits(samples: np.ndarray, sample_rate: int, edits: list[dict]) -> np.ndarray:
    """The temporal edits on (channels, n) samples already on the video's time base, each
    by its class's `play_audio` (the sample arithmetic of its FFmpeg filters)."""
    for e in edits:
        samples = TL.edit_class(e["op"]).play_audio(e, samples, sample_rate)
    return np.ascontiguousarray(samples, np.float32)


def _leading_trims(edits: list[dict]) -> list[dict]:
    """The edits before the first one not `audio_cut_only`: FFmpeg applies those while
    decoding, so only the excerpt reaches memory."""
    lead = []
    for e in edits:
        if not TL.edit_class(e["op"]).audio_cut_only:
            break
        lead.append(e)
    return lead


def _check_memory(plan, budgets, lead: list[dict]) -> None:
    stream = plan.source.audio[0]
    extents = [TL.edit_class(e["op"]).audio_extent(e) for e in edits_of(plan)]
    seconds = min([plan.source.duration_s] + [cap for cap, _ in extents[:len(lead)]])
    slowest = min([1.0] + [factor for _, factor in extents])
    need = int(seconds / slowest * stream.sample_rate * stream.channels * 4 * AUDIO_COPIES)
    if need > budgets.max_worker_memory_bytes:
        raise MediaError("too_large", f"its soundtrack needs about {need:,} bytes of worker "
                         "memory on the Python audio route, over "
                         f"budgets.max_worker_memory_bytes ({budgets.max_worker_memory_bytes:,})")


def _decode(plan, filters: list[str], timeout_s: float) -> np.ndarray:
    """(channels, n) float32 samples of the source's first audio track through `filters`."""
    from mediasynth.io.ffmpeg import run_ffmpeg, safe_input

    stream = plan.source.audio[0]
    raw = run_ffmpeg([*safe_input(plan.source.path), "-map", f"0:{stream.index}",
                      "-af", ",".join(filters) or "anull", *_f32_out(stream)],
                     timeout_s=timeout_s, capture_stdout=True)
    return _samples(raw, stream.channels)


def _filter_samples(audio: Audio, filters: list[str], timeout_s: float) -> np.ndarray:
    """`audio` through FFmpeg `filters` (a pipe in, a pipe out)."""
    from mediasynth.io.ffmpeg import run_ffmpeg

    ch, rate = audio.channels, audio.sample_rate
    raw = run_ffmpeg(["-f", "f32le", "-ar", str(rate), "-ac", str(ch), "-i", "pipe:0",
                      "-af", ",".join(filters), "-f", "f32le", "-ac", str(ch), "-ar", str(rate),
                      "pipe:1"], input_bytes=np.ascontiguousarray(audio.samples.T).tobytes(),
                     timeout_s=timeout_s, capture_stdout=True)
    return _samples(raw, ch)


def _f32_out(stream) -> list[str]:
    return ["-f", "f32le", "-acodec", "pcm_f32le", "-ac", str(stream.channels),
            "-ar", str(stream.sample_rate), "pipe:1"]


def _samples(raw: bytes, channels: int) -> np.ndarray:
    data = np.frombuffer(raw, np.float32)
    data = data[: data.size - data.size % channels].reshape(-1, channels).T
    return np.ascontiguousarray(data)
