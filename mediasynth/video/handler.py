"""The video modality's engine interface (see engine/handlers.py)."""

from __future__ import annotations

from pathlib import Path

from mediasynth.core.transform import OpRecord
from mediasynth.video.probe import probe_video
from mediasynth.video.render import plan_clip, render_clip


class VideoHandler:
    kind = "video"

    def output_extension(self, source_format: str, output) -> str:
        return ".mp4"

    def check(self, path: Path, budgets) -> None:
        probe_video(path, max_duration_s=budgets.max_video_duration_s)

    def load(self, path: Path, budgets):
        return probe_video(path, max_duration_s=budgets.max_video_duration_s)

    def describe(self, video) -> dict:
        return {"duration_s": round(video.duration_s, 4), "width": video.width,
                "height": video.height, "fps": round(video.fps, 4)}

    def render(self, video, pipeline, rng, dest: Path):
        return render_clip(plan_clip(video, pipeline, rng=rng), pipeline, dest)

    def replay(self, video, pipeline, record: OpRecord, dest: Path):
        _, info = render_clip(plan_clip(video, pipeline, record=record), pipeline, dest)
        return info
