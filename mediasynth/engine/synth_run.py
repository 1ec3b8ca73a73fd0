"""Generate a labelled dataset from a synth generator: class balance, split, parallel
workers, manifest, exports (the engine side of `mediasynth synth`; generators themselves are
in mediasynth/synth and know nothing of OUT, workers or manifests).

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
from mediasynth.engine.plan import largest_remainder, row_id, split_keys
from mediasynth.engine.sink import is_ours
from mediasynth.synth import export
from mediasynth.synth.base import Generator

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


def _ext(generator: Generator) -> str:
    return {"image": ".png", "audio": ".wav", "video": ".mp4"}[generator.media_kind]


def item_path(generator: Generator, index: int, cls: str, split: str | None) -> str:
    short = generator.name.split(".")[-1]
    folder = PurePosixPath(*(p for p in (split, cls) if p))
    return str(folder / f"{short}_{index:06d}{_ext(generator)}")


def render_chunk(job: SynthJob, _context=None) -> list[dict]:
    """Render and write the items of one chunk (in a worker); return rows with labels."""
    from mediasynth.core.rng import output_rng, seed_record
    from mediasynth.engine.worker import file_sha256
    from mediasynth.io.atomic import atomic_path

    out = Path(job.out)
    rows = []
    for index, cls, split in job.items:
        key = f"{job.generator.name}/{index}"
        item, record = job.generator.generate(output_rng(job.seed, key, 0), cls)
        rel = item_path(job.generator, index, cls, split)
        dest = out / rel
        with atomic_path(dest) as tmp:
            _write_media(job.generator, item, tmp)
        extra = _write_side_files(job.generator, item, out, rel, split)
        rows.append({
            "id": row_id(f"synth:{job.generator.name}", index), "source": None,
            "source_sha256": None, "class": cls, "split": split,
            "kind": job.generator.media_kind, "variant": index, "output": rel, "status": "ok",
            "reason": None, "seed": seed_record(job.seed, key, 0), "record": record.to_dict(),
            "output_sha256": file_sha256(dest), "pipeline_sha256": job.config_sha256,
            "versions": job.versions, "info": {"labels": item.annotations, **extra},
        })
    return rows


def _write_media(generator: Generator, item, path: Path) -> None:
    if generator.media_kind == "image":
        from mediasynth.io.image_io import encode_image

        path.write_bytes(encode_image(item.media, "png"))
    elif generator.media_kind == "audio":
        from mediasynth.io.audio_io import write_audio

        write_audio(item.media, path, subtype="PCM_16", atomic=False)
    else:
        generator.write(item, path)


def _write_side_files(generator: Generator, item, out: Path, rel: str,
                      split: str | None) -> dict:
    if generator.name != "synth.shapes":
        return {}
    from mediasynth.io.atomic import write_bytes_atomic
    from mediasynth.io.image_io import encode_image

    mask_rel, yolo_rel = _shape_side_files(rel, split)
    image = item.media
    mask = image.mask.astype("uint8") if image.mask.max() < 256 else image.mask
    from mediasynth.core.media import Image

    write_bytes_atomic(out / mask_rel, encode_image(Image(mask[:, :, None]), "png"))
    text = export.yolo_lines(item.annotations["objects"], list(generator.shapes), image.width,
                             image.height)
    write_bytes_atomic(out / yolo_rel, text.encode())
    return {"mask": mask_rel, "yolo": yolo_rel, "width": image.width, "height": image.height}


def run_synth(generator: Generator, out: str | Path, *, count: int, seed: int = 0,
              split: dict[str, float] | None = None, class_counts: dict | None = None,
              class_weights: dict | None = None, workers: int | None = None,
              quiet: bool = True) -> list[dict]:
    """Generate `count` items into OUT; returns the manifest rows (also written)."""

    from mediasynth.engine.sink import OutLock

    out = Path(out)
    if out.exists() and any(out.iterdir()) and not is_ours(out):
        raise ConfigError(f"OUT {out} is not empty and holds no {M.MANIFEST}")
    with OutLock(out):
        return _run_synth(generator, out, count, seed, split, class_counts, class_weights,
                          workers, quiet)


def _run_synth(generator: Generator, out: Path, count: int, seed: int, split, class_counts,
               class_weights, workers, quiet) -> list[dict]:
    from mediasynth.engine.pool import run_pool
    from mediasynth.engine.sink import FolderSink
    from mediasynth.engine.versions import versions

    classes = class_plan(generator.classes(), count, class_counts=class_counts,
                         class_weights=class_weights)
    keys = [(str(i), c) for i, c in enumerate(classes)]
    splits = split_keys(keys, split, seed)
    items = [(i, c, splits[str(i)]) for i, c in enumerate(classes)]
    config = {"generator": generator.to_config(), "count": len(items), "seed": seed,
              "split": split, "class_counts": class_counts, "class_weights": class_weights}
    sha = hashlib.sha256(json.dumps(config, sort_keys=True).encode()).hexdigest()
    vers = versions(generator.media_kind == "video")
    jobs = [SynthJob(generator, str(out), seed, tuple(items[i:i + CHUNK]), sha, vers)
            for i in range(0, len(items), CHUNK)]
    sink = FolderSink(out)
    sink.sweep_temps()
    sink.remove_report()
    planned = {p for i, c, s in items for p in _item_files(generator, i, c, s)}
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
    keep = planned | set(_write_annotations(generator, out, rows))
    sink.remove_stale(journal, keep)
    sink.end(keep)
    return rows


def _item_files(generator: Generator, index: int, cls: str, split: str | None) -> list[str]:
    """Every file one item writes: its media and, for shapes, its mask and YOLO label."""
    rel = item_path(generator, index, cls, split)
    if generator.name != "synth.shapes":
        return [rel]
    return [rel, *_shape_side_files(rel, split)]


def _shape_side_files(rel: str, split: str | None) -> tuple[str, str]:
    """(mask PNG, YOLO label) of a shapes item."""
    stem, split_dir = PurePosixPath(rel).stem, split or "all"
    return (f"annotations/masks/{split_dir}/{stem}.png",
            f"annotations/yolo/{split_dir}/{stem}.txt")


def _bar(total: int, quiet: bool):
    import sys

    from tqdm import tqdm

    return tqdm(total=total, unit="item", desc="synth", disable=quiet or not sys.stderr.isatty(),
                leave=False)


def _write_annotations(generator: Generator, out: Path, rows: list[dict]) -> list[str]:
    """Write the per-split annotation files (replacing every earlier one: the folder is
    mediasynth's); return their paths relative to OUT."""
    folder = out / "annotations"
    if folder.is_dir():
        for old in folder.iterdir():
            if old.is_file():
                old.unlink()
    _write_annotation_files(generator, folder, rows)
    return [f"annotations/{p.name}" for p in folder.iterdir() if p.is_file()]


def _write_annotation_files(generator: Generator, folder: Path, rows: list[dict]) -> None:
    classes = list(generator.shapes) if generator.name == "synth.shapes" else list(
        generator.classes())
    from mediasynth.io.atomic import write_bytes_atomic

    write_bytes_atomic(folder / "classes.txt", ("\n".join(classes) + "\n").encode())
    by_split: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        by_split[r["split"] or "all"].append(r)
    for split, split_rows in sorted(by_split.items()):
        if generator.name == "synth.shapes":
            entries = [{"file_name": r["output"], "width": r["info"]["width"],
                        "height": r["info"]["height"],
                        "objects": r["info"]["labels"]["objects"]} for r in split_rows]
            export.write_json(folder / f"{split}.coco.json", export.coco_document(entries, classes))
        elif generator.name == "synth.tones":
            export.write_tone_tables(folder, split, [{"file_name": r["output"],
                                                      "labels": r["info"]["labels"]}
                                                     for r in split_rows])
        else:
            generator.write_annotations(folder, split, split_rows)


def generator_and_options(type_name: str, settings: dict) -> tuple[Generator, dict]:
    """The generator `type_name` built from `settings` (a pipeline's `source:` section or
    `--set` values) and the runner options among them (RUNNER_KEYS). Strict: a key that is
    neither raises ConfigError naming the closest valid one."""
    cls = registry.lookup(type_name)
    gen_cfg = {"type": type_name}
    runner = {}
    for key, value in settings.items():
        if key == "type":
            continue
        if key in RUNNER_KEYS:
            runner[key] = value
        else:
            gen_cfg[key] = value
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
