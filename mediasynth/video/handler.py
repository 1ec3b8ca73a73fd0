"""The video modality's engine interface (see engine/handlers.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from mediasynth.core import modality
from mediasynth.core.config import pipeline_from_config
from mediasynth.core.errors import FFmpegError, MediaError
from mediasynth.core.handler import HandlerDefaults
from mediasynth.core.transform import OpRecord
from mediasynth.video import signature as video_signatures
from mediasynth.video.probe import (
    VideoHeader,
    load_video,
    read_header,
    remember,
    verify_decoding,
    verify_video,
)
from mediasynth.video.render import plan_clip, render_clip
from mediasynth.video.tracks import move_tracks


class VideoHandler(HandlerDefaults):
    kind = "video"
    makes_previews = True  # render(..., previews=...): FFmpeg writes the report's strips

    def output_extension(self, source_format: str, output) -> str:
        return ".mp4"

    def needs_ffmpeg(self, source_format: str) -> bool:
        return True

    def reclassify(self, found, budgets, reason: tuple[str, str]) -> tuple[str, str] | None:
        """A container with audio and no video stream is audio: ("audio", its audio format
        name), when the audio handler accepts it; else None (the reason stands)."""
        if not reason[1].startswith("no video stream"):
            return None
        try:
            modality.handler_for("audio").check(found.path, budgets)
        except (MediaError, FFmpegError, OSError, ValueError):
            return None
        return "audio", {"mp4": "m4a", "mov": "m4a"}.get(found.format, found.format)

    def check(self, path: Path, budgets) -> VideoHeader:
        """Header check: duration, frame size and worker memory from the header, and a
        decodable first frame; MediaError otherwise. Returns what it read, with the packet
        scan `load` needs, for `remember` in the worker that renders the file."""
        return read_header(path, budgets)

    def remember(self, header: VideoHeader) -> None:
        """Reuse a header read by `check` (in any process) while the file is unchanged."""
        remember(header)

    def signature(self, path: Path, budgets) -> bytes:
        """Near-duplicate signature (video/signature.py): frames at fixed relative times."""
        return video_signatures.clip_signature(path)

    def near_pairs(self, signatures: dict[str, bytes]) -> list[tuple[str, str, float]]:
        return video_signatures.near_pairs(signatures)

    def verify(self, path: Path, budgets) -> None:
        """The full check of an original copied as it is. A scan of every packet:
        MediaError('truncated') when the file ends early (demuxer's "partial file", or
        packets ending well before the header's duration), MediaError('damaged') for other
        demuxer errors, MediaError('too_large') when the measured content passes
        budgets.max_video_duration_s; then a decode of every frame: MediaError('damaged')
        at the first error a decoder reports (rendered outputs get the same from their own
        decode, see video/render.py)."""
        verify_video(path, budgets)
        verify_decoding(path, budgets)

    def load(self, path: Path, budgets):
        """`check` + `verify`; the Video carries the measured duration and audio offset."""
        return load_video(path, budgets)

    def embed(self, video):
        """Clips have no embedding: `balance: synthesize` oversamples them instead."""
        return None

    def describe(self, video) -> dict:
        return {"duration_s": round(video.duration_s, 4), "width": video.width,
                "height": video.height, "fps": round(video.fps, 4)}

    def sample(self, item, pipeline, rng, dataset) -> tuple[dict, OpRecord]:
        """A data loader's sample (loaders/dataset.py) and its record: `dataset.clip_frames`
        frames `clip_stride` apart from a random start of the clip as `expand` renders it
        (video/clips.py): "video" ((T, H, W, C) uint8), "fps", "frame_indices" (positions in
        the edited clip) [+ "audio" ((C, N) float32, (1, 0) without sound) and
        "sample_rate" with `dataset.clip_audio`]."""
        from mediasynth.video.clips import read_clip

        if pipeline is None:
            pipeline = pipeline_from_config({"version": 1}).with_overrides(
                budgets=dataset.budgets)
        clip = read_clip(self.load(item.path, dataset.budgets), pipeline,
                         count=dataset.clip_frames, stride=dataset.clip_stride, rng=rng,
                         with_audio=dataset.clip_audio)
        fields = {"video": clip.frames, "fps": clip.fps, "frame_indices": clip.indices}
        if dataset.clip_audio:
            fields["audio"] = np.zeros((1, 0), np.float32) if clip.audio is None else clip.audio
            fields["sample_rate"] = clip.sample_rate
        return fields, clip.record

    def render(self, video, pipeline, rng, dest: Path, annotation: dict | None = None,
               previews: tuple[str, ...] = ()):
        """Render one augmented clip; with an `annotation` (tracks, see video/tracks.py)
        info also carries the moved "annotation" and "dropped_objects"; with `previews`
        ("output", "source") info["previews"] holds the report's strips of them (PNG)."""
        plan = plan_clip(video, pipeline, rng=rng)
        record, info = render_clip(plan, pipeline, dest, previews)
        return record, self._with_tracks(info, plan, pipeline, annotation)

    def replay(self, video, pipeline, record: OpRecord, dest: Path,
               annotation: dict | None = None):
        plan = plan_clip(video, pipeline, record=record)
        _, info = render_clip(plan, pipeline, dest)
        return self._with_tracks(info, plan, pipeline, annotation)

    @staticmethod
    def _with_tracks(info: dict, plan, pipeline, annotation: dict | None) -> dict:
        if annotation is None:
            return info
        moved, dropped = move_tracks(plan, pipeline, annotation)
        return {**info, "annotation": moved, "dropped_objects": dropped}
