"""engine/manifest.py: `Row`, the one typed manifest row (its dict leaves optional fields out
unless set); reading a manifest a killed run left; appending; the final rewrite in plan
order with labels.csv."""

from __future__ import annotations

import csv
import dataclasses
import json
import os

import pytest

from mediasynth.engine.manifest import (
    ABSENT,
    LABEL_COLUMNS,
    LABELS,
    MANIFEST,
    ManifestAppender,
    Row,
    encode_row,
    read_manifest,
    scan,
    write_final,
    write_final_refs,
)

ALWAYS = ["id", "source", "source_sha256", "class", "split", "kind", "variant", "output",
          "status", "reason", "seed", "record", "pipeline_sha256", "versions"]


def test_a_row_writes_its_fields_and_leaves_unset_optional_ones_out():
    row = Row(id="abc", status="skipped", cls="cat", reason={"code": "x", "message": "y"})
    assert list(row.to_dict()) == ALWAYS
    assert row.to_dict()["class"] == "cat" and "cls" not in row.to_dict()
    full = Row(id="abc", status="ok", source_stats=None, info={}, output_sha256="f" * 64)
    assert full.to_dict()["source_stats"] is None  # set to None: written as null
    assert {"info", "output_sha256", "source_stats"} <= set(full.to_dict())
    assert "warnings" not in full.to_dict() and "mix" not in full.to_dict()
    assert encode_row(full.to_dict()).startswith(b'{"class":null,"id":"abc","info":{}')


def test_every_optional_field_defaults_to_absent_and_unknown_fields_are_refused():
    optional = {f.name for f in dataclasses.fields(Row) if f.default is ABSENT}
    assert {"labels", "annotation", "side_files", "warnings", "soft_labels"} <= optional
    assert optional.isdisjoint({"cls" if k == "class" else k for k in ALWAYS})
    with pytest.raises(TypeError):
        Row(id="abc", status="ok", colour="red")


# --- reading, appending and the final rewrite (moved here with the Row tests above) ------

NON_UTF8 = os.fsdecode(b"caf\xe9")


def _row(i: int, status: str = "ok", **extra) -> dict:
    row = Row(id=f"{i:012x}", status=status, cls=("cat", NON_UTF8)[i % 2], split="train",
              kind="image", source=f"{('cat', NON_UTF8)[i % 2]}/{i}.png", variant=i % 3,
              output=f"train/x/{i}__v000.png" if status == "ok" else None).to_dict()
    row.update(extra)
    return row


def test_a_row_with_non_utf8_names_is_escaped_json_that_reads_back_exactly(tmp_path):
    row = _row(1)
    line = encode_row(row)
    assert line.isascii() and line.endswith(b"\n") and b'"name_bytes_escaped":true' in line
    back = json.loads(line)
    assert back.pop("name_bytes_escaped") is True and back == row
    assert os.fsencode(back["source"]) == b"caf\xe9/1.png"
    plain = encode_row(_row(0))
    assert b"name_bytes_escaped" not in plain and json.loads(plain) == _row(0)


def test_a_torn_last_line_is_ignored_by_readers_and_repaired_by_the_appender(tmp_path):
    first = [_row(i) for i in range(200)]
    appender = ManifestAppender(tmp_path)
    refs = appender.append(first)
    appender.close()
    with open(tmp_path / MANIFEST, "ab") as fh:  # a writer killed mid-line
        fh.write(encode_row(_row(200))[:25])
    assert read_manifest(tmp_path) == [json.loads(encode_row(r)) for r in first]
    assert [row["id"] for row, _, _ in scan(tmp_path)] == [r["id"] for r in first]
    appender = ManifestAppender(tmp_path)  # the resumed run appends after a fresh newline
    more = appender.append([_row(201), _row(202, "skipped")])
    appender.close()
    ids = [r["id"] for r in read_manifest(tmp_path)]
    assert ids == [r["id"] for r in first] + [f"{201:012x}", f"{202:012x}"]
    data = (tmp_path / MANIFEST).read_bytes()
    for ref, row in zip([*refs, *more], [*first, _row(201), _row(202, "skipped")]):
        assert data[ref.offset:ref.offset + ref.length] == encode_row(row)
        assert (ref.status, ref.cls, ref.output) == (row["status"], row["class"], row["output"])


def test_the_final_rewrite_follows_the_refs_order_and_labels_list_ok_rows(tmp_path):
    rows = [_row(i, "skipped" if i % 10 == 0 else "ok") for i in range(300)]
    rows[3]["soft_labels"] = {"cat": 0.7, "dog": 0.3}
    rows[4].update(group="g1", fold=2)
    appender = ManifestAppender(tmp_path)
    refs = appender.append(reversed(rows))  # workers finish in any order
    appender.close()
    data = (tmp_path / MANIFEST).read_bytes()
    plan_order = sorted(refs, key=lambda r: json.loads(data[r.offset:r.offset + r.length])["id"])
    seen = []
    write_final_refs(tmp_path, plan_order, on_ok_row=seen.append)
    assert [r["id"] for r in read_manifest(tmp_path)] == [r["id"] for r in rows]
    assert [r["id"] for r in seen] == [r["id"] for r in rows if r["status"] == "ok"]
    with open(tmp_path / LABELS, encoding="utf-8", errors="surrogateescape", newline="") as fh:
        table = list(csv.reader(fh))
    assert table[0] == LABEL_COLUMNS
    assert [line[0] for line in table[1:]] == [r["output"] for r in rows if r["status"] == "ok"]
    by_path = {line[0]: line for line in table[1:]}
    assert by_path[rows[3]["output"]][5] == '{"cat": 0.7, "dog": 0.3}'
    assert by_path[rows[4]["output"]][6:] == ["g1", "2"]
    assert by_path[rows[1]["output"]][1:5] == [NON_UTF8, "train", f"{NON_UTF8}/1.png", "1"]
    before = (tmp_path / MANIFEST).read_bytes(), (tmp_path / LABELS).read_bytes()
    write_final(tmp_path, read_manifest(tmp_path))  # the in-memory rewrite: the same bytes
    assert ((tmp_path / MANIFEST).read_bytes(), (tmp_path / LABELS).read_bytes()) == before
    assert not list(tmp_path.glob(".mediasynth-tmp-*"))
