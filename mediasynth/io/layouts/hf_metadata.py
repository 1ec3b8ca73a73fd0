"""Hugging Face `datasets` metadata for annotated OUTs: a `metadata.jsonl` in each split's
media folder, in the layout the `imagefolder` builder documents for object detection:

    {"file_name": "x__v000.jpg", "objects": {"bbox": [[x, y, w, h], ...],
                                             "categories": [0, ...], "area": [...]}}

`categories` index the dataset's category names (COCO id order, then new names), which are
also written as `category_names`, so `load_dataset("imagefolder", data_dir=OUT)` gives every
split with its boxes. Class-folder OUTs need no metadata: the builders read labels from the
folder names.
"""

from __future__ import annotations

import json
from pathlib import Path

from mediasynth.io.atomic import write_bytes_atomic
from mediasynth.io.layouts.base import name_below


def category_names(meta: dict, splits: dict[str, list[dict]]) -> list[str]:
    known = meta.get("categories") or {}
    names = [n for n in sorted(known, key=lambda n: known[n].get("id", 0))] or list(
        meta.get("names") or [])
    for entries in splits.values():
        for entry in entries:
            for obj in entry["annotation"].get("objects", []):
                if obj["category"] not in names:
                    names.append(obj["category"])
    return names


def export(out: Path, splits: dict[str, list[dict]], meta: dict) -> list[str]:
    """Write one metadata.jsonl per folder holding a split's outputs; return their paths."""
    names = category_names(meta, splits)
    index = {n: i for i, n in enumerate(names)}
    by_folder: dict[str, list[str]] = {}
    for entries in splits.values():
        for entry in entries:
            folder = str(Path(entry["file"]).parent)
            by_folder.setdefault(folder, []).append(_line(entry, folder, index, names))
    written = []
    for folder, lines in sorted(by_folder.items()):
        dest = f"{folder}/metadata.jsonl"
        write_bytes_atomic(out / dest, "".join(line + "\n" for line in lines).encode())
        written.append(dest)
    return written


def _line(entry: dict, folder: str, index: dict, names: list[str]) -> str:
    objects = entry["annotation"].get("objects", [])
    boxes = [[o["bbox"][0], o["bbox"][1], o["bbox"][2] - o["bbox"][0],
              o["bbox"][3] - o["bbox"][1]] for o in objects]
    record = {"file_name": name_below(entry["file"], folder),
              "objects": {"bbox": boxes, "categories": [index[o["category"]] for o in objects],
                          "area": [round(b[2] * b[3], 3) for b in boxes]},
              "category_names": names}
    return json.dumps(record, separators=(",", ":"))
