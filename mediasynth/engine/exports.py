"""Annotation files of an expanded OUT, per split, from its final manifest: the source
layout's own format first, then every format in `dataset.annotations` (COCO <-> YOLO <->
VOC <-> CVAT <-> Label Studio conversion comes for free: every format is written from the
same rows; a layout's `exports` names the annotation kinds it can write, images' objects
by default), and Hugging Face `metadata.jsonl` beside the images of annotated OUTs."""

from __future__ import annotations

from pathlib import Path

from mediasynth.engine import manifest as M
from mediasynth.io.layouts import get, hf_metadata, yolo
from mediasynth.io.layouts.media_links import in_split_folder, place, split_images_path


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
                       rows: AnnotatedRows | None = None,
                       warnings: list[str] | None = None) -> list[str]:
    """Write the annotation files of the final manifest's rows (`rows` when collected
    already, else read from OUT's manifest); return their paths relative to OUT (hard
    links to outputs included). What a consumer should know about them (a data.yaml whose
    val is the train set, an empty split) is appended to `warnings`."""
    if rows is None:
        rows = AnnotatedRows()
        for row, _, _ in M.scan(out):
            rows(row)
    splits = rows.splits
    if not splits:
        return []
    notes = warnings if warnings is not None else []
    written = layout.export(out, splits, meta, primary=True)
    formats = [layout.name]
    images = _holding(splits, ("objects",))  # a Label Studio SRC mixes kinds
    if any(e["annotation"]["objects"] for v in images.values() for e in v):
        # (a classification export's class folders give `datasets` its labels instead)
        view, linked = split_view(out, images)
        written += linked + hf_metadata.export(out, view, meta)
    for name in extra_formats:
        other = get(name)
        entries = _holding(splits, other.exports)
        if name != layout.name and entries:
            written += other.export(out, entries, {"format": name, **_shared(meta)},
                                    primary=False)
            formats.append(name)
    if "yolo" in formats and meta.get("format") != "darknet":
        notes += [f"data.yaml: {w}" for w in yolo.split_keys(splits)[1]]
    return list(dict.fromkeys(written))


def split_view(out: Path, splits: dict[str, list[dict]]) -> tuple[dict, list[str]]:
    """The splits with every output in a folder named after its split, which is how
    Hugging Face `datasets` tells splits apart: outputs of a layout without split folders
    (VOC's flat JPEGImages/) are hard-linked to images/<split>/ when there are several
    splits. Returns (the entries as seen there, the links written)."""
    if len(splits) < 2 or all(in_split_folder(e["file"], s) for s, v in splits.items()
                              for e in v):
        return splits, []
    view, linked = {}, []
    for split, entries in splits.items():
        view[split] = []
        for entry in entries:
            file = entry["file"]
            if not in_split_folder(file, split):
                file = place(out, file, split_images_path(file, split))
                linked.append(file)
            view[split].append({**entry, "file": file})
    return view, linked


def _holding(splits: dict[str, list[dict]], keys: tuple[str, ...]) -> dict[str, list[dict]]:
    """The entries whose annotation holds one of `keys` (objects, events, tracks), per split:
    what a format can say (COCO, YOLO and VOC: images; CVAT: images and clips; Label
    Studio: every kind)."""
    return {split: kept for split, entries in splits.items()
            if (kept := [e for e in entries if any(e["annotation"].get(k) is not None
                                                   for k in keys)])}


def _shared(meta: dict) -> dict:
    """What one format's metadata tells another (category order and ids, COCO's info and
    licenses)."""
    shared = {k: meta[k] for k in ("info", "licenses") if meta.get(k)}
    if meta.get("categories"):
        shared["categories"] = meta["categories"]
        shared["names"] = [c for c in sorted(meta["categories"],
                                             key=lambda n: meta["categories"][n].get("id", 0))]
    elif meta.get("names"):
        shared["names"] = meta["names"]
        shared["categories"] = {n: {"id": i + 1, "name": n} for i, n in
                                enumerate(meta["names"])}
    return shared
