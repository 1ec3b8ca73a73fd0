"""Generate a labelled dataset from a synth generator: class balance, split, parallel
workers, manifest (the engine side of `mediasynth synth`; generators, in mediasynth/synth,
write their own media, side files and annotation files, and know nothing of workers).

Layout of OUT:
    <split>/<class>/<generator>_<index>.<ext>     the media (class folders)
    annotations/classes.txt                        class names, one a line
    annotations/<split>.coco.json                  shapes: boxes + polygons (COCO)
    annotations/yolo/<split>/<stem>.txt            shapes: YOLO boxes
    annotations/masks/<split>/<stem>.png           shapes: instance masks (0 = background)
    annotations/<split>.csv|.json                  tones: class, f0, onset/offset
    annotations/<split>.mot.csv                    video: per-frame boxes (MOT style)
    manifest.jsonl, labels.csv                     as for `expand`
Every item's seed depends only on (seed, generator, index): same seed, same bytes.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from mediasynth.core import registry
from mediasynth.core.errors import ConfigError
from mediasynth.engine import manifest as M
from mediasynth.engine.plan import row_id
from mediasynth.engine.sink import is_ours
from mediasynth.engine.split import SplitItem, SplitSpec, largest_remainder, split_items
from mediasynth.synth.base import Generator, ItemContext

RUNNER_KEYS = ("count", "class_counts", "class_weights", "split")
CHUNK = 16


@dataclass(frozen=True)
class SynthJob:
    generator: Generator
    out: str
    seed: int
    items: tuple[tuple[int, str, str | None], ...]  # (index, class, split)
    config_sha256: str
    versions: dict
    split_shares: dict | None = None


def class_plan(classes: tuple[str, ...], count: int, *, class_counts: dict | None = None,
               class_weights: dict | None = None) -> list[str]:
    """The class of every item index: explicit counts, weights (e.g. {a: 1, b: 10} for a 1:10
    imbalance) or uniform; interleaved so any prefix of indexes is roughly balanced."""
    if class_counts:
        unknown = set(class_counts) - set(classes)
        if unknown:
            raise ConfigError(f"class_counts names unknown classes {sorted(unknown)}; "
                              f"classes: {list(classes)}")
        counts = {c: int(class_counts.get(c, 0)) for c in classes}
    else:
        weights = {c: 1.0 for c in classes}
        if class_weights:
            unknown = set(class_weights) - set(classes)
            if unknown:
                raise ConfigError(f"class_weights names unknown classes {sorted(unknown)}")
            weights = {c: float(class_weights.get(c, 0.0)) for c in classes}
        total = sum(weights.values())
        if total <= 0:
            raise ConfigError("class weights must not all be zero")
        counts = dict(zip(classes, largest_remainder([count * weights[c] / total
                                                      for c in classes])))
    # interleave: item i goes to the class furthest behind its target share
    order, given = [], dict.fromkeys(classes, 0)
    total = sum(counts.values())
    for i in range(total):
        c = max(classes, key=lambda c: (counts[c] * (i + 1) / total - given[c], -classes.index(c)))
        given[c] += 1
        order.append(c)
    return order


def item_path(generator: Generator, index: int, cls: str, split: str | None) -> str:
    short = generator.name.split(".")[-1]
    folder = PurePosixPath(*(p for p in (split, cls) if p))
    return str(folder / f"{short}_{index:06d}{generator.extension}")


def render_chunk(job: SynthJob, _context=None) -> list[dict]:
    """Render and write the items of one chunk (in a worker); return rows with labels."""
    from mediasynth.core.rng import output_rng, seed_record
    from mediasynth.engine.worker import file_sha256
    from mediasynth.io.atomic import atomic_path

    out = Path(job.out)
    rows = []
    for index, cls, split in job.items:
        key = f"{job.generator.name}/{index}"
        context = ItemContext(index, split, job.split_shares, job.seed)
        item, record = job.generator.generate(output_rng(job.seed, key, 0), cls, context)
        rel = item_path(job.generator, index, cls, split)
        dest = out / rel
        with atomic_path(dest) as tmp:
            job.generator.write(item, tmp)
        extra = job.generator.write_side_files(item, out, rel, split)
        rows.append(M.Row(
            id=row_id(f"synth:{job.generator.name}", index), cls=cls, split=split,
            kind=job.generator.media_kind, variant=index, output=rel, status="ok",
            seed=seed_record(job.seed, key, 0), record=record.to_dict(),
            output_sha256=file_sha256(dest), pipeline_sha256=job.config_sha256,
            versions=job.versions, info={"labels": item.annotations, **extra}).to_dict())
    return rows


def run_synth(generator: Generator, out: str | Path, *, count: int, seed: int = 0,
              split: dict[str, float] | None = None, class_counts: dict | None = None,
              class_weights: dict | None = None, workers: int | None = None,
              quiet: bool = True) -> list[dict]:
    """Generate `count` items into OUT; returns the manifest rows (also written)."""
    from mediasynth.engine.pool import run_pool
    from mediasynth.engine.sink import FolderSink, OutLock
    from mediasynth.engine.versions import versions

    out = Path(out)
    if out.exists() and any(out.iterdir()) and not is_ours(out):
        raise ConfigError(f"OUT {out} is not empty and holds no {M.MANIFEST}")
    with OutLock(out):
        classes = class_plan(generator.classes(), count, class_counts=class_counts,
                             class_weights=class_weights)
        placed = split_items([SplitItem(str(i), c) for i, c in enumerate(classes)],
                             SplitSpec(split, seed=seed))
        splits = {key: a.split for key, a in placed.assignments.items()}
        items = [(i, c, splits[str(i)]) for i, c in enumerate(classes)]
        config = {"generator": generator.to_config(), "count": len(items), "seed": seed,
                  "split": split, "class_counts": class_counts, "class_weights": class_weights}
        sha = hashlib.sha256(json.dumps(config, sort_keys=True).encode()).hexdigest()
        vers = versions(generator.needs_ffmpeg)
        jobs = [SynthJob(generator, str(out), seed, tuple(items[i:i + CHUNK]), sha, vers, split)
                for i in range(0, len(items), CHUNK)]
        sink = FolderSink(out)
        sink.sweep_temps()
        sink.remove_report()
        rels = [(item_path(generator, i, c, s), s) for i, c, s in items]
        planned = {p for rel, s in rels for p in (rel, *generator.side_files(rel, s))}
        journal = sink.begin(planned)
        results: dict[int, list[dict]] = {}
        bar = _bar(len(items), quiet)
        n = min(workers or os.cpu_count() or 1, len(jobs)) or 1
        for index, status, value in run_pool(render_chunk, jobs, None, workers=n, timeout_s=3600):
            if status != "ok":
                raise ConfigError(f"generation failed: {status}: {value}")
            results[index] = value
            bar.update(len(value))
        bar.close()
        rows = [r for i in range(len(jobs)) for r in results[i]]
        M.write_final(out, rows)
        annotation_files = _write_annotations(generator, out, rows)
        keep = planned | set(annotation_files)
        keep |= set(_write_card(out, config, annotation_files))
        sink.remove_stale(journal, keep)
        sink.end(keep)
        return rows


def _write_card(out: Path, config: dict, annotation_files: list[str]) -> list[str]:
    """The dataset card and croissant.json of a synth OUT (engine/dataset_card.py)."""
    import yaml

    from mediasynth.core.config import builtin
    from mediasynth.engine.dataset_card import Recipe, write_card

    config = builtin(config)  # a pipeline's `source:` keeps the parser's line-tracking maps
    recipe = Recipe(source_name=config["generator"]["type"], seed=config["seed"],
                    config_yaml=yaml.safe_dump(config, sort_keys=False),
                    split=config["split"], synthesized=True)
    return write_card(out, recipe, annotation_files=annotation_files)


def _bar(total: int, quiet: bool):
    from mediasynth.engine.progress import progress_bar

    return progress_bar(total, unit="item", desc="synth", quiet=quiet)


def _write_annotations(generator: Generator, out: Path, rows: list[dict]) -> list[str]:
    """Write classes.txt and the generator's per-split annotation files (replacing every
    earlier one: the folder is mediasynth's); return their paths relative to OUT."""
    from mediasynth.io.atomic import write_bytes_atomic

    folder = out / "annotations"
    if folder.is_dir():
        for old in folder.iterdir():
            if old.is_file():
                old.unlink()
    classes = generator.annotation_classes()
    write_bytes_atomic(folder / "classes.txt", ("\n".join(classes) + "\n").encode())
    by_split: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        by_split[r["split"] or "all"].append(r)
    for split, split_rows in sorted(by_split.items()):
        generator.write_annotations(folder, split, split_rows)
    return [f"annotations/{p.name}" for p in folder.iterdir() if p.is_file()]


def generator_and_options(type_name: str, settings: dict) -> tuple[Generator, dict]:
    """The generator `type_name` built from `settings` (a pipeline's `source:` section or
    `--set` values) and the runner options among them (RUNNER_KEYS). Strict: a key that is
    neither raises ConfigError naming the closest valid one."""
    cls = registry.lookup(type_name)
    runner = {k: v for k, v in settings.items() if k in RUNNER_KEYS}
    gen_cfg = {"type": type_name, **{k: v for k, v in settings.items()
                                     if k != "type" and k not in RUNNER_KEYS}}
    valid = set(cls.config_fields())
    for key in gen_cfg:
        if key != "type" and key not in valid:
            raise ConfigError(f"{type_name}: unknown option {key!r}"
                              f"{registry.did_you_mean(key, sorted(valid | set(RUNNER_KEYS)))}")
    try:
        return registry.build(gen_cfg), runner
    except ConfigError:
        raise
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{type_name}: {exc}") from None
