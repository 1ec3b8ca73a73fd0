"""The one interface every modality offers the engine, and the lookup of handlers.

A handler:
    kind: str
    output_extension(source_format, output_options) -> ".ext"
    load(path, budgets) -> loaded media (raises MediaError with a reason code)
    render(loaded, pipeline, rng, dest) -> (OpRecord, info): run the modality's chain and
        write the result to `dest` (a fresh temp path the engine renames into place); info
        may carry "sha256" of the bytes written, else the engine hashes the file
    replay(loaded, pipeline, record, dest) -> info: the same from a stored record
    describe(loaded) -> dict: cheap statistics of a source, stored in its rows as
        `source_stats` (the report compares outputs with sources without decoding)
"""

from __future__ import annotations

import importlib

_HANDLERS = {
    "image": "mediasynth.image.handler:ImageHandler",
    "audio": "mediasynth.audio.handler:AudioHandler",
    "video": "mediasynth.video.handler:VideoHandler",
}
_cache: dict[str, object] = {}


def handler_for(kind: str):
    if kind not in _cache:
        module, _, name = _HANDLERS[kind].partition(":")
        _cache[kind] = getattr(importlib.import_module(module), name)()
    return _cache[kind]


def output_extension(kind: str, source_format: str, output_options) -> str:
    return handler_for(kind).output_extension(source_format, output_options)
