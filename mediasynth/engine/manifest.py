"""manifest.jsonl and labels.csv.

During a run rows are appended (flushed and fsynced per source) so a crash loses nothing
already done; at the end the file is rewritten atomically in plan order, so the final
manifest does not depend on worker count or completion order.
"""

from __future__ import annotations

import csv
import enum
import io
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, NamedTuple

from mediasynth.io.atomic import atomic_path, write_bytes_atomic

MANIFEST = "manifest.jsonl"
LABELS = "labels.csv"


class _Absent(enum.Enum):
    ABSENT = "absent"  # the default of an optional Row field: left out of the row


ABSENT: Any = _Absent.ABSENT


@dataclass(kw_only=True)
class Row:
    """One row of manifest.jsonl, as every run builds it; `to_dict` is what is written (and
    what readers get back). Fields defaulting to ABSENT are written only when set. Added on
    the way out: `member`, `planned_output` (webdataset shards), `name_bytes_escaped`."""

    id: str  # stable 12-hex id (plan.row_id of the source and variant)
    source: str | None = None  # the source's path under SRC (None: generated)
    source_sha256: str | None = None  # of the source file, once read
    cls: str | None = None  # the class (written as "class"); None when unlabelled
    split: str | None = None  # train, val, test or None
    kind: str | None = None  # image, audio, video...
    variant: int | None = None  # -1: a copied original; None: the source's only row
    output: str | None = None  # path under OUT (None: not made)
    status: str  # ok, skipped (source unusable) or failed (this output)
    reason: dict | None = None  # {code, message} when not ok
    seed: dict | None = None  # seed record of the output's generator (None: a copy)
    record: dict | None = None  # tree of the applied operations with their parameters
    output_sha256: str | None = ABSENT  # of the output (ok rows)
    pipeline_sha256: str | None = None  # of the pipeline (or generator) config
    versions: dict | None = None  # library versions (engine/versions.py)
    info: dict = ABSENT  # what rendering reported (size, stats, a synth item's labels...)
    source_stats: dict | None = ABSENT  # the source's description (rows of a read source)
    labels: Any = ABSENT  # the source's labels (multi-label sources)
    annotation: dict | None = ABSENT  # the output's objects, events or tracks
    dropped_objects: int = ABSENT  # objects the transforms lost
    side_files: dict = ABSENT  # {path: sha256} of files written beside the output
    warnings: list = ABSENT  # reasons of a damaged source kept (on_damaged: keep)
    mix: dict = ABSENT  # {method, lambda, partners} of a mixed (synthesized) output
    sources: list = ABSENT  # [{path, sha256}] every source a mixed output is made from
    soft_labels: dict = ABSENT  # {class: share} when partners of other classes were mixed
    group: str = ABSENT  # the group the source was split with (--group-by, near-duplicates)
    fold: int = ABSENT  # the source's fold (0..K-1) under --folds K
    metadata_removed: list = ABSENT  # what a copied original lost (io/metadata_strip.py)
    provenance: dict = ABSENT  # the source's {license, attribution} (io/provenance.py)

    def to_dict(self) -> dict:
        return {"class" if f.name == "cls" else f.name: v for f in fields(self)
                if (v := getattr(self, f.name)) is not ABSENT}


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


def dumps(row: dict, ensure_ascii: bool = False) -> str:
    return json.dumps(row, ensure_ascii=ensure_ascii, sort_keys=True, separators=(",", ":"))


def encode_row(row: dict) -> bytes:
    """One manifest line. A row whose paths are not UTF-8 (names that were bytes on disk,
    held as surrogate escapes) is written with JSON escapes and `"name_bytes_escaped": true`:
    still valid JSON, and `json.loads` gives back the exact str that `os` functions map to
    the original bytes."""
    try:
        return (dumps(row) + "\n").encode("utf-8")
    except UnicodeEncodeError:
        return (dumps({**row, "name_bytes_escaped": True}, True) + "\n").encode("ascii")


class Ref(NamedTuple):
    """Where a row sits in the manifest file, and the few fields the engine needs."""

    offset: int
    length: int
    variant: int | None
    status: str
    split: str | None
    cls: str | None
    kind: str | None
    output: str | None = None  # as planned (a webdataset row's loose path, not its shard)
    group: str | None = None
    fold: int | None = None


