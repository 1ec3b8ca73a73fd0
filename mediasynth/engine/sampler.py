"""The sampler: how many outputs each train class gets and, for `synthesize`, which pairs of
sources make the new ones. Pure and seeded (the neighbour lists come from the engine).

`dataset.balance` is a strategy name or a mapping with imbalanced-learn's vocabulary:

    balance: oversample                     # none | oversample | undersample | synthesize
    balance: {strategy: synthesize, sampling_strategy: not majority, k_neighbors: 5}

`sampling_strategy` means what it means in imbalanced-learn (`auto`, `minority`,
`not minority`, `not majority`, `all`, or a dict of target counts per class) and is resolved
by imbalanced-learn's own `check_sampling_strategy` on the per-class output counts.
`synthesize` is SMOTE for media: each new output of a minority class is made from one of its
sources and one of that source's k nearest neighbours of the same class (in the embedding
of the source's modality), interpolated (lambda ~ U(0, 1), drawn per output and recorded),
then augmented by the chain.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np

from mediasynth.core.balance import BalanceSpec, strategy
from mediasynth.core.rng import stable_hash


def class_targets(totals: dict, spec: BalanceSpec, explicit: dict | None = None) -> dict:
    """Target output count per class from the counts each would get without balancing."""
    targets = dict(totals)
    kind = strategy(spec.strategy).sampling
    if kind is not None and len(totals) > 1:
        from imblearn.utils import check_sampling_strategy

        keys = sorted(totals, key=lambda c: (c is None, str(c)))
        names = {str(c): c for c in keys}
        y = np.repeat([str(c) for c in keys], [totals[c] for c in keys])
        ss = spec.sampling_strategy
        if isinstance(ss, dict):
            ss = {str(k): v for k, v in ss.items() if str(k) in names}
        for name, n in check_sampling_strategy(ss, y, kind).items():
            cls = names[str(name)]
            targets[cls] = int(n) if kind == "under-sampling" else totals[cls] + int(n)
    for cls, target in (explicit or {}).items():
        if cls in targets:
            targets[cls] = int(target)
    return targets


def object_variants(objects: dict[str, Counter], *, variants: int, spec: BalanceSpec,
                    explicit: dict | None = None) -> dict[str, int]:
    """Variants per source when a class's size is its annotated objects (`count: objects`,
    for detection, events and tracks): each category's target is the sampler's on the
    object counts (variants x objects per category, explicit `class_targets` win), and a
    source is repeated by the largest target / count factor among its categories (LVIS's
    repeat-factor sampling, without its square root), so no source holding a rare
    category is cut; a source without objects keeps factor 1 (oversample) or takes the
    smallest factor (undersample). Fractions go by largest remainder (ties by path), so
    the total is the rounded sum of the wanted counts."""
    totals: Counter = Counter()
    for categories in objects.values():
        for category, n in categories.items():
            totals[category] += n * variants
    sampling = strategy(spec.strategy).sampling
    if not totals or sampling is None:
        return dict.fromkeys(objects, variants)
    targets = class_targets(dict(totals), spec, explicit)
    factor = {c: targets[c] / totals[c] for c in totals}
    empty = min(factor.values()) if sampling == "under-sampling" else 1.0
    wanted = {p: variants * max((factor[c] for c in cats), default=empty)
              for p, cats in objects.items()}
    counts = {p: int(np.floor(w)) for p, w in wanted.items()}
    left = int(round(sum(wanted.values()))) - sum(counts.values())
    for p in sorted(wanted, key=lambda p: (-(wanted[p] - counts[p]), p))[:max(0, left)]:
        counts[p] += 1
    return counts


def categories_of(annotation: dict | None) -> Counter:
    """Objects per category of one item's annotation (image objects, sound events, video
    tracks)."""
    if not annotation:
        return Counter()
    things = annotation.get("objects") or annotation.get("events") or annotation.get("tracks")
    return Counter(str(t.get("category", t.get("label"))) for t in things or ()
                   if t.get("category", t.get("label")) is not None)


def synthesized(sources_by_class: dict, base: dict[str, int], targets: dict,
                neighbours: dict[str, list[str]], seed: int) -> dict[str, list[str]]:
    """{source: [partner of each new output]} filling each class's gap to its target with
    (source, neighbour) pairs: sources in sorted order, round robin; each pair's neighbour is
    drawn among the source's neighbours by a generator seeded by (seed, class)."""
    out: dict[str, list[str]] = {}
    for cls, paths in sources_by_class.items():
        paths = sorted(paths)
        gap = targets.get(cls, 0) - sum(base.get(p, 0) for p in paths)
        usable = [p for p in paths if neighbours.get(p)]
        if gap <= 0 or not usable:
            continue
        rng = np.random.default_rng(np.random.SeedSequence(
            seed, spawn_key=(stable_hash("synthesize"), stable_hash(str(cls)))))
        for t in range(gap):
            source = usable[t % len(usable)]
            choices = neighbours[source]
            out.setdefault(source, []).append(choices[int(rng.integers(len(choices)))])
    return out


def nearest_same_class(vectors: dict[str, np.ndarray], classes: dict[str, Any], k: int
                       ) -> dict[str, list[str]]:
    """Each source's k nearest sources of its own class (Euclidean, scikit-learn), nearest
    first, itself excluded; ties broken by path."""
    from sklearn.neighbors import NearestNeighbors

    by_class: dict[Any, list[str]] = {}
    for path in sorted(vectors):
        by_class.setdefault(classes[path], []).append(path)
    out: dict[str, list[str]] = {}
    for paths in by_class.values():
        if len(paths) < 2:
            continue
        matrix = np.stack([vectors[p] for p in paths]).astype(np.float64)
        model = NearestNeighbors(n_neighbors=min(k + 1, len(paths))).fit(matrix)
        _, index = model.kneighbors(matrix)
        for i, row in enumerate(index):
            out[paths[i]] = [paths[j] for j in row if j != i][:k]
    return out
