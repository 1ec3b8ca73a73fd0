"""manifest.jsonl and labels.csv.

During a run rows are appended (flushed and fsynced per source) so a crash loses nothing
already done; at the end the file is rewritten atomically in plan order, so the final
manifest does not depend on worker count or completion order.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from pathlib import Path

from mediasynth.io.atomic import write_bytes_atomic

MANIFEST = "manifest.jsonl"
LABELS = "labels.csv"


def read_manifest(out_dir: Path) -> list[dict]:
    """Rows of OUT/manifest.jsonl; a torn last line (killed writer) is ignored."""
    path = Path(out_dir) / MANIFEST
    if not path.exists():
        return []
    rows = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            line = line.strip()
            if not line:
                continue
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError:
                continue
    return rows


def dumps(row: dict) -> str:
    return json.dumps(row, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


class ManifestAppender:
    """Appends rows as they arrive, flushed per source so a killed process loses nothing
    already done. Not fsynced: rows lost to a power cut only mean that work is redone (the
    results are deterministic), and resume checks every recorded file's sha256."""

    def __init__(self, out_dir: Path):
        self._fh = open(Path(out_dir) / MANIFEST, "a", encoding="utf-8")  # noqa: SIM115

    def append(self, rows: Iterable[dict]) -> None:
        for row in rows:
            self._fh.write(dumps(row) + "\n")
        self._fh.flush()

    def close(self) -> None:
        self._fh.close()


def write_final(out_dir: Path, rows: list[dict]) -> None:
    """Rewrite the manifest (rows already in plan order) and labels.csv, atomically."""
    text = "".join(dumps(r) + "\n" for r in rows)
    write_bytes_atomic(Path(out_dir) / MANIFEST, text.encode("utf-8"))
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["path", "class", "split", "source", "variant"])
    for r in rows:
        if r["status"] == "ok" and r["output"]:
            writer.writerow([r["output"], r["class"] or "", r["split"] or "", r["source"],
                             r["variant"]])
    write_bytes_atomic(Path(out_dir) / LABELS, buf.getvalue().encode("utf-8"))
