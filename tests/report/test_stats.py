"""report/stats.py: the report's output statistics (from what the workers recorded, or
measured) and its near-duplicate warnings, read from the page `write_report` makes."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
from PIL import Image

from mediasynth.engine import manifest as M
from mediasynth.report.html import write_report
from mediasynth.report.stats import report_kinds


def _rows(out: Path, hashes: list[tuple[str, str, int]], **stats) -> list[dict]:
    rows = []
    for i, (source, split, dhash) in enumerate(hashes):
        output = f"{split}/a/{i}.png"
        (out / split / "a").mkdir(parents=True, exist_ok=True)
        Image.fromarray(np.full((8, 8, 3), 10 * i, np.uint8)).save(out / output)
        rows.append({"id": f"{i:012x}", "kind": "image", "class": "a", "split": split,
                     "source": source, "variant": i, "status": "ok", "output": output,
                     "record": None, "info": {"stats": {
                         "luma_mean": 10.0 * i, "luma_std": 2.0, "dhash": f"{dhash:016x}",
                         **stats}}})
    return rows


def _page(out: Path, rows: list[dict]) -> str:
    M.write_final(out, rows)
    write_report(out)
    return (out / "report.html").read_text(encoding="utf-8")


def test_near_identical_variants_and_lookalikes_across_splits_are_flagged(tmp_path):
    base = 0x0123_4567_89AB_CDEF
    rows = _rows(tmp_path, [
        ("a/1.png", "train", base), ("a/1.png", "train", base ^ 0b11),  # 2 bits: same source
        ("a/2.png", "val", base ^ (1 << 40)),  # 1 bit from the first, another split
        ("a/3.png", "train", base ^ 0xFFFF_0000_0000_0000 ^ 0xF),  # far from all
        ("a/4.png", "train", base ^ (1 << 63) ^ (1 << 20) ^ (1 << 5))])  # 3 bits: not flagged
    page = _page(tmp_path, rows)
    table = page.split("<table class='duplicates'>")[1].split("</table>")[0]
    pairs = re.findall(r"<td class='warn'>([^<]+)</td><td>([^<]+)</td><td>([^<]+)</td>"
                       r"<td>(\d)</td>", table)
    assert sorted(pairs) == sorted([
        ("near-identical variants", "train/a/0.png", "train/a/1.png", "2"),
        ("similar across splits", "train/a/0.png", "val/a/2.png", "1")])  # 1 and 2: 3 bits


def test_no_duplicates_is_said_and_means_come_from_the_recorded_stats(tmp_path):
    rows = _rows(tmp_path, [(f"a/{i}.png", "train", (0x9E3779B97F4A7C15 * (i + 1)) % (1 << 64))
                            for i in range(6)])
    page = _page(tmp_path, rows)
    assert "No near-duplicates" in page
    section = page.split("<h2>Output statistics</h2>")[1]
    assert "<tr><td>outputs</td><td>25.00</td><td>2.00</td><td>6</td></tr>" in section


def test_outputs_without_recorded_stats_are_measured_from_their_files(tmp_path):
    rows = _rows(tmp_path, [(f"a/{i}.png", "train", i) for i in range(3)])
    for r in rows:
        del r["info"]
    page = _page(tmp_path, rows)
    section = page.split("<h2>Output statistics</h2>")[1]
    mean = float(re.search(r"<tr><td>outputs</td><td>([\d.]+)</td>", section).group(1))
    assert abs(mean - 10.0) < 1.0  # grey levels 0, 10, 20: their luma is the level


def test_report_kinds_lists_registered_modalities_in_order_then_others():
    rows = [{"kind": k} for k in ("zeta", "video", "image", "alpha", "image", "audio")]
    assert report_kinds(rows) == ["image", "audio", "video", "alpha", "zeta"]
