"""expand's plan from the checked sources (near-duplicates grouped, neighbours and
backgrounds found in the workers) and the warnings a user should read before trusting it."""

from __future__ import annotations

import dataclasses
from collections import Counter
from pathlib import Path

from mediasynth.core import output_format
from mediasynth.core.balance import balance_spec, strategy
from mediasynth.core.config import Pipeline
from mediasynth.engine import near_duplicates
from mediasynth.engine.background import background_sources
from mediasynth.engine.handlers import output_extension
from mediasynth.engine.header_checks import check_headers
from mediasynth.engine.plan import Plan, make_plan
from mediasynth.engine.run_warnings import RunWarning
from mediasynth.engine.sampler import nearest_same_class
from mediasynth.engine.sink import FatalError
from mediasynth.engine.sources import Sources
from mediasynth.io.discover import Found


def build_plan(found: list[Found], pipeline: Pipeline, pool, sources: Sources | None = None,
               keep_damaged: bool = False, cache_dir: Path | None = None) -> Plan:
    """Check every discovered file's header in worker processes (so balancing and splitting
    count only usable sources, with their near-duplicate signatures), then plan (outputs
    where the layout puts them, near-duplicates grouped). `cache_dir`: the OUT whose
    signature cache is read and updated (None: neither)."""
    near_mode = pipeline.dataset.near_duplicates
    if cache_dir is not None and near_mode != "off":
        found = near_duplicates.with_cached(found, cache_dir)
    found = check_headers(found, pipeline, pool, keep_damaged)
    pairs = near_duplicates.find_pairs(found) if near_mode != "off" else []
    if cache_dir is not None and near_mode != "off":
        (cache_dir / ".mediasynth").mkdir(parents=True, exist_ok=True)
        near_duplicates.save_pairs(pairs, cache_dir)
    placement: dict = {"near_pairs": [(p.a, p.b) for p in pairs]}
    if sources is not None and sources.read.annotated:
        layout, meta = sources.layout, sources.read.meta
        placement["media_folder"] = lambda split, _cls: layout.media_folder(split, meta)
        placement["side_files"] = layout.side_files
    from mediasynth.engine.plan import partner_step

    if strategy(balance_spec(pipeline.dataset.balance).strategy).needs_neighbours or any(
            getattr(partner_step(pipeline, k), "partners_from", "") == "neighbours"
            for k in pipeline.chains):
        placement["neighbours"] = _neighbour_search(found, pipeline, pool)
    background = background_sources(pipeline, lambda items: check_headers(items, pipeline,
                                                                        pool))
    if sources is not None:
        sources.background = background
    if background:
        placement["background"] = [(f.rel_path, f.info["split"]) for f in background]
    try:
        plan = make_plan(found, pipeline, output_extension=lambda kind, fmt: output_extension(
            kind, fmt, pipeline.output), **placement)
        return dataclasses.replace(plan, notes=(
            *near_duplicates.warnings_of(pairs, near_mode), *plan.notes),
            signatures=near_duplicates.signatures_of(found))
    except ValueError as exc:  # a plan that cannot be made (no background for a split...)
        raise FatalError(str(exc)) from None


def _neighbour_search(found: list[Found], pipeline: Pipeline, pool):
    """For `balance: synthesize`: embed the train sources the plan asks about (in the
    workers) and find each one's k nearest of its own class and kind."""
    by_rel = {f.rel_path: f for f in found}
    k = balance_spec(pipeline.dataset.balance).k_neighbors

    def neighbours(by_class: dict) -> dict[str, list[str]]:
        from mediasynth.engine.worker import embed_chunk

        items = [by_rel[p] for paths in by_class.values() for p in sorted(paths)]
        chunks = [items[i:i + 16] for i in range(0, len(items), 16)]
        vectors, groups = {}, {}
        for index, status, value in pool.map(embed_chunk, chunks, pipeline.budgets,
                                             timeout_s=pipeline.budgets.file_timeout_s):
            if status != "ok":
                continue
            for f, vector in zip(chunks[index], value):
                if vector is not None:
                    vectors[f.rel_path] = vector
                    groups[f.rel_path] = (f.class_name, f.kind)
        return nearest_same_class(vectors, groups, k)
    return neighbours


def plan_warnings(plan: Plan, found: list[Found], pipeline: Pipeline) -> list[str]:
    """What a user should know before trusting the plan."""
    warnings = list(plan.notes)
    usable = [j for j in plan.jobs if j.problem is None]
    warnings += output_format.get(pipeline.output.format).plan_warnings(usable)
    if usable and all(j.class_name is None and set(j.info or ()) <= {"provenance"}
                      for j in usable):
        warnings.append("SRC has no class folders (SRC/<class>/...): outputs carry no labels")
    if pipeline.variants == 0 and not pipeline.dataset.keep_originals:
        warnings.append("-n 0 without --keep-originals: train gets no outputs")
    copied = Counter(j.kind for j in usable if not pipeline.has_chain(j.kind))
    for kind, n in sorted(copied.items()):
        warnings.append(f"the pipeline has no {kind} chain: {n} {kind} source(s) copied once "
                        "as originals (dataset.unchained: skip leaves them out)")
    if plan.splits:
        per_class: dict[str | None, Counter] = {}
        for j in usable:
            key = (j.info or {}).get("stratum", j.class_name)
            per_class.setdefault(key, Counter())[j.split] += 1
        for cls, counts in sorted(per_class.items(), key=lambda kv: kv[0] or ""):
            empty = [s for s in plan.splits if not counts.get(s) and
                     (pipeline.dataset.split or {}).get(s, 0) > 0
                     and not (pipeline.dataset.folds and s != "test")]
            if empty:
                what = f"class {cls!r}" if cls is not None else "the dataset"
                warnings.append(RunWarning(
                    f"{what} ({sum(counts.values())} sources) is too small for every split: "
                    f"none in {', '.join(empty)}", "split_too_small",
                    "{n} classes are too small for every split (their sources all went to "
                    "the other splits)"))
    return warnings
