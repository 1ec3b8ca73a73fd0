"""The report's split section: groups per split and near-duplicate pairs, leaks first."""

from __future__ import annotations

from mediasynth.engine.near_duplicates import NearPair, save_pairs
from mediasynth.report.splits_section import splits_section


def _row(source, split, group=None, fold=None, cls="a"):
    row = {"status": "ok", "source": source, "split": split, "class": cls, "output": source}
    if group:
        row["group"] = group
    if fold is not None:
        row["fold"] = fold
    return row


def test_groups_per_split_and_pairs_with_leaks_first(tmp_path):
    (tmp_path / ".mediasynth").mkdir()
    rows = [_row(f"a/{i}.png", "train", "spk1" if i < 3 else None) for i in range(8)]
    rows += [_row("b/caf\udce9.png", "val", cls="b"), _row("a/x.png", "test")]
    save_pairs([NearPair("a/0.png", "a/1.png", "image", 0.02, "a", "a"),
                NearPair("a/5.png", "b/caf\udce9.png", "image", 0.05, "a", "b")], tmp_path)
    html = splits_section(tmp_path, rows)
    assert "Splits, groups and near-duplicates" in html
    assert "2 near-duplicate pair(s); 1 across splits; 1 with different labels" in html
    assert html.index("caf\ufffd.png") < html.index("a/1.png")  # the leak is listed first
    assert "<td>train</td><td>8</td><td>6</td>" in html  # 8 sources in 6 groups
    html.encode("utf-8")  # writable whatever the names


def test_nothing_to_show_without_splits_groups_or_pairs(tmp_path):
    assert splits_section(tmp_path, [_row("a/0.png", None)]) == ""
