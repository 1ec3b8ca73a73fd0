"""Which media the report shows, and the previews workers make of them on the way.

The report shows SAMPLES_PER_KIND sources of each kind (evenly spaced in sorted order), each
with its first VARIANTS_SHOWN + 1 outputs. The plan marks those sources (`SourceJob.preview`);
a worker rendering them makes their thumbnails from the media it holds anyway (video: its
FFmpeg writes a strip of 3 frames at 10, 50 and 90 %, see video/render.py; images: a 160 px
tile of the pixels before encoding, image/thumbnails.py; audio: the waveform over the mel
spectrogram of the samples, audio/previews.py), so the report lays them out without
decoding them again. A preview is named by the sha256 of
the media it shows (`OUT/.mediasynth/previews/<sha256>.png`), so it can never describe
other bytes; previews of media the manifest no longer lists are pruned after every run.
"""

from __future__ import annotations

from pathlib import Path

SAMPLES_PER_KIND = 6
VARIANTS_SHOWN = 5
FOLDER = ".mediasynth/previews"


def sample_keys(keys) -> list[str]:
    """The sources the report shows among `keys` (one kind's sources)."""
    keys = sorted(keys)
    return keys[::max(1, len(keys) // SAMPLES_PER_KIND)][:SAMPLES_PER_KIND]


def shown_sources(jobs) -> set[str]:
    """Sources of planned jobs (with outputs, no problem) the report will show."""
    by_kind: dict[str, list[str]] = {}
    for job in jobs:
        if job.problem is None and job.outputs and job.kind:
            by_kind.setdefault(job.kind, []).append(job.source)
    return {s for keys in by_kind.values() for s in sample_keys(keys)}


def preview_path(out: str | Path, sha256: str) -> Path:
    return Path(out) / FOLDER / f"{sha256}.png"


def prune(out: str | Path, keep_sha256: set[str]) -> int:
    """Delete previews of media no longer listed; how many were deleted."""
    folder = Path(out) / FOLDER
    removed = 0
    if folder.is_dir():
        for path in folder.iterdir():
            if path.suffix == ".png" and path.stem not in keep_sha256:
                path.unlink(missing_ok=True)
                removed += 1
    return removed
