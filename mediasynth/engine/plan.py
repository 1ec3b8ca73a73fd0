"""Planning: pure and sorted. From the discovered files and the pipeline it decides each
source's split, how many variants it gets (balancing counts train sources only) and every
output path. Nothing here reads media or writes files.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import PurePosixPath

import numpy as np

from mediasynth.core.config import Pipeline
from mediasynth.core.rng import stable_hash
from mediasynth.io.discover import Found

ORIGINAL = -1  # variant number of a copied original


@dataclass(frozen=True)
class Output:
    """One planned output of a source."""

    row_id: str
    variant: int  # ORIGINAL for a copied original
    rel_path: str  # relative to OUT, POSIX


@dataclass(frozen=True)
class SourceJob:
    """All the work for one source: decoded once, rendered into every output."""

    source: str  # relative to SRC, POSIX
    kind: str | None
    format: str
    class_name: str | None
    split: str | None
    outputs: tuple[Output, ...] = ()
    problem: tuple[str, str] | None = None


@dataclass(frozen=True)
class Plan:
    jobs: tuple[SourceJob, ...]
    splits: tuple[str, ...]
    counts: dict = field(default_factory=dict)

    def outputs(self) -> int:
        return sum(len(j.outputs) for j in self.jobs)

    def summary(self) -> list[tuple[str, str, str, int, int]]:
        """Rows (split, class, kind, sources, outputs), sorted."""
        table: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
        for job in self.jobs:
            if job.problem:
                continue
            key = (job.split or "-", job.class_name or "-", job.kind or "-")
            table[key][0] += 1
            table[key][1] += len(job.outputs)
        return [(*k, v[0], v[1]) for k, v in sorted(table.items())]


def row_id(source: str, variant: int) -> str:
    """Stable 12-hex id of an output row."""
    return hashlib.sha1(f"{source}\x00{variant}".encode("utf-8", "surrogateescape")).hexdigest()[:12]


def parse_split(text: str) -> dict[str, float]:
    """'0.8,0.1,0.1' -> {train, val, test}; two numbers -> {train, val}."""
    parts = [float(p) for p in text.split(",") if p.strip()]
    names = ("train", "val", "test")[: len(parts)]
    if len(parts) not in (2, 3):
        raise ValueError("--split takes 2 or 3 comma-separated fractions, e.g. 0.8,0.1,0.1")
    return dict(zip(names, parts))


def assign_splits(sources: list[Found], split: dict[str, float] | None,
                  seed: int) -> dict[str, str | None]:
    """Split of each source, stratified by class (see `split_keys`)."""
    return split_keys([(f.rel_path, f.class_name) for f in sources], split, seed)


def split_keys(items: list[tuple[str, str | None]], split: dict[str, float] | None,
               seed: int) -> dict[str, str | None]:
    """Assign each (key, class) to a split, stratified by class and deterministic from the
    seed and the keys. Each class's counts use largest-remainder rounding so they add up."""
    if not split:
        return {key: None for key, _ in items}
    by_class: dict[str | None, list[str]] = defaultdict(list)
    for key, cls in items:
        by_class[cls].append(key)
    names = list(split)
    out: dict[str, str | None] = {}
    for cls, keys in sorted(by_class.items(), key=lambda kv: kv[0] or ""):
        keys = sorted(keys)
        rng = np.random.default_rng(np.random.SeedSequence(
            seed, spawn_key=(stable_hash("split"), stable_hash(cls or ""))))
        order = [keys[i] for i in rng.permutation(len(keys))]
        counts = largest_remainder([split[n] * len(keys) for n in names])
        start = 0
        for name, count in zip(names, counts):
            for key in order[start : start + count]:
                out[key] = name
            start += count
    return out


def largest_remainder(shares: list[float]) -> list[int]:
    """Round shares to integers that add up to round(sum(shares))."""
    floors = [int(np.floor(s)) for s in shares]
    left = int(round(sum(shares))) - sum(floors)
    order = sorted(range(len(shares)), key=lambda i: (-(shares[i] - floors[i]), i))
    for i in order[:left]:
        floors[i] += 1
    return floors


