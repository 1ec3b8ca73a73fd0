"""The one interface every modality offers the engine; handlers come from the registered
modalities (core/modality.py).

A handler:
    kind: str
    output_extension(source_format, output_options) -> ".ext"
    check(path, budgets) -> header | None: header check, MediaError with a reason code
        when unusable. A handler may return what it read (a small picklable "header"):
        the engine then hands it to `remember(header)` in the worker that renders the
        file, before `load`/`verify`, so one read serves both phases
    load(path, budgets) -> loaded media (raises MediaError with a reason code)
    render(loaded, pipeline, rng, dest) -> (OpRecord, info): run the modality's chain and
        write the result to `dest` (a fresh temp path the engine renames into place); info
        may carry "sha256" of the bytes written, else the engine hashes the file
    replay(loaded, pipeline, record, dest) -> info: the same from a stored record
    describe(loaded) -> dict: cheap statistics of a source, stored in its rows as
        `source_stats` (the report compares outputs with sources without decoding)
    verify(path, budgets): a full check of an original before it is copied as it is
    embed(loaded) -> vector | None, mix(loaded, partners, lam) -> loaded: for
        `balance: synthesize` (optional: a handler without them is oversampled instead)
"""

from __future__ import annotations

from mediasynth.core.modality import handler_for

__all__ = ["handler_for", "output_extension"]


def output_extension(kind: str, source_format: str, output_options) -> str:
    return handler_for(kind).output_extension(source_format, output_options)
