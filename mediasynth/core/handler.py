"""The one interface every modality offers the engine, the loaders and the report: the
`Handler` Protocol, checked when a modality registers (or, for a handler named lazily as
"module:Class", when it is first made). `HandlerDefaults` gives the optional capabilities a
do-nothing default, so a handler that inherits it states only what it can do and the engine
calls every member directly (no `getattr` probing).

Required:
    kind: str
    output_extension(source_format, output_options) -> ".ext"
    check(path, budgets) -> header | None: header check, MediaError with a reason code when
        unusable; a handler may return what it read (a small picklable "header"), which the
        engine hands to `remember(header)` in the worker that renders the file
    load(path, budgets) -> loaded media (raises MediaError with a reason code)
    verify(path, budgets): a full check of an original before it is copied as it is
    render(loaded, pipeline, rng, dest, annotation=None, ...) -> (OpRecord, info): run the
        modality's chain and write the result to `dest` (a fresh temp path the engine renames
        into place); info may carry "sha256" of the bytes written
    replay(loaded, pipeline, record, dest, annotation=None) -> info: the same from a record
    describe(loaded) -> dict: cheap statistics of a source (rows' `source_stats`)
    sample(item, pipeline, rng, dataset) -> (sample dict, OpRecord | None): a loader sample

Optional (defaults in HandlerDefaults):
    makes_previews: bool = False: `render(..., previews=...)` makes the report's pictures
    needs_ffmpeg(source_format) -> False: whether reading this format needs FFmpeg
    reclassify(found, budgets, reason) -> None | (kind, format): a file that failed the
        check is really another kind (a video container holding only audio)
    remember(header) -> None: reuse a header `check` read in another process
    signature(path, budgets) -> None | bytes: near-duplicate signature (None: not compared)
    near_pairs(signatures) -> []: (a, b, distance) of near-duplicate signatures
    embed(loaded) -> None | vector: for `balance: synthesize` (None: oversampled instead)
    mix(loaded, partners, lam) -> loaded: blend same-class partners (with `embed`)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol, runtime_checkable


@runtime_checkable
class Handler(Protocol):
    """A modality's handler; see the module doc for each member's contract."""

    kind: str
    makes_previews: bool

    def output_extension(self, source_format: str, output_options: Any) -> str: ...

    def check(self, path: Path, budgets: Any) -> Any: ...

    def load(self, path: Path, budgets: Any) -> Any: ...

    def verify(self, path: Path, budgets: Any) -> None: ...

    def render(self, loaded: Any, pipeline: Any, rng: Any, dest: Path, annotation: Any = None
               ) -> tuple[Any, dict]: ...

    def replay(self, loaded: Any, pipeline: Any, record: Any, dest: Path,
               annotation: Any = None) -> dict: ...

    def describe(self, loaded: Any) -> dict: ...

    def sample(self, item: Any, pipeline: Any, rng: Any, dataset: Any) -> tuple[dict, Any]: ...

    def needs_ffmpeg(self, source_format: str) -> bool: ...

    def reclassify(self, found: Any, budgets: Any, reason: tuple[str, str]
                   ) -> tuple[str, str] | None: ...

    def remember(self, header: Any) -> None: ...

    def signature(self, path: Path, budgets: Any) -> bytes | None: ...

    def near_pairs(self, signatures: dict[str, bytes]) -> list[tuple[str, str, float]]: ...

    def embed(self, loaded: Any) -> Any: ...

    def mix(self, loaded: Any, partners: list, lam: float) -> Any: ...


class HandlerDefaults:
    """The optional members of `Handler`, doing nothing: inherit it and override what the
    modality can do."""

    makes_previews = False

    def needs_ffmpeg(self, source_format: str) -> bool:
        return False

    def reclassify(self, found, budgets, reason: tuple[str, str]) -> tuple[str, str] | None:
        return None

    def remember(self, header) -> None:
        return None

    def signature(self, path: Path, budgets) -> bytes | None:
        return None

    def near_pairs(self, signatures: dict[str, bytes]) -> list[tuple[str, str, float]]:
        return []

    def embed(self, loaded) -> Any:
        return None

    def mix(self, loaded, partners: list, lam: float):
        raise NotImplementedError(f"{type(self).__name__} cannot mix sources (no embed)")
