"""The recordings a soundscape is made of: an index of the sources under a foreground or
background folder, their partition across splits, and loading one excerpt.

A folder is read in one of two ways:
    class folders      ROOT/<label>/**/<audio file>: each file is one source of its label
                       (any format `read_audio` decodes; the label is the top folder)
    an event table     any folder `expand` reads as an `events` layout (DCASE TSV/CSV beside
                       the audio, see io/layouts/events.py): each annotated event is one
                       source, cut out of its file at [onset, offset]

A source is (path relative to ROOT, label, start_s, end_s): the whole file for class folders,
the event's span for a table. The split partition is **by file**: every file is its own
group in engine/split.py's `split_items` (stratified by its first label, ordered by a hash of
the run's seed), so all the events of one recording stay in one split and a file used in
train never appears in val/test. Index and partition are pure functions of (folder, shares,
seed), cached per process (functools.lru_cache), so every worker computes the same.
"""

from __future__ import annotations

import functools
import importlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mediasynth.core.errors import ConfigError, MediaError

HIDDEN = (".", "_")


@dataclass(frozen=True)
class Source:
    """One usable recording: `path` relative to its root (POSIX), `label`, and the span
    [start_s, end_s] of the file it covers (the whole file for class folders)."""

    path: str
    label: str
    start_s: float
    end_s: float

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s

    @property
    def key(self) -> str:
        """The source's identity in params and in the no-repeat rule."""
        return self.path if self.start_s == 0.0 else f"{self.path}@{self.start_s:.6f}"


@functools.lru_cache(maxsize=8)
def index_sources(root: str) -> tuple[Source, ...]:
    """Every source under `root` (see the module doc), sorted by (label, path, start).
    ConfigError when the folder is missing or holds no audio."""
    folder = Path(root)
    if not folder.is_dir():
        raise ConfigError(f"soundscape: {root} is not a folder")
    from mediasynth.io.layouts import events

    sources = (_event_sources(folder) if events.LAYOUT.detect(folder)
               else _folder_sources(folder))
    if not sources:
        raise ConfigError(f"soundscape: {root} holds no audio in class folders "
                          f"(ROOT/<label>/<file>) and no event table")
    return tuple(sorted(sources, key=lambda s: (s.label, s.path, s.start_s)))


def _folder_sources(folder: Path) -> list[Source]:
    from mediasynth.core import modality
    from mediasynth.io.discover import files_under
    from mediasynth.io.layouts.base import rel

    found = []
    for label_dir in sorted(p for p in folder.iterdir() if p.is_dir()
                            and not p.name.startswith(HIDDEN)):
        for path in files_under(label_dir):
            name = rel(path, folder)
            if any(part.startswith(HIDDEN) for part in Path(name).parts):
                continue
            if modality.kind_of_extension(path.suffix.lower()) != "audio":
                continue
            duration = file_duration_s(path)
            if duration > 0:
                found.append(Source(name, label_dir.name, 0.0, duration))
    return found


def _event_sources(folder: Path) -> list[Source]:
    from mediasynth.io.layouts import events

    read = events.LAYOUT.read(folder)
    found = []
    for key, item in sorted(read.items.items()):
        duration = file_duration_s(folder / key)
        for event in item["annotation"]["events"]:
            start, end = float(event["onset_s"]), min(float(event["offset_s"]), duration)
            if end > start and event["label"]:
                found.append(Source(key, str(event["label"]), start, end))
    return found


def file_duration_s(path: Path) -> float:
    """The file's duration from its header (a full decode for containers libsndfile cannot
    read); 0.0 for a file that does not decode (it is left out)."""
    from mediasynth.io.audio_io import probe_audio, read_audio

    try:
        info = probe_audio(path)
        if info is not None and info.frames > 0:
            return info.frames / info.samplerate
        audio = read_audio(path)
    except (MediaError, OSError):
        return 0.0
    return audio.samples.shape[1] / audio.sample_rate


def _split_key(shares: dict[str, float] | None) -> tuple | None:
    return tuple(sorted(shares.items())) if shares else None


def split_sources(root: str, split: str | None, shares: dict[str, float] | None,
                  seed: int) -> tuple[Source, ...]:
    """The sources of `root` whose file belongs to `split` (all of them without shares)."""
    return _split_sources(root, split, _split_key(shares), seed)


@functools.lru_cache(maxsize=32)
def _split_sources(root: str, split: str | None, shares: tuple | None,
                   seed: int) -> tuple[Source, ...]:
    sources = index_sources(root)
    if not shares or split is None:
        return sources
    split_of = file_splits(root, shares, seed)
    return tuple(s for s in sources if split_of[s.path] == split)


@functools.lru_cache(maxsize=16)
def file_splits(root: str, shares: tuple, seed: int) -> dict[str, str | None]:
    """The split of every file of `root`: each file its own group, stratified by its first
    label, through engine/split.py (loaded by name: synth sits below the engine's layer)."""
    split = importlib.import_module("mediasynth.engine.split")
    first_label: dict[str, str] = {}
    for s in index_sources(root):
        first_label.setdefault(s.path, s.label)
    placed = split.split_items([split.SplitItem(path, label) for path, label
                                in first_label.items()],
                               split.SplitSpec(dict(shares), seed=seed))
    return {path: placed.split_of(path) for path in first_label}


def seeded_order(sources: tuple[Source, ...], seed: int, purpose: str) -> list[Source]:
    """`sources` in an order fixed by a hash of (seed, purpose, key): the deal of the
    no-repeat rule."""
    import hashlib

    def rank(s: Source) -> bytes:
        return hashlib.sha256(f"{seed}/{purpose}/{s.key}".encode("utf-8", "surrogateescape")).digest()

    return sorted(sources, key=rank)


@functools.lru_cache(maxsize=64)
def load_mono(path: str, sample_rate: int) -> np.ndarray:
    """The whole file as one float32 channel (the mean of its channels) at `sample_rate`
    (soxr HQ). Cached per process: a source read once serves every soundscape of a chunk."""
    from mediasynth.audio.functional.stretch import resample
    from mediasynth.io.audio_io import read_audio

    audio = read_audio(path)
    mono = audio.samples.mean(axis=0, keepdims=True, dtype=np.float64).astype(np.float32)
    out = resample(mono, from_hz=audio.sample_rate, to_hz=sample_rate)[0]
    out.setflags(write=False)
    return out


def excerpt(path: str, sample_rate: int, start_s: float, duration_s: float, *,
            loop: bool = False) -> np.ndarray:
    """`duration_s` of the file from `start_s` (frames rounded to the nearest), mono, float32;
    with `loop` the file repeats (a background shorter than the soundscape is tiled), else
    what runs past the end is silence."""
    data = load_mono(path, sample_rate)
    n = int(round(duration_s * sample_rate))
    first = int(round(start_s * sample_rate))
    if loop and data.size:
        return data[(first + np.arange(n)) % data.size].astype(np.float32)
    out = np.zeros(n, np.float32)
    piece = data[first:first + n]
    out[:piece.size] = piece
    return out
