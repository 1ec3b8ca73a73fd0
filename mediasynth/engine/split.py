"""The one splitter: expand, synth and k-fold all assign splits here.

In scikit-learn's spirit: items come in as `SplitItem(key, label, group, subset)`, an
`Assignment(split, fold, group)` per key comes out. The rules, in order:

- **Declared subsets are kept**: an item whose input declares its subset (a curated
  train/val/test of a COCO, YOLO or VOC export) keeps it unless `resplit` is asked; only
  items without one are split by the shares.
- **Groups never span two splits or two folds**: items sharing a `group` (a speaker, the
  frames of a clip, a near-duplicate cluster) are one unit. Without groups every item is
  its own unit.
- **Shares as asked**: the number of units in each split is within one of share x units
  (largest remainder), so a split with share x units >= 1 is never empty; classes are
  spread by approximate mode (each class's count in each split within one of its share);
  a unit is stratified by its members' most common label.
- **Stability, in a weaker form than a per-key hash**: within a class, units are ordered
  by a hash of (seed, unit) and cut at the counts above, so adding or deleting k items
  moves few others (bounded by 3k in the tests, typically k or fewer).
- `folds=K`: the units left outside the `test` split are dealt into K folds by the same
  rule (equal shares, stratified, grouped); their split becomes `train`.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

SPLIT_NAMES = ("train", "val", "test")
_NOT_A_SPLIT = {"all", "default"}  # what a tree without splits calls its only subset
_SUBSET_ALIASES = {"valid": "val", "validation": "val", "dev": "val", "eval": "test",
                   "evaluation": "test",
                   "training": "train", "testing": "test"}


@dataclass(frozen=True)
class SplitItem:
    """One item to split. `key`: its stable identity (the source path relative to SRC);
    `label`: the class it is stratified by; `group`: items with the same group stay
    together (None: its own group); `subset`: the split its input declares (None: none)."""

    key: str
    label: str | None = None
    group: str | None = None
    subset: str | None = None


@dataclass(frozen=True)
class Assignment:
    split: str | None
    fold: int | None = None
    group: str | None = None  # the unit it was placed with (None: alone)


@dataclass(frozen=True)
class SplitSpec:
    """What is asked. `shares`: fractions by split name (None: no split); `folds`: K >= 2
    for k-fold over the non-test units (0: none); `resplit`: ignore declared subsets."""

    shares: dict[str, float] | None = None
    folds: int = 0
    resplit: bool = False
    seed: int = 0


@dataclass
class SplitResult:
    assignments: dict[str, Assignment] = field(default_factory=dict)
    moved: int = 0  # items re-split away from their declared subset
    notes: list[str] = field(default_factory=list)  # what the user should be told

    def split_of(self, key: str) -> str | None:
        return self.assignments[key].split


def normalise_subset(name: str | None) -> str | None:
    """A declared subset's name as a split name: 'valid'/'validation' -> 'val',
    'train2017' -> 'train'; other names are kept."""
    if not name or name.lower() in _NOT_A_SPLIT:
        return None
    low = name.lower()
    if low in _SUBSET_ALIASES:
        return _SUBSET_ALIASES[low]
    match = re.fullmatch(r"(train|val|test)[-_]?\d*", low)
    return match.group(1) if match else name


def split_items(items: list[SplitItem], spec: SplitSpec) -> SplitResult:
    """Assign every item (see the module docstring). Pure and deterministic: the result
    depends on the items as a set (not their order) and the spec."""
    result = SplitResult()
    items = sorted(items, key=lambda it: it.key)
    items = [it if normalise_subset(it.subset) else SplitItem(it.key, it.label, it.group)
             for it in items]
    declared = [it for it in items if it.subset and not spec.resplit]
    free = [it for it in items if not (it.subset and not spec.resplit)]
    for it in declared:
        result.assignments[it.key] = Assignment(normalise_subset(it.subset), None, it.group)
    if declared and spec.shares and not free:
        result.notes.append("SRC declares its own splits (" + _counts_text(
            Counter(a.split for a in result.assignments.values())) + "); the requested "
            "shares are not applied (--resplit re-splits)")
    units = _units(free)
    shares = _working_shares(spec)
    placed = _place(units, shares, spec.seed, "split") if shares else {}
    for unit_key, members in units.items():
        split = placed.get(unit_key)
        grouped = unit_key if len(members) > 1 or members[0].group else None
        for it in members:
            result.assignments[it.key] = Assignment(split, None, grouped)
    if spec.folds:
        _deal_folds(result, items, spec)
        if any(v > 0 for k, v in (spec.shares or {}).items() if k not in ("train", "test")):
            result.notes.append(f"--folds {spec.folds}: the val share joins train (each "
                                "fold serves as validation in turn)")
    if spec.resplit:
        result.moved = sum(1 for it in items if it.subset and normalise_subset(it.subset)
                           != result.assignments[it.key].split)
        if result.moved:
            result.notes.append(f"--resplit: {result.moved} of {len(items)} sources move "
                                "away from the split their dataset declares")
    leaks = _declared_group_leaks(declared)
    if leaks:
        result.notes.append(f"{len(leaks)} group(s) span several of the declared splits "
                            f"(e.g. {leaks[0]}); the declared splits are kept (--resplit "
                            "re-splits by group)")
    return result


def split_ungrouped(labels, label_names: tuple[str, ...], spec: SplitSpec,
                    key=str) -> tuple[tuple[str, ...], np.ndarray]:
    """`split_items` for items that are neither grouped nor declare a subset (generated
    items), in O(n) compact memory: item i (key `key(i)`, label `label_names[labels[i]]`)
    gets the split `names[splits[i]]`; returns (names, splits as an int8 array; -1: none).
    Same rule and result as `split_items([SplitItem(key(i), label) ...], spec)` (a unit's
    order is the 8-byte hash of its key, compared as a big-endian integer, ties broken by
    the key), without an object per item: a 200,000-item plan holds 9 bytes per item."""
    import numpy as np

    labels = np.asarray(labels)
    shares = _working_shares(spec)
    if spec.folds:
        raise ValueError("split_ungrouped does not deal folds (use split_items)")
    if not shares:
        return (), np.full(len(labels), -1, dtype=np.int8)
    names = tuple(shares)
    counts = np.bincount(labels, minlength=len(label_names)) if len(labels) else \
        np.zeros(len(label_names), dtype=np.int64)
    present = {label_names[c]: int(n) for c, n in enumerate(counts) if n}
    table = allocate(present, [shares[n] for n in names])
    splits = np.full(len(labels), -1, dtype=np.int8)
    for c, name in enumerate(label_names):
        members = np.flatnonzero(labels == c)
        if not len(members):
            continue
        order = _hash_order(members, spec.seed, key)
        start = 0
        for j, count in enumerate(table[name]):
            splits[members[order[start:start + count]]] = j
            start += count
    return names, splits


def _hash_order(members, seed: int, key) -> np.ndarray:
    """Positions of `members` sorted as `_place` sorts units: (hash, unit key)."""
    import numpy as np

    digests = np.fromiter((int.from_bytes(_order_key(seed, "split", f"\x00{key(int(i))}"),
                                          "big") for i in members),
                          dtype=np.uint64, count=len(members))
    order = np.argsort(digests, kind="stable")
    ranked = digests[order]
    ties = np.flatnonzero(ranked[1:] == ranked[:-1])
    if len(ties):  # equal hashes (never seen in practice): the key decides, as in _place
        for value in np.unique(ranked[ties]):
            where = np.flatnonzero(ranked == value)
            order[where] = sorted(order[where], key=lambda p: f"\x00{key(int(members[p]))}")
    return order


def union_groups(keys: list[str], explicit: dict[str, str | None],
                 pairs: list[tuple[str, str]]) -> dict[str, str | None]:
    """Group of each key from its explicit group and linked pairs (near-duplicates): the
    connected components, each named by its explicit group, else its first key. Keys in a
    component of one with no explicit group get None."""
    parent = {k: k for k in keys}

    def find(k: str) -> str:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    def union(a: str, b: str) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    first_of_group: dict[str, str] = {}
    for k in sorted(keys):
        g = explicit.get(k)
        if g is not None:
            union(first_of_group.setdefault(g, k), k)
    for a, b in pairs:
        if a in parent and b in parent:
            union(a, b)
    members: dict[str, list[str]] = defaultdict(list)
    for k in keys:
        members[find(k)].append(k)
    out: dict[str, str | None] = {}
    for root, ks in members.items():
        names = sorted({explicit[k] for k in ks if explicit.get(k) is not None})
        name = names[0] if names else (f"~{root}" if len(ks) > 1 else None)
        for k in ks:
            out[k] = name
    return out


def group_of_path(pattern: re.Pattern, rel_path: str) -> str | None:
    """`--group-by`: the first capture group (or the whole match) of a search over the path
    relative to SRC; None when the pattern does not match."""
    match = pattern.search(rel_path)
    if match is None:
        return None
    return match.group(1) if match.groups() and match.group(1) is not None else match.group(0)


def largest_remainder(shares: list[float]) -> list[int]:
    """Round shares to integers that add up to round(sum(shares)), each within one."""
    floors = [math.floor(s) for s in shares]
    left = int(round(sum(shares))) - sum(floors)
    order = sorted(range(len(shares)), key=lambda i: (-(shares[i] - floors[i]), i))
    for i in order[:left]:
        floors[i] += 1
    return floors


def allocate(class_sizes: dict[str, int], shares: list[float]) -> dict[str, list[int]]:
    """Counts per class and split: every split's total within one of share x N (largest
    remainder) and every class's count within one of share x its size (approximate mode),
    by rounding the table with both margins fixed."""
    total = sum(class_sizes.values())
    norm = sum(shares) or 1.0
    shares = [s / norm for s in shares]
    totals = largest_remainder([s * total for s in shares])
    labels = sorted(class_sizes)
    expected = {c: [class_sizes[c] * s for s in shares] for c in labels}
    table = {c: [math.floor(e) for e in expected[c]] for c in labels}
    row_left = {c: class_sizes[c] - sum(table[c]) for c in labels}
    col_left = [totals[j] - sum(table[c][j] for c in labels) for j in range(len(shares))]
    raised: set[tuple[str, int]] = set()
    cells = sorted(((c, j) for c in labels for j in range(len(shares))),
                   key=lambda cj: (-(expected[cj[0]][cj[1]] - table[cj[0]][cj[1]]),
                                   -class_sizes[cj[0]], cj[0], cj[1]))
    for c, j in cells:
        if row_left[c] > 0 and col_left[j] > 0:
            table[c][j] += 1
            row_left[c] -= 1
            col_left[j] -= 1
            raised.add((c, j))
    for c in labels:  # what the greedy pass left: augmenting paths keep every cell +0/+1
        while row_left[c] > 0:
            path = _augmenting_path(c, labels, len(shares), raised, col_left)
            if path is None:  # cannot happen when margins agree; keep totals regardless
                j = max(range(len(shares)), key=lambda j: (col_left[j], -j))
                path = [(c, j, +1)]
            for cell_c, j, step in path:
                table[cell_c][j] += step
                (raised.add if step > 0 else raised.discard)((cell_c, j))
            col_left[path[-1][1]] -= 1
            row_left[c] -= 1
    return table


def _augmenting_path(start: str, labels: list[str], columns: int, raised: set,
                     col_left: list[int]) -> list[tuple[str, int, int]] | None:
    """Breadth-first search for an alternating path from row `start` to a column with room:
    raise (start, j1), lower (c2, j1), raise (c2, j2)... The result is the cell changes."""
    from collections import deque

    queue = deque([start])
    came: dict = {("r", start): None}
    while queue:
        c = queue.popleft()
        for j in range(columns):
            if (c, j) in raised or ("c", j) in came:
                continue
            came[("c", j)] = c
            if col_left[j] > 0:
                return _unwind(came, j)
            for c2 in labels:
                if (c2, j) in raised and ("r", c2) not in came:
                    came[("r", c2)] = j
                    queue.append(c2)
    return None


def _unwind(came: dict, j: int) -> list[tuple[str, int, int]]:
    changes = []
    while True:
        c = came[("c", j)]
        changes.append((c, j, +1))
        back = came[("r", c)]
        if back is None:
            return changes[::-1]
        changes.append((c, back, -1))
        j = back


def _units(items: list[SplitItem]) -> dict[str, list[SplitItem]]:
    units: dict[str, list[SplitItem]] = defaultdict(list)
    for it in items:
        units[it.group if it.group is not None else f"\x00{it.key}"].append(it)
    return units


def _unit_label(members: list[SplitItem]) -> str:
    counts = Counter(it.label or "" for it in members)
    return min(counts, key=lambda c: (-counts[c], c))


def _order_key(seed: int, purpose: str, unit: str) -> bytes:
    return hashlib.blake2b(f"{purpose}\x00{seed}\x00{unit}".encode("utf-8", "surrogateescape"),
                           digest_size=8).digest()


def _place(units: dict[str, list[SplitItem]], shares: dict[str, float], seed: int,
           purpose: str) -> dict[str, str]:
    """Unit -> split name: per class, units in hash order cut at the allocated counts."""
    names = list(shares)
    by_label: dict[str, list[str]] = defaultdict(list)
    for unit, members in units.items():
        by_label[_unit_label(members)].append(unit)
    table = allocate({c: len(u) for c, u in by_label.items()}, [shares[n] for n in names])
    placed = {}
    for label, unit_keys in by_label.items():
        ordered = sorted(unit_keys, key=lambda u: (_order_key(seed, purpose, u), u))
        start = 0
        for name, count in zip(names, table[label]):
            for unit in ordered[start:start + count]:
                placed[unit] = name
            start += count
    return placed


def _working_shares(spec: SplitSpec) -> dict[str, float] | None:
    """With folds, every share but test's becomes train (folds provide validation)."""
    if not spec.shares:
        return {"train": 1.0} if spec.folds else None
    if not spec.folds:  # a canonical order: the shares' key order must not matter
        order = {name: i for i, name in enumerate(SPLIT_NAMES)}
        return {k: spec.shares[k] for k in sorted(spec.shares,
                                                  key=lambda k: (order.get(k, 3), k))}
    test = spec.shares.get("test", 0.0)
    return {"train": 1.0 - test, "test": test} if test > 0 else {"train": 1.0}


def _deal_folds(result: SplitResult, items: list[SplitItem], spec: SplitSpec) -> None:
    pool = [it for it in items if result.assignments[it.key].split == "train"]
    units = _units([SplitItem(it.key, it.label, result.assignments[it.key].group)
                    for it in pool])
    names = {str(i): 1.0 / spec.folds for i in range(spec.folds)}
    placed = _place(units, names, spec.seed, "fold")
    for unit, members in units.items():
        for it in members:
            a = result.assignments[it.key]
            result.assignments[it.key] = Assignment(a.split, int(placed[unit]), a.group)


def _declared_group_leaks(declared: list[SplitItem]) -> list[str]:
    splits: dict[str, set] = defaultdict(set)
    for it in declared:
        if it.group is not None:
            splits[it.group].add(normalise_subset(it.subset))
    return sorted(g for g, s in splits.items() if len(s) > 1)


def _counts_text(counts: Counter) -> str:
    return ", ".join(f"{name} {n}" for name, n in sorted(counts.items(), key=lambda kv:
                                                         str(kv[0])))