def variants_per_source(
    sources_by_class: dict[str | None, list[str]],
    *,
    variants: int,
    balance: str,
    class_targets: dict[str, int] | None,
) -> dict[str, int]:
    """How many augmented variants each (train) source gets.

    none: `variants` each. oversample: every class reaches the largest class's output count,
    the extra spread one by one over its sources in sorted order. undersample: every class
    is cut to the smallest class's count. `class_targets` sets a class's count explicitly.
    """
    totals = {c: len(p) * variants for c, p in sources_by_class.items() if p}
    if not totals:
        return {}
    if balance == "oversample":
        targets = dict.fromkeys(totals, max(totals.values()))
    elif balance == "undersample":
        targets = dict.fromkeys(totals, min(totals.values()))
    else:
        targets = dict(totals)
    for cls, target in (class_targets or {}).items():
        if cls in targets:
            targets[cls] = int(target)
    out: dict[str, int] = {}
    for cls, paths in sources_by_class.items():
        if not paths:
            continue
        paths = sorted(paths)
        base, extra = divmod(targets[cls], len(paths))
        for i, path in enumerate(paths):
            out[path] = base + (1 if i < extra else 0)
    return out


def make_plan(
    found: list[Found],
    pipeline: Pipeline,
    *,
    output_extension,
) -> Plan:
    """The full plan. `output_extension(kind, source_format) -> '.ext'` comes from the
    modality handlers; everything else from the pipeline (seed, variants, dataset options)."""
    opts = pipeline.dataset
    media = [f for f in found if f.kind is not None]
    usable = [f for f in media if f.problem is None]
    splits = assign_splits(usable, opts.split, pipeline.seed)
    train_like = {None, "train"}
    by_class: dict[str | None, list[str]] = defaultdict(list)
    for f in usable:
        if splits[f.rel_path] in train_like:
            by_class[f.class_name].append(f.rel_path)
    counts = variants_per_source(by_class, variants=pipeline.variants, balance=opts.balance,
                                 class_targets=opts.class_targets)
    stems = _output_stems(usable)
    jobs = []
    for f in sorted(media, key=lambda f: f.rel_path):
        if f.problem is not None:
            jobs.append(SourceJob(f.rel_path, f.kind, f.format, f.class_name, None,
                                  problem=f.problem))
            continue
        split = splits[f.rel_path]
        augment = split in train_like or opts.augment_eval
        n = counts.get(f.rel_path, pipeline.variants) if augment else 0
        keep_original = opts.keep_originals or not augment
        folder = PurePosixPath(*(p for p in (split, f.class_name) if p))
        ext = output_extension(f.kind, f.format)
        outputs = []
        if keep_original:
            orig_ext = PurePosixPath(f.rel_path).suffix
            outputs.append(Output(row_id(f.rel_path, ORIGINAL), ORIGINAL,
                                  str(folder / f"{stems[f.rel_path]}__orig{orig_ext}")))
        for v in range(n):
            outputs.append(Output(row_id(f.rel_path, v), v,
                                  str(folder / f"{stems[f.rel_path]}__v{v:03d}{ext}")))
        jobs.append(SourceJob(f.rel_path, f.kind, f.format, f.class_name, split, tuple(outputs)))
    before = Counter(f.class_name for f in usable if splits[f.rel_path] in train_like)
    return Plan(tuple(jobs), tuple(opts.split or ()), {"train_sources_per_class": dict(before)})


def _output_stems(files: list[Found]) -> dict[str, str]:
    """Output stem of each source: its path below the class folder, '/' -> '__'. Sources
    whose stems collide (x.jpg and x.png) keep their extension in the stem."""
    def stem(f: Found, with_ext: bool) -> str:
        parts = PurePosixPath(f.rel_path).parts
        below = PurePosixPath(*parts[1:]) if f.class_name else PurePosixPath(*parts)
        name = str(below) if with_ext else str(below.with_suffix(""))
        return name.replace("/", "__")

    keys = Counter((f.class_name, stem(f, False)) for f in files)
    return {f.rel_path: stem(f, keys[(f.class_name, stem(f, False))] > 1) for f in files}