def ref_of(row: dict, offset: int, length: int) -> Ref:
    return Ref(offset, length, row.get("variant"), row["status"], row.get("split"),
               row.get("class"), row.get("kind"), row.get("planned_output") or row.get("output"),
               row.get("group"), row.get("fold"))


def scan(out_dir: Path):
    """Yield (row, offset, length) for every complete line of OUT/manifest.jsonl."""
    path = Path(out_dir) / MANIFEST
    if not path.exists():
        return
    with open(path, "rb") as fh:
        offset = 0
        for line in fh:
            length = len(line)
            row = None
            if line.endswith(b"\n"):
                try:
                    row = json.loads(line)
                except ValueError:
                    row = None
            if row is not None:
                yield row, offset, length
            offset += length


class ManifestAppender:
    """Appends rows as they arrive, flushed per source so a killed process loses nothing
    already done. Not fsynced: rows lost to a power cut only mean that work is redone (the
    results are deterministic), and resume checks every recorded file's sha256. `append`
    returns each row's `Ref`, so the engine keeps offsets, not rows, in memory."""

    def __init__(self, out_dir: Path):
        self._fh = open(Path(out_dir) / MANIFEST, "ab")  # noqa: SIM115
        self._fh.seek(0, 2)
        if self._fh.tell():
            with open(Path(out_dir) / MANIFEST, "rb") as check:
                check.seek(-1, 2)
                if check.read(1) != b"\n":  # a torn last line from a killed run
                    self._fh.write(b"\n")

    def append(self, rows: Iterable[dict]) -> list[Ref]:
        refs = []
        for row in rows:
            data = encode_row(row)
            refs.append(ref_of(row, self._fh.tell(), len(data)))
            self._fh.write(data)
        self._fh.flush()
        return refs

    def close(self) -> None:
        self._fh.close()


LABEL_COLUMNS = ["path", "class", "split", "source", "variant", "soft_labels", "group", "fold"]


def _labels_writer(fh):
    """labels.csv rows: the output, its class, split, source, variant, its soft labels
    as JSON ({"cat": 0.7, "dog": 0.3}) when partners of other classes were mixed in, the
    group it was split with and its fold (empty when none)."""
    writer = csv.writer(fh, lineterminator="\n")
    writer.writerow(LABEL_COLUMNS)

    def write(row: dict) -> None:
        if row["status"] == "ok" and row["output"]:
            soft = row.get("soft_labels")
            writer.writerow([row["output"], row["class"] or "", row["split"] or "",
                             row["source"] or "", row["variant"],
                             json.dumps(soft, sort_keys=True) if soft else "",
                             row.get("group") or "", "" if row.get("fold") is None
                             else row["fold"]])
    return write


def write_final_refs(out_dir: Path, refs: list[Ref], on_ok_row=None) -> None:
    """Rewrite the manifest with the rows at `refs` (already in plan order) and labels.csv,
    streaming: one row in memory at a time; both files replaced atomically. `on_ok_row`,
    when given, sees every ok row in that order (the annotation exports read them there
    rather than parse the manifest once more)."""
    out_dir = Path(out_dir)
    src = open(out_dir / MANIFEST, "rb")  # noqa: SIM115 - kept open across the replace
    try:
        with atomic_path(out_dir / MANIFEST) as tmp_manifest, \
                atomic_path(out_dir / LABELS) as tmp_labels, \
                open(tmp_manifest, "wb") as manifest, \
                open(tmp_labels, "w", encoding="utf-8", errors="surrogateescape",
                     newline="") as labels:
            write_label = _labels_writer(labels)
            for ref in refs:
                line = os.pread(src.fileno(), ref.length, ref.offset)
                manifest.write(line)
                if ref.status == "ok":
                    row = json.loads(line)
                    write_label(row)
                    if on_ok_row is not None:
                        on_ok_row(row)
    finally:
        src.close()


def write_final(out_dir: Path, rows: list[dict]) -> None:
    """Rewrite the manifest (rows already in plan order) and labels.csv, atomically."""
    write_bytes_atomic(Path(out_dir) / MANIFEST, b"".join(encode_row(r) for r in rows))
    buf = io.StringIO()
    write_label = _labels_writer(buf)
    for r in rows:
        write_label(r)
    write_bytes_atomic(Path(out_dir) / LABELS, buf.getvalue().encode("utf-8", "surrogateescape"))
