"""Report tiles: the picture the HTML report shows for one file, drawn by the file's modality.

A modality declares `report_tile` ("module:function", core/modality.py); the function is a
`TileRenderer`: `tile(path, row, preview) -> Tile`, where `path` is the file (an output, a
source or a partner), `row` its manifest row (None for a source), and `preview` the PNG the
worker made while it held the media (engine/previews.py), or None when there is none (the
renderer then draws from the file). The report writes the tile's PNG among its assets and
adds a player for the file when the tile asks for one; a kind without a renderer gets a link.
The renderer is checked when first resolved: a callable taking (path, row, preview).
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

PLAYERS = ("audio", "video")


@dataclass(frozen=True)
class Tile:
    """A tile's picture (PNG bytes), its alt text, `player`: "audio" or "video" for a player
    of the file beside the picture (None: none), and `stem`: a word naming the picture (its
    asset file is named `<number>-<stem>.png`)."""

    png: bytes
    alt: str
    player: str | None = None
    stem: str = "tile"

    def __post_init__(self) -> None:
        if self.player is not None and self.player not in PLAYERS:
            raise ValueError(f"a tile's player is one of {', '.join(PLAYERS)} or None, got "
                             f"{self.player!r}")


@runtime_checkable
class TileRenderer(Protocol):
    def __call__(self, path: Path, row: dict | None, preview: Path | None) -> Tile: ...


def check_renderer(renderer, what: str) -> None:
    """TypeError naming `what` when `renderer` is no callable of (path, row, preview)."""
    if not callable(renderer):
        raise TypeError(f"{what} is not callable")
    try:
        inspect.signature(renderer).bind(Path("x"), None, None)
    except (TypeError, ValueError):
        raise TypeError(f"{what} must take (path, row, preview)") from None
