"""A labels table at SRC's top: `labels.csv` (`path,label`; several labels separated by
`|` or `;`) or `labels.jsonl` (`{"path": ..., "label": "cat" | ["cat", "dog"]}`), paths
relative to SRC; optional `group` (sources kept in one split) and `split` (a declared subset)
columns. Outputs go to class folders of the first label; every label is kept in the
manifest row and in OUT/labels.csv (`class` joined by `|`). Optional `license` and
`attribution` columns (keys in JSONL) give each source's provenance (io/provenance.py).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

from mediasynth.core.errors import ConfigError
from mediasynth.io.layouts.base import LayoutRead
from mediasynth.io.layouts.contract import LayoutBase

NAMES = ("labels.csv", "labels.jsonl")


class LabelsTableLayout(LayoutBase):
    name = "labels"

    def detect(self, src: Path) -> list[str]:
        found = []
        for name in NAMES:
            path = src / name
            if path.is_file() and _looks_like_table(path):
                found.append(name)
        return found

    def media_folder(self, split: str | None, meta: dict) -> str:
        return ""  # class folders

    def read(self, src: Path) -> LayoutRead:
        result = LayoutRead(meta={"format": "labels"}, annotated=False)
        for name in NAMES:
            path = src / name
            if not path.is_file():
                continue
            result.consumed.add(name)
            for where, item_path, labels, extra in _rows(path):
                if not labels:
                    raise ConfigError(f"{where}: no label for {item_path!r}")
                key = Path(item_path).as_posix().lstrip("/")
                if not (src / key).is_file():
                    result.missing.append(key)
                    continue
                result.items[key] = {"label": labels[0], "labels": labels,
                                     "name": Path(key).name, "annotation": None, **extra}
        return result

    def export(self, out: Path, splits, meta, *, primary: bool) -> list[str]:
        return []  # OUT/labels.csv carries the labels


def _looks_like_table(path: Path) -> bool:
    try:
        head = path.read_text(encoding="utf-8", errors="replace")[:4096]
    except OSError:
        return False
    if path.suffix == ".jsonl":
        return '"path"' in head
    columns = {c.strip().lower() for c in (head.splitlines()[0] if head else "").split(",")}
    return "path" in columns and bool(columns & {"label", "labels"})


def _split_labels(value) -> list[str]:
    if isinstance(value, list):
        return [str(v) for v in value if str(v)]
    text = str(value or "")
    sep = "|" if "|" in text else ";"
    return [p.strip() for p in text.split(sep) if p.strip()]


PROVENANCE = ("license", "attribution")


def _extra(row: dict) -> dict:
    """Optional columns: `group` (kept together by the splitter), `split` (a declared
    subset, kept unless --resplit), `license` and `attribution` (the source's provenance)."""
    lower = {str(k).strip().lower(): v for k, v in row.items() if isinstance(k, str)}
    extra: dict = {}
    if str(lower.get("group") or "").strip():
        extra["group"] = str(lower["group"]).strip()
    if str(lower.get("split") or "").strip():
        extra["subset"] = str(lower["split"]).strip()
    provenance = {k: str(lower[k]).strip() for k in PROVENANCE if str(lower.get(k) or "").strip()}
    if provenance:
        extra["provenance"] = provenance
    return extra


def _rows(path: Path):
    """(where, path, labels, extra columns) per row."""
    if path.suffix == ".jsonl":
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if line.strip():
                try:
                    row = json.loads(line)
                except ValueError:
                    raise ConfigError(f"{path}:{number}: not JSON") from None
                yield f"{path}:{number}", row.get("path", ""), _split_labels(
                    row.get("label", row.get("labels"))), _extra(row)
        return
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        label_key = next((k for k in reader.fieldnames or () if k.lower() in
                          ("label", "labels", "class")), None)
        for number, row in enumerate(reader, 2):
            yield (f"{path}:{number}", row.get("path", ""), _split_labels(row.get(label_key)),
                   _extra(row))


LAYOUT = LabelsTableLayout()
