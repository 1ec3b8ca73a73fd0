"""The one render path of an image, shared by `expand` (ImageHandler.render), `replay` and
the loaders (ImageHandler.sample): decode at the size the chain needs, run the chain (or
replay a record), move the annotation with the pipeline's box limits.

Decode at size: when the chain's first step shrinks a window of the image to an output at
least 2x smaller on each side (random resized crop, resize, longest side: image/transforms/
crop.py `_Shrinking`) and the source is a JPEG file, it is decoded at 1/2, 1/4 or 1/8 by the
codec's DCT scaling instead of in full and resized. The step's params are drawn first on a
stand-in of the full size, from the generator's next draws as the chain will make them (its
coin peeked, its first child made as `spawn` will make it), so the draws (and the record, but
for its "decode_scale") are those of a full decode; a replay decodes at the scale its record
notes. Same seed, same bytes.

Who decodes at size: a source not decoded yet (`FileSource`, the loaders). `expand` and
`replay` hand over the image they decoded once for all of a source's outputs and its
statistics (`DecodedSource` without a path): decoding it again at 1/2-1/8 per output costs
more than resizing the pixels in hand (docs/benchmarks.md), so they use it as it is, and an
expand row's record (no "decode_scale") replays in the loader to the row's exact pixels.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from mediasynth.core.compose import Compose, run_chain
from mediasynth.core.media import Image
from mediasynth.core.transform import OpRecord
from mediasynth.image.annotations import Limits, run_annotated
from mediasynth.io.image_io import ImageHeader, check_header, read_image, reducible, upright_size


class ImageSource(Protocol):
    """An image to render from: its full upright size, and its pixels at 1/scale."""

    width: int
    height: int
    channels: int
    reducible: bool  # whether decode(scale > 1) really decodes smaller

    def decode(self, scale: int) -> Image: ...


@dataclass(frozen=True)
class DecodedSource:
    """An image already decoded in full; `path` and `header` (of a JPEG) let it be decoded
    again at a reduced size."""

    image: Image
    path: Path | None = None
    header: ImageHeader | None = None

    @property
    def width(self) -> int:
        return self.image.width

    @property
    def height(self) -> int:
        return self.image.height

    @property
    def channels(self) -> int:
        return self.image.channels

    @property
    def reducible(self) -> bool:
        return self.path is not None and self.header is not None and reducible(self.header)

    def decode(self, scale: int) -> Image:
        if scale == 1 or not self.reducible:
            return self.image
        reduced = read_image(self.path, reduce=scale, header=self.header)
        return reduced.replace(meta={**self.image.meta, **reduced.meta})


@dataclass(frozen=True)
class FileSource:
    """An image file not decoded yet (the loaders): its header is checked against the
    budgets at once; `mode` (image/modes.py) converts the pixels once decoded."""

    path: Path
    header: ImageHeader
    mode: str | None = None

    @classmethod
    def open(cls, path, budgets, mode: str | None = None) -> FileSource:
        header = check_header(Path(path), max_pixels=budgets.max_image_pixels,
                              max_memory_bytes=budgets.max_worker_memory_bytes)
        return cls(Path(path), header, mode)

    @property
    def width(self) -> int:
        return upright_size(self.header)[0]

    @property
    def height(self) -> int:
        return upright_size(self.header)[1]

    @property
    def channels(self) -> int:
        return self.header.channels

    @property
    def reducible(self) -> bool:
        return reducible(self.header)

    def decode(self, scale: int) -> Image:
        image = read_image(self.path, reduce=scale, header=self.header)
        if self.mode is not None:
            from mediasynth.image.modes import convert

            image = image.replace(pixels=convert(image.pixels, self.mode))
        return image


@dataclass(frozen=True)
class Rendered:
    """A rendered image with its record; for an annotated source, the moved annotation,
    the objects dropped and the side blobs (see image/annotations.run_annotated)."""

    image: Image
    record: OpRecord
    annotation: dict | None = None
    dropped: object = None
    side: tuple = ()


def decode_scale(chain, source: ImageSource, *, rng=None, record: OpRecord | None = None,
                 annotation: dict | None = None) -> int:
    """The scale (1, 2, 4 or 8) to decode `source` at for `chain` run from `rng` (which is
    not advanced) or replayed from `record`: 1 unless the source is reducible, carries no
    masks, and the chain's first step shrinks by that much (see the module docstring)."""
    if not source.reducible or not isinstance(chain, Compose) or not chain.steps:
        return 1
    if annotation is not None and (annotation.get("mask_file") or any(
            o.get("rle") for o in annotation.get("objects", []))):
        return 1  # masks are decoded at full size: the pixels must match them
    first = chain.steps[0]
    if not hasattr(first, "decode_scale") or not first.may_reduce(source.width, source.height):
        return 1
    if record is not None:
        if not record.applied or not record.children or not record.children[0].applied:
            return 1
        return int(record.children[0].params.get("decode_scale", 1))
    if not bool(_peek_random(rng) < chain.p):  # Compose.run's coin
        return 1
    stand_in = Image(np.broadcast_to(np.zeros((1, 1, source.channels), np.uint8),
                                     (source.height, source.width, source.channels)))
    drawn = first.sample(stand_in, _next_child(rng))
    if not drawn.applied:
        return 1
    return first.decode_scale(drawn.params, source.width, source.height)


def _peek_random(rng: np.random.Generator) -> float:
    """rng.random() without advancing `rng`."""
    state = rng.bit_generator.state
    value = rng.random()
    rng.bit_generator.state = state
    return value


def _next_child(rng: np.random.Generator) -> np.random.Generator:
    """The first generator `rng.spawn(n)` will give, without spawning it (cheaper than a
    deep copy of `rng`)."""
    seq = rng.bit_generator.seed_seq
    child = np.random.SeedSequence(seq.entropy, spawn_key=(*seq.spawn_key,
                                                            seq.n_children_spawned),
                                   pool_size=seq.pool_size)
    return np.random.Generator(type(rng.bit_generator)(child))


def render(chain, source: ImageSource, *, rng=None, record: OpRecord | None = None,
           annotation: dict | None = None, limits: Limits | None = None) -> Rendered:
    """Run `chain` on `source` drawing from `rng`, or replay it from `record`; an
    `annotation` (in pixels of the full-size image) moves with it, objects dropped by
    `limits` (the pipeline's box limits)."""
    scale = decode_scale(chain, source, rng=rng, record=record, annotation=annotation)
    image = source.decode(scale)
    if annotation is None:
        out, record = run_chain(chain, image, rng, record)
        return Rendered(out, record)
    out, record, moved, dropped, side = run_annotated(chain, image, annotation,
                                                      limits or Limits(), rng=rng,
                                                      record=record)
    return Rendered(out, record, moved, dropped, side)
