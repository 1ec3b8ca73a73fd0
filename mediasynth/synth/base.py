"""Base of procedural generators.

A generator is a frozen dataclass of configuration, registered as `synth.<name>`. Like a
transform, all randomness is in `get_params(rng, class_name)` (JSON-safe), and
`render(params)` is deterministic, so the manifest's params reproduce an item exactly. It also
writes its items: `write` (the media, named `<name>_<index><extension>`), `write_side_files`
and `write_annotations` (the per-split files under OUT/annotations).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from mediasynth.core.errors import ConfigError
from mediasynth.core.transform import Configurable, OpRecord, freeze_lists


@dataclass(frozen=True, eq=False)
class SynthItem:
    """A generated item: its media (Image, Audio or a video file's frames) and its labels."""

    media: Any
    label: str
    annotations: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ItemContext:
    """What the engine tells a generator about the item it is drawing.

    `split` is the item's split (None without a split); `split_shares` the run's split
    request ({name: share}, None without one) and `seed` the run's seed, so a generator that
    draws from real asset files can partition them by file across splits, the same way in
    every worker (a file used in train never appears in val/test). `rank` is the item's
    position among the items of its split (0, 1, ...; None when the caller does not plan
    splits), so such a generator can deal its split's files to items without gaps.
    """

    index: int
    split: str | None = None
    split_shares: dict[str, float] | None = None
    seed: int = 0
    rank: int | None = None


@dataclass(frozen=True, kw_only=True)
class Generator(Configurable):
    kind: ClassVar[str] = "synth"
    media_kind: ClassVar[str] = "image"  # the manifest rows' "kind"
    extension: ClassVar[str] = ".png"  # of the media files `write` makes
    needs_ffmpeg: ClassVar[bool] = False  # rows then record FFmpeg's version

    def __post_init__(self) -> None:
        freeze_lists(self)
        self.validate()

    REQUIRED: ClassVar[tuple[str, ...]] = ("classes", "get_params", "render", "write")

    @classmethod
    def check_contract(cls) -> None:
        """A registered generator implements every member of `REQUIRED` (the others have
        working defaults): TypeError naming the ones it leaves to this base."""
        missing = [f"{m}()" for m in cls.REQUIRED if getattr(cls, m) is getattr(Generator, m)]
        if missing:
            raise TypeError(f"generator {cls.__qualname__} does not implement the generator "
                            f"contract (synth/base.py): missing {', '.join(missing)}")

    def validate(self) -> None:
        """Check fields; raise ConfigError naming the field."""

    def classes(self) -> tuple[str, ...]:
        """The class names items can have (for class folders and balancing)."""
        raise NotImplementedError

    def get_params(self, rng: np.random.Generator, class_name: str | None = None,
                   context: ItemContext | None = None) -> dict:
        """Every random choice of one item (JSON-safe); `render(params)` makes it."""
        raise NotImplementedError

    def render(self, params: dict) -> SynthItem:
        raise NotImplementedError

    def generate(self, rng: np.random.Generator, class_name: str | None = None,
                 context: ItemContext | None = None) -> tuple[SynthItem, OpRecord]:
        params = self.get_params(rng, class_name, context)
        return self.render(params), OpRecord(self.name, True, params)

    def replay(self, record: OpRecord) -> SynthItem:
        if record.name != self.name:
            raise ValueError(f"record is for {record.name!r}, not {self.name!r}")
        return self.render(record.params)

    def write(self, item: SynthItem, path: Path) -> None:
        """Write the item's media to `path` (a temp file, renamed into place after)."""
        raise NotImplementedError

    def side_files(self, rel: str, split: str | None) -> tuple[str, ...]:
        """Paths (relative to OUT) of the extra files the item at `rel` writes."""
        return ()

    def write_side_files(self, item: SynthItem, out: Path, rel: str, split: str | None) -> dict:
        """Write `side_files(rel, split)` under `out`; return fields for the row's info."""
        return {}

    def annotation_classes(self) -> tuple[str, ...]:
        """The names listed in annotations/classes.txt."""
        return self.classes()

    def write_annotations(self, folder: Path, split: str, rows: list[dict]) -> None:
        """Write the annotation files of one split (`rows`: its manifest rows) in `folder`."""


def check_choices(owner: Generator, field_name: str, allowed) -> None:
    values = getattr(owner, field_name)
    if not values or any(v not in allowed for v in values):
        raise ConfigError(f"{owner.name}: {field_name} must be a non-empty list from "
                          f"{sorted(allowed)}, got {list(values) if values else values}")


def pick(rng: np.random.Generator, options) -> Any:
    return options[int(rng.integers(len(options)))]
