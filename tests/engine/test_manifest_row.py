"""`Row`: the one typed manifest row; its dict leaves optional fields out unless set."""

from __future__ import annotations

import dataclasses

import pytest

from mediasynth.engine.manifest import ABSENT, Row, encode_row

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
