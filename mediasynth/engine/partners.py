"""Partner sources of a mixed output, and the hand-over to the handler: the one place both
a run (engine/worker.py) and a replay (engine/replay.py) turn a source and its partners
into the media an output is rendered from."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from mediasynth.core.config import Pipeline


class Partners:
    """Partner sources of one source's outputs, each loaded (and hashed) once. `src`: SRC's
    path; `source_sha`: the sha256 of the source itself and `hash_file` (path -> sha256)
    what hashes a partner, for the rows' provenance (`sources`)."""

    def __init__(self, handler, src: str, pipeline: Pipeline, source_sha: str | None = None,
                 hash_file: Callable[[Path], str] | None = None):
        self.handler, self.src, self.pipeline, self.source_sha = handler, src, pipeline, source_sha
        self.hash_file = hash_file
        self.loaded: dict[str, tuple] = {}

    def _path(self, rel: str) -> Path:
        from mediasynth.engine.background import partner_path

        return partner_path(self.src, self.pipeline, rel)

    def media(self, rel: str):
        if rel not in self.loaded:
            self.loaded[rel] = (self.handler.load(self._path(rel), self.pipeline.budgets), None)
        return self.loaded[rel][0]

    def sha256(self, rel: str) -> str:
        media, sha = self.loaded.get(rel, (None, None))
        if sha is None:
            if self.hash_file is None:
                raise ValueError("Partners made without hash_file cannot hash partners")
            sha = self.hash_file(self._path(rel))
            self.loaded[rel] = (media if media is not None else self.media(rel), sha)
        return sha

    def sources(self, source: str, partners) -> list[dict]:
        """Every source an output is made from, with its sha256 (the row's provenance)."""
        return [{"path": source, "sha256": self.source_sha},
                *({"path": p, "sha256": self.sha256(p)} for p in partners)]


def mixed_media(handler, loaded, mix: dict, partners: Partners, annotations=None):
    """The media an output with `mix` ({method, partners, lambda}) is rendered from:
    `handler.mix` of the source and its partners for `interpolate`, else (a partner step,
    which finds its partners in meta) the source with meta["partners"] = [(media,
    annotation)], the annotations by partner path (None: none)."""
    media = [partners.media(p) for p in mix["partners"]]
    if mix["method"] == "interpolate":
        return handler.mix(loaded, media, mix["lambda"])
    pairs = [(m, ((annotations or {}).get(p) or {}).get("annotation"))
             for m, p in zip(media, mix["partners"])]
    return loaded.replace(meta={**loaded.meta, "partners": pairs})
