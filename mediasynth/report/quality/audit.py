"""`mediasynth audit DIR`: a leakage audit of any split dataset.

DIR is a mediasynth OUT (its manifest gives each file's split and class) or a user's own
tree: `train/ val/ test/` (also `valid`, `validation`) of class folders, or an annotated
layout whose annotations declare subsets. The audit finds, across splits:

- exact duplicates (same sha256),
- near-duplicates (the modality handlers' signatures, as `expand` groups them),
- groups in several splits (`--group-by REGEX`, as `expand --group-by`),

and, in any split, label conflicts (near-identical files with different labels); it counts
files per split and class. Leakage (any of the three cross-split findings) gives exit status
LEAKAGE_EXIT; a clean dataset 0.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

from mediasynth.engine.handlers import handler_for
from mediasynth.engine.split import group_of_path, normalise_subset
from mediasynth.engine.worker import file_sha256
from mediasynth.io.discover import Found, discover

LEAKAGE_EXIT = 4
SPLIT_FOLDERS = {"train", "val", "valid", "validation", "test", "dev", "eval"}


@dataclass(frozen=True)
class AuditItem:
    rel_path: str  # relative to DIR
    split: str
    label: str | None
    kind: str


@dataclass
class AuditResult:
    root: str
    items: int = 0
    sizes: dict = field(default_factory=dict)  # split -> files
    balance: dict = field(default_factory=dict)  # split -> {class: files}
    exact: list = field(default_factory=list)  # [{a, b, split_a, split_b}]
    near: list = field(default_factory=list)  # [{a, b, split_a, split_b, distance, kind}]
    groups: list = field(default_factory=list)  # [{group, splits: {split: files}}]
    conflicts: list = field(default_factory=list)  # [{a, b, label_a, label_b, distance}]
    unsigned: int = 0  # files no signature could be made for

    @property
    def leaks(self) -> bool:
        return bool(self.exact or self.near or self.groups)

    def to_json(self) -> dict:
        return {**asdict(self), "leakage": self.leaks}


def audit(root: str | Path, *, group_by: str | None = None, budgets=None,
          threads: int = 2, progress=None) -> AuditResult:
    """Audit the split dataset at `root` (see the module docstring)."""
    from mediasynth.core.config import Budgets

    root = Path(root)
    budgets = budgets or Budgets()
    items, paths = _items(root)
    result = AuditResult(str(root), len(items))
    for it in items:
        result.sizes[it.split] = result.sizes.get(it.split, 0) + 1
        result.balance.setdefault(it.split, Counter())[it.label or "-"] += 1
    result.balance = {s: dict(sorted(c.items())) for s, c in sorted(result.balance.items())}
    result.sizes = dict(sorted(result.sizes.items()))
    by_rel = {it.rel_path: it for it in items}

    def work(it: AuditItem):
        path = paths[it.rel_path]
        digest = file_sha256(path)
        try:
            signature = handler_for(it.kind).signature(path, budgets)
        except Exception:  # noqa: BLE001 - an unreadable file is counted, not fatal
            signature = None
        if progress is not None:
            progress()
        return it.rel_path, digest, signature

    with ThreadPoolExecutor(max(1, threads)) as pool:
        done = list(pool.map(work, items))
    by_digest = defaultdict(list)
    signatures: dict[str, dict[str, bytes]] = defaultdict(dict)
    for rel, digest, signature in done:
        by_digest[digest].append(rel)
        if signature is None:
            result.unsigned += 1
        else:
            signatures[by_rel[rel].kind][rel] = signature
    exact_pairs = set()
    for rels in by_digest.values():
        rels = sorted(rels)
        for i, a in enumerate(rels):
            for b in rels[i + 1:]:
                exact_pairs.add((a, b))
                if by_rel[a].split != by_rel[b].split:
                    result.exact.append(_pair(by_rel, a, b))
    for kind, sigs in sorted(signatures.items()):
        for a, b, distance in handler_for(kind).near_pairs(sigs):
            row = {**_pair(by_rel, a, b), "distance": distance, "kind": kind}
            if by_rel[a].label != by_rel[b].label:
                result.conflicts.append({"a": a, "b": b, "label_a": by_rel[a].label,
                                         "label_b": by_rel[b].label, "distance": distance})
            if by_rel[a].split != by_rel[b].split and (a, b) not in exact_pairs:
                result.near.append(row)
    if group_by:
        pattern = re.compile(group_by)
        spread: dict[str, Counter] = defaultdict(Counter)
        for it in items:
            group = group_of_path(pattern, it.rel_path.split("/", 1)[-1])
            if group is not None:
                spread[group][it.split] += 1
        result.groups = [{"group": g, "splits": dict(sorted(c.items()))}
                         for g, c in sorted(spread.items()) if len(c) > 1]
    return result


def _pair(by_rel: dict, a: str, b: str) -> dict:
    return {"a": a, "b": b, "split_a": by_rel[a].split, "split_b": by_rel[b].split}


def _items(root: Path) -> tuple[list[AuditItem], dict[str, Path]]:
    """Every media file with its split and label, and where it is."""
    from mediasynth.engine import manifest as M

    if (root / M.MANIFEST).is_file():
        return _items_of_out(root)
    found = [f for f in discover(root) if f.kind is not None and f.problem is None]
    declared = _declared_subsets(root, found)
    items, paths = [], {}
    for f in found:
        parts = f.rel_path.split("/")
        if f.rel_path in declared:
            split, label = declared[f.rel_path]
        elif len(parts) > 1 and parts[0].lower() in SPLIT_FOLDERS:
            split = normalise_subset(parts[0])
            label = parts[1] if len(parts) > 2 else None
        else:
            continue
        items.append(AuditItem(f.rel_path, split, label, f.kind))
        paths[f.rel_path] = f.path
    if not items:
        from mediasynth.core.errors import MediasynthError

        raise MediasynthError(f"{root} holds no split dataset: expected a mediasynth OUT, "
                              "train/ val/ test/ folders, or an annotated layout with subsets")
    return items, paths


def _items_of_out(root: Path) -> tuple[list[AuditItem], dict[str, Path]]:
    from mediasynth.engine import manifest as M

    items, paths = [], {}
    for row in M.read_manifest(root):
        if row.get("status") != "ok" or not row.get("output") or row.get("member"):
            continue
        path = root / row["output"]
        if not path.is_file() or not row.get("kind"):
            continue
        items.append(AuditItem(row["output"], row.get("split") or "-", row.get("class"),
                               row["kind"]))
        paths[row["output"]] = path
    return items, paths


def _declared_subsets(root: Path, found: list[Found]) -> dict[str, tuple[str, str | None]]:
    """rel -> (split, label) from an annotated layout that declares subsets."""
    from mediasynth.io.layouts import read_layout

    try:
        layout, read = read_layout(root)
    except Exception:  # noqa: BLE001 - not an annotated layout we read: folders decide
        return {}
    if layout.name == "folders":
        return {}
    out = {}
    for rel, info in read.items.items():
        subset = normalise_subset(info.get("subset"))
        if subset:
            out[rel] = (subset, info.get("stratum", info.get("label")))
    return out


def table(result: AuditResult) -> str:
    """The terminal summary."""
    lines = [f"audit of {result.root}: {result.items} files"]
    for split, n in result.sizes.items():
        classes = result.balance.get(split, {})
        shown = ", ".join(f"{c} {k}" for c, k in list(classes.items())[:8])
        more = f", ... ({len(classes)} classes)" if len(classes) > 8 else ""
        lines.append(f"  {split:8s} {n:7d}   {shown}{more}")
    lines.append(f"exact duplicates across splits: {len(result.exact)}")
    for p in result.exact[:20]:
        lines.append(f"  {p['split_a']}/{p['split_b']}  {p['a']}  ==  {p['b']}")
    lines.append(f"near-duplicates across splits: {len(result.near)}")
    for p in result.near[:20]:
        lines.append(f"  {p['split_a']}/{p['split_b']}  {p['a']}  ~  {p['b']}  "
                     f"(distance {p['distance']:.3f})")
    if result.groups:
        lines.append(f"groups in several splits: {len(result.groups)}")
        for g in result.groups[:20]:
            lines.append(f"  {g['group']}: " + ", ".join(f"{s} {n}" for s, n in
                                                          g["splits"].items()))
    if result.conflicts:
        lines.append(f"label conflicts (near-identical, different labels): "
                     f"{len(result.conflicts)}")
        for c in result.conflicts[:20]:
            lines.append(f"  {c['a']} ({c['label_a']})  ~  {c['b']} ({c['label_b']})")
    if result.unsigned:
        lines.append(f"{result.unsigned} file(s) could not be read for a signature")
    lines.append("LEAKAGE FOUND" if result.leaks else "no leakage found")
    return "\n".join(lines)
