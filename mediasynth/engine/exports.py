"""Annotation files of an expanded OUT, per split, from its final manifest: the source
layout's own format first, then every format in `dataset.annotations` (COCO <-> YOLO <->
VOC <-> CVAT <-> Label Studio conversion comes for free: every format is written from the
same rows; a layout's `exports` names the annotation kinds it can write, images' objects
by default), and Hugging Face `metadata.jsonl` beside the images of annotated OUTs."""

from __future__ import annotations

from pathlib import Path

from mediasynth.engine import manifest as M
from mediasynth.io.layouts import get, hf_metadata


class AnnotatedRows:
    """Collects the annotated ok rows' entries per split (an `on_ok_row` callback of
    manifest.write_final_refs), in manifest order."""

    def __init__(self):
        self.splits: dict[str, list[dict]] = {}

    def __call__(self, row: dict) -> None:
        if row.get("status") == "ok" and row.get("annotation") is not None:
            self.splits.setdefault(row.get("split") or "default", []).append(
                {"file": row["output"], "annotation": row["annotation"]})


def export_annotations(out: Path, layout, meta: dict, extra_formats=(),
                       rows: AnnotatedRows | None = None) -> list[str]:
    """Write the annotation files of the final manifest's rows (`rows` when collected
    already, else read from OUT's manifest); return their paths relative to OUT."""
    if rows is None:
        rows = AnnotatedRows()
        for row, _, _ in M.scan(out):
            rows(row)
    splits = rows.splits
    if not splits:
        return []
    written = layout.export(out, splits, meta, primary=True)
    images = _holding(splits, ("objects",))  # a Label Studio SRC mixes kinds
    if any(e["annotation"]["objects"] for v in images.values() for e in v):
        # (a classification export's class folders give `datasets` its labels instead)
        written += hf_metadata.export(out, images, meta)
    for name in extra_formats:
        other = get(name)
        entries = _holding(splits, getattr(other, "exports", ("objects",)))
        if name != layout.name and entries:
            written += other.export(out, entries, {"format": name, **_shared(meta)},
                                    primary=False)
    return written


def _holding(splits: dict[str, list[dict]], keys: tuple[str, ...]) -> dict[str, list[dict]]:
    """The entries whose annotation holds one of `keys` (objects, events, tracks), per split:
    what a format can say (COCO, YOLO and VOC: images; CVAT: images and clips; Label
    Studio: every kind)."""
    return {split: kept for split, entries in splits.items()
            if (kept := [e for e in entries if any(e["annotation"].get(k) is not None
                                                   for k in keys)])}


def _shared(meta: dict) -> dict:
    """What one format's metadata tells another (category order and ids)."""
    shared = {}
    if meta.get("categories"):
        shared["categories"] = meta["categories"]
        shared["names"] = [c for c in sorted(meta["categories"],
                                             key=lambda n: meta["categories"][n].get("id", 0))]
    elif meta.get("names"):
        shared["names"] = meta["names"]
        shared["categories"] = {n: {"id": i + 1, "name": n} for i, n in
                                enumerate(meta["names"])}
    return shared
