"""Planning: pure and sorted. From the discovered files and the pipeline it decides each
source's split, how many variants it gets (balancing counts train sources only) and every
output path. Nothing here reads media or writes files.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import PurePosixPath

import numpy as np

from mediasynth.core.balance import balance_spec, strategy
from mediasynth.core.config import Pipeline
from mediasynth.core.rng import stable_hash
from mediasynth.engine.previews import shown_sources
from mediasynth.engine.sampler import categories_of, object_variants
from mediasynth.engine.split import (
    SplitItem,
    SplitResult,
    SplitSpec,
    group_of_path,
    split_items,
    union_groups,
)
from mediasynth.io.discover import Found

ORIGINAL = -1  # variant number of a copied original
MAX_STEM_BYTES = 150  # leaves room for the variant suffix and the temp prefix in 255 bytes
# top-level names in OUT that belong to mediasynth (a class folder may not take them)
RESERVED_NAMES = frozenset({"manifest.jsonl", "labels.csv", "report.html", "report_assets",
                            "pipeline.yaml", "run.json", "annotations", "metadata.jsonl",
                            ".mediasynth", "README.md", "croissant.json"})


@dataclass(frozen=True)
class Output:
    """One planned output of a source."""

    row_id: str
    variant: int  # ORIGINAL for a copied original
    rel_path: str  # relative to OUT, POSIX
    side: tuple[str, ...] = ()  # files written beside it (a segmentation mask), relative to OUT
    partners: tuple[str, ...] = ()  # other sources it is made from (relative to SRC)
    method: str | None = None  # how the partners are combined ("interpolate": SMOTE)


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
    info: dict | None = None  # the layout's word on the source (labels, annotation)
    partner_info: dict | None = None  # partner source -> {"class", "annotation"}
    preview: bool = False  # the report shows it: FFmpeg makes its thumbnails on the way
    group: str | None = None  # the group it was split with (engine/split.py)
    fold: int | None = None  # its fold under dataset.folds
    header: object | None = field(default=None, compare=False, repr=False)  # Found.header


@dataclass(frozen=True)
class Plan:
    jobs: tuple[SourceJob, ...]
    splits: tuple[str, ...]
    counts: dict = field(default_factory=dict)
    notes: tuple[str, ...] = ()  # what the splitter has to say (engine/split.py)
    # source -> (kind, near-duplicate signature), for the cache (engine/near_duplicates.py)
    signatures: dict = field(default_factory=dict, compare=False, repr=False)

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


def assign_splits(sources: list[Found], opts, seed: int,
                  near_pairs: list[tuple[str, str]] = ()) -> SplitResult:
    """Split (and fold, and group) of each usable source through the one splitter
    (engine/split.py): groups from the layout's `group`, `opts.group_by` and, with
    `near_duplicates: group`, the near-duplicate pairs; declared subsets from the layout."""
    pattern = re.compile(opts.group_by) if opts.group_by else None
    explicit: dict[str, str | None] = {}
    unmatched = 0
    for f in sources:
        group = (f.info or {}).get("group")
        if group is None and pattern is not None:
            group = group_of_path(pattern, f.rel_path)
            unmatched += group is None
        explicit[f.rel_path] = group
    pairs = list(near_pairs) if opts.near_duplicates == "group" else []
    groups = union_groups([f.rel_path for f in sources], explicit, pairs)
    items = [SplitItem(f.rel_path, f.stratum, groups[f.rel_path], (f.info or {}).get("subset"))
             for f in sources]
    result = split_items(items, SplitSpec(opts.split, opts.folds, opts.resplit, seed))
    if unmatched:
        result.notes.append(f"--group-by {opts.group_by!r} matched nothing in {unmatched} "
                            f"source path(s): each is a group of its own")
    return result


def variants_per_source(
    sources_by_class: dict[str | None, list[str]],
    *,
    variants: int,
    balance,
    class_targets: dict[str, int] | None,
) -> dict[str, int]:
    """How many augmented variants each (train) source gets.

    none: `variants` each. oversample / undersample: each class's count comes from the
    sampler (engine/sampler.py, imbalanced-learn's sampling_strategy; by default every class
    reaches the largest, or is cut to the smallest), spread one by one over its sources in
    sorted order. synthesize: `variants` each (the sampler's new outputs come on top).
    `class_targets` sets a class's count explicitly.
    """
    spec = balance_spec(balance)
    totals = {c: len(p) * variants for c, p in sources_by_class.items() if p}
    if not totals:
        return {}
    targets = strategy(spec.strategy).variant_targets(totals, spec, class_targets)
    return _spread(sources_by_class, targets)


def _spread(sources_by_class: dict, targets: dict) -> dict[str, int]:
    out: dict[str, int] = {}
    for cls, paths in sources_by_class.items():
        if not paths:
            continue
        paths = sorted(paths)
        base, extra = divmod(targets[cls], len(paths))
        for i, path in enumerate(paths):
            out[path] = base + (1 if i < extra else 0)
    return out


def partner_step(pipeline: Pipeline, kind: str | None):
    """The chain's first step when it is a transform with partners (mixup, cutmix...)."""
    chain = pipeline.chain(kind) if kind else None
    if chain is None or not chain.steps:
        return None
    first = chain.steps[0]
    return first if getattr(first, "partners_needed", 0) else None


def pick_partners(f: Found, split: str | None, step, usable: list[Found], splits: dict,
                  seed: int, variant: int, near: dict | None = None,
                  background: list | None = None) -> tuple[str, ...]:
    """Partners of one output: other sources of the same kind and split (and class, unless
    the step takes any class; among the source's nearest neighbours for `neighbours`, when
    it has some; the background recordings of the split for `folder`), drawn with a generator seeded by (seed, source, variant); the source itself
    when it has no peer."""
    peers = sorted(g.rel_path for g in usable if g.kind == f.kind and g.rel_path != f.rel_path
                   and splits[g.rel_path] == split
                   and (step.partners_from == "any_class" or g.class_name == f.class_name))
    if step.partners_from == "neighbours" and (near or {}).get(f.rel_path):
        peers = [p for p in near[f.rel_path] if p in set(peers)] or peers
    if step.partners_from == "folder":  # audio.background: recordings of the same split
        peers = sorted(rel for rel, s in background or () if s == split)
        if not peers:
            raise ValueError(f"{step.name}: no background recording falls in split "
                             f"{split!r}; add recordings to {step.folder} or change the split")
    if not peers:
        return (f.rel_path,) * step.partners_needed
    rng = np.random.default_rng(np.random.SeedSequence(
        seed, spawn_key=(stable_hash("partners"), stable_hash(f.rel_path), variant)))
    return tuple(peers[int(i)] for i in rng.integers(0, len(peers), step.partners_needed))


def class_folder(split: str | None, class_name: str | None) -> str:
    """Where outputs of class-level layouts go: OUT/<split>/<class>."""
    return str(PurePosixPath(*(p for p in (split, class_name) if p)))


def make_plan(
    found: list[Found],
    pipeline: Pipeline,
    *,
    output_extension,
    media_folder=class_folder,
    side_files=None,
    neighbours=None,
    background=None,
    near_pairs: list[tuple[str, str]] = (),
) -> Plan:
    """The full plan. `output_extension(kind, source_format) -> '.ext'` comes from the
    modality handlers, `media_folder(split, class) -> folder` and `side_files(output path)
    -> paths` from the layout, `neighbours(train sources by class) -> {source: nearest
    same-class sources}` from the engine (for `balance: synthesize`); everything else from
    the pipeline (seed, variants, dataset options); `near_pairs` are near-duplicate sources
    (grouped into one split unless dataset.near_duplicates says otherwise)."""
    opts = pipeline.dataset
    media = [_refuse_reserved(f, opts.split) for f in found if f.kind is not None]
    media = [_refuse_unchained(f, pipeline) for f in media]
    usable = [f for f in media if f.problem is None]
    assigned = assign_splits(usable, opts, pipeline.seed, near_pairs)
    splits = {key: a.split for key, a in assigned.assignments.items()}
    train_like = {None, "train"}
    by_class: dict[str | None, list[str]] = defaultdict(list)
    for f in usable:
        if splits[f.rel_path] in train_like and pipeline.has_chain(f.kind):
            by_class[f.class_name].append(f.rel_path)
    spec = balance_spec(opts.balance)
    if spec.count == "objects":
        train = {p for paths in by_class.values() for p in paths}
        counts = object_variants({f.rel_path: categories_of((f.info or {}).get("annotation"))
                                  for f in usable if f.rel_path in train},
                                 variants=pipeline.variants, spec=spec,
                                 explicit=opts.class_targets)
    else:
        counts = variants_per_source(by_class, variants=pipeline.variants, balance=spec,
                                     class_targets=opts.class_targets)
    counts, partners = strategy(spec.strategy).extra_outputs(by_class, counts, spec, pipeline,
                                                             neighbours)
    wants_near = any(getattr(partner_step(pipeline, k), "partners_from", "") == "neighbours"
                     for k in pipeline.chains)
    near = neighbours(by_class) if wants_near and neighbours is not None else {}
    stems = _output_stems(usable)
    by_rel = {f.rel_path: f for f in usable}
    jobs = []
    for f in sorted(media, key=lambda f: f.rel_path):
        if f.problem is not None:
            jobs.append(SourceJob(f.rel_path, f.kind, f.format, f.class_name, None,
                                  problem=f.problem))
            continue
        split = splits[f.rel_path]
        augment = (split in train_like or opts.augment_eval) and pipeline.has_chain(f.kind)
        n = counts.get(f.rel_path, pipeline.variants) if augment else 0
        keep_original = opts.keep_originals or bool(opts.folds) or not augment
        folder = PurePosixPath(media_folder(split, f.class_name))
        ext = output_extension(f.kind, f.format)
        names = []
        if keep_original:
            orig_ext = PurePosixPath(f.rel_path).suffix
            names.append((ORIGINAL, f"{stems[f.rel_path]}__orig{orig_ext}"))
        names += [(v, f"{stems[f.rel_path]}__v{v:03d}{ext}") for v in range(n)]
        mixed = partners.get(f.rel_path, []) if augment else []
        step = partner_step(pipeline, f.kind)
        chosen = {v: pick_partners(f, split, step, usable, splits, pipeline.seed, v, near,
                                   background) for v in range(n)} \
            if step is not None and augment else {}
        names += [(n + i, f"{stems[f.rel_path]}__v{n + i:03d}{ext}") for i in range(len(mixed))]
        outputs = tuple(Output(row_id(f.rel_path, v), v, str(folder / name),
                               tuple(side_files(str(folder / name))) if side_files else (),
                               (mixed[v - n],) if v >= n else chosen.get(v, ()),
                               "interpolate" if v >= n else (step.name if v in chosen else None))
                        for v, name in names)
        used = {p for o in outputs for p in o.partners}
        where = assigned.assignments[f.rel_path]
        jobs.append(SourceJob(f.rel_path, f.kind, f.format, f.class_name, split, outputs,
                              info=f.info, header=f.header, group=where.group,
                              fold=where.fold, partner_info={
                                  p: {"class": by_rel[p].class_name,
                                      "annotation": (by_rel[p].info or {}).get("annotation")}
                                  for p in sorted(used) if p in by_rel} or None))
    shown = shown_sources(jobs)
    jobs = [dataclasses.replace(j, preview=True) if j.source in shown else j for j in jobs]
    before = Counter(f.class_name for f in usable if splits[f.rel_path] in train_like)
    asked = {k: v for k, v in (opts.split or {}).items()
             if not opts.folds or k == "test"} or None
    return Plan(tuple(jobs), _split_names(asked, splits.values()),
                {"train_sources_per_class": dict(before)}, tuple(assigned.notes))


def _split_names(asked: dict | None, assigned) -> tuple[str, ...]:
    """The splits of the plan: the asked ones, then declared ones, train/val/test first."""
    names = list(asked or ())
    order = {"train": 0, "val": 1, "test": 2}
    for name in sorted({s for s in assigned if s}, key=lambda s: (order.get(s, 3), s)):
        if name not in names:
            names.append(name)
    return tuple(names)


def _refuse_reserved(f: Found, split: dict | None) -> Found:
    if f.problem is None and not split and f.class_name in RESERVED_NAMES and not (
            f.info or {}).get("subset"):
        return dataclasses.replace(f, problem=(
            "unsupported", f"class folder {f.class_name!r} has the name of one of OUT's own "
                           "files (mediasynth's metadata); rename the folder"))
    return f


def _refuse_unchained(f: Found, pipeline: Pipeline) -> Found:
    if f.problem is None and pipeline.dataset.unchained == "skip" and not pipeline.has_chain(
            f.kind):
        return dataclasses.replace(f, problem=(
            "unsupported", f"the pipeline has no {f.kind} chain (dataset.unchained: skip)"))
    return f


def _output_stems(files: list[Found]) -> dict[str, str]:
    """Output stem of each source, injective within its class folder: the path below the
    class folder with '/' -> '__' when that is unambiguous (no part holds '__' or '~', starts
    or ends with '_', or is not UTF-8, the stem is short, and no other source of the class
    has the same stem, e.g. x.jpg and x.png); otherwise a readable prefix and '~' with a hash
    of the relative path."""
    plain = {f.rel_path: _plain_stem(f) for f in files}
    taken = Counter((f.class_name, plain[f.rel_path]) for f in files if plain[f.rel_path])
    return {f.rel_path: plain[f.rel_path] if plain[f.rel_path]
            and taken[(f.class_name, plain[f.rel_path])] == 1 else _hashed_stem(f)
            for f in files}


def _below_class(f: Found) -> list[str]:
    if f.info is not None and f.info.get("name"):
        parts = list(PurePosixPath(f.info["name"]).parts)
    else:
        parts = list(PurePosixPath(f.rel_path).parts)
        parts = parts[1:] if f.class_name else parts
    parts[-1] = PurePosixPath(parts[-1]).stem or parts[-1]
    return parts


def _plain_stem(f: Found) -> str | None:
    parts = _below_class(f)
    for part in parts:
        if (not part or "__" in part or "~" in part or part[0] == "_" or part[-1] == "_"
                or not _is_utf8(part)):
            return None
    stem = "__".join(parts)
    return stem if len(stem.encode()) <= MAX_STEM_BYTES else None


def _hashed_stem(f: Found) -> str:
    readable = "__".join(_below_class(f)).encode("utf-8", "surrogateescape")
    readable = readable[:80].decode("utf-8", "replace").replace("\ufffd", "_")
    digest = hashlib.blake2b(f.rel_path.encode("utf-8", "surrogateescape"),
                             digest_size=5).hexdigest()
    return f"{readable}~{digest}"


def _is_utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
