"""Which media kinds a job's workers should get ready for before their first task.

A worker imports a kind's handler (and with it OpenCV, PyAV or soundfile) on its first file
of that kind: for a video job that is 0.2 s on the critical path before the first FFmpeg
starts. The local pool can do it while the parent still reads the pipeline and walks SRC
(engine/pool.py `WorkerPool.warm`); this module guesses the kinds from the first file names
under SRC, cheaply (a bounded breadth-first look, no file opened), so an image job with the
default pipeline (which also has audio and video chains) does not import PyAV for nothing.
"""

from __future__ import annotations

import os
from collections import deque
from pathlib import Path

from mediasynth.core import modality

LOOK_AT_FILES = 64  # names looked at before guessing
LOOK_AT_FOLDERS = 64  # folders opened at most


def kinds_to_warm(src: str | Path, pipeline, *, files: int = LOOK_AT_FILES,
                  folders: int = LOOK_AT_FOLDERS) -> tuple[str, ...]:
    """The kinds (sorted) that the pipeline transforms and whose file extensions appear
    among the first `files` file names found breadth-first under `src` (at most `folders`
    folders opened; hidden entries skipped). Empty when SRC cannot be read: warming is
    advisory, the run reports real problems itself."""
    seen: set[str] = set()
    queue, names, opened = deque([Path(src)]), 0, 0
    while queue and names < files and opened < folders:
        folder = queue.popleft()
        opened += 1
        try:
            with os.scandir(folder) as entries:
                listing = sorted(entries, key=lambda e: e.name)
        except OSError:
            continue
        for entry in listing:
            if entry.name.startswith("."):
                continue
            try:
                is_dir = entry.is_dir()
            except OSError:
                continue
            if is_dir:
                queue.append(Path(entry.path))
                continue
            names += 1
            kind = modality.kind_of_extension(os.path.splitext(entry.name)[1])
            if kind is not None:
                seen.add(kind)
            if names >= files:
                break
    return tuple(sorted(k for k in seen if pipeline.has_chain(k)))
