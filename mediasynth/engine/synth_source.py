"""A generator as a source of items: render the items of one `SynthChunk` in a worker.

Runs inside worker processes (local pool or Dask), like engine/worker.py does for a
source file. Each item is drawn from its own seed (seed, generator, index), its media
written atomically (io/atomic.py), then its side files; the item's manifest row is returned
only once all of them are in place, so a row in the manifest means a complete item. An
item whose generator raises becomes a `failed` row with reason `crashed` (the other items
of the chunk go on); an OUT that cannot be written (full, read-only) stops the run.
"""

from __future__ import annotations

import traceback
from dataclasses import dataclass
from pathlib import Path

from mediasynth.core.errors import ConfigError
from mediasynth.engine.manifest import Row
from mediasynth.engine.synth_plan import SynthChunk, SynthItemPlan
from mediasynth.engine.worker import FATAL_ERRNOS, FatalOutputError
from mediasynth.synth.base import Generator, ItemContext


@dataclass(frozen=True)
class SynthContext:
    """What every chunk of a run shares (sent to each worker once, or with each Dask task)."""

    generator: Generator
    out: str
    seed: int
    split_shares: dict[str, float] | None
    config_sha256: str
    versions: dict


def item_key(generator: Generator, index: int) -> str:
    """The key an item's seed is spawned from (with the run's seed)."""
    return f"{generator.name}/{index}"


def render_chunk(chunk: SynthChunk, ctx: SynthContext) -> list[dict]:
    """The manifest rows of the chunk's items, in index order (see the module docstring)."""
    return [render_item(item, ctx) for item in chunk.items]


def render_item(item: SynthItemPlan, ctx: SynthContext) -> dict:
    """Generate, write and describe one item; a generator error becomes a failed row, but a
    ConfigError (settings that cannot work for this run, e.g. too few asset files for
    `allow_repeated_source: false`) and a full or read-only OUT stop the run."""
    from mediasynth.core.rng import output_rng, seed_record
    from mediasynth.engine.worker import file_sha256
    from mediasynth.io.atomic import atomic_path

    gen, out = ctx.generator, Path(ctx.out)
    key = item_key(gen, item.index)
    try:
        context = ItemContext(item.index, item.split, ctx.split_shares, ctx.seed,
                              item.rank)
        made, record = gen.generate(output_rng(ctx.seed, key, 0), item.cls, context)
        dest = out / item.rel_path
        with atomic_path(dest) as tmp:
            gen.write(made, tmp)
        extra = gen.write_side_files(made, out, item.rel_path, item.split)
    except ConfigError:
        raise  # the generator's settings cannot work for this run (too few assets...): fatal
    except OSError as exc:
        if exc.errno in FATAL_ERRNOS:
            where = f" ({exc.filename})" if exc.filename else ""
            raise FatalOutputError(f"cannot write to the output folder: {exc.strerror}{where}"
                                   ) from None
        return failure_row(item, ctx, "crashed", _tail(exc))
    except Exception as exc:  # noqa: BLE001 - one bad item must not stop the others
        return failure_row(item, ctx, "crashed", _tail(exc))
    return Row(id=item.row_id, cls=item.cls, split=item.split, kind=gen.media_kind,
               variant=item.index, output=item.rel_path, status="ok",
               seed=seed_record(ctx.seed, key, 0), record=record.to_dict(),
               output_sha256=file_sha256(dest), pipeline_sha256=ctx.config_sha256,
               versions=ctx.versions, info={"labels": made.annotations, **extra}).to_dict()


def failure_row(item: SynthItemPlan, ctx: SynthContext, code: str, message: str) -> dict:
    """The row of an item that could not be made: status failed, with its reason."""
    return Row(id=item.row_id, cls=item.cls, split=item.split, kind=ctx.generator.media_kind,
               variant=item.index, status="failed", reason={"code": code, "message": message},
               pipeline_sha256=ctx.config_sha256, versions=ctx.versions).to_dict()


def _tail(exc: BaseException) -> str:
    return traceback.format_exception_only(type(exc), exc)[-1].strip()
