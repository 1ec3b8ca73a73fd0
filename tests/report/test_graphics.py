"""report/graphics.py: SVG charts that parse and scale as stated, boxes drawn where
they are (image/thumbnails.draw_boxes)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import numpy as np
import pytest

from mediasynth.image.thumbnails import draw_boxes
from mediasynth.report.graphics import PALETTE, bar_chart, histogram


def _bars(svg: str) -> list[tuple[str, float]]:
    root = ET.fromstring(svg)  # every chart is well-formed XML, names escaped
    return [(r.find("title").text, float(r.get("height"))) for r in root.iter("rect")
            if r.find("title") is not None]


def test_bar_heights_are_proportional_on_the_shared_scale():
    groups = ["cat", "dog & <fox>", "caf\\xe9"]
    series = {"sources (before)": [10, 5, 1], "outputs (after)": [40, 20, 0]}
    bars = dict(_bars(bar_chart(groups, series, title="train <all>", top=80)))
    assert set(bars) == {f"{g} {s}: {v}" for s, vs in series.items() for g, v in zip(groups, vs)}
    full = 260 - 40 - 30  # the plot's height
    assert bars["cat outputs (after): 40"] == pytest.approx(full * 40 / 80, abs=0.05)
    assert bars["dog & <fox> sources (before): 5"] == pytest.approx(full * 5 / 80, abs=0.05)
    assert bars["caf\\xe9 outputs (after): 0"] == 0
    own = dict(_bars(bar_chart(groups, series, title="t")))  # default: its own largest bar
    assert own["cat outputs (after): 40"] == full


def test_a_histogram_counts_every_value_once():
    values = list(np.random.default_rng(1).normal(0, 1, 500))
    bars = _bars(histogram(values, title="angle <deg>", bins=20))
    assert len(bars) == 20
    counts = [int(title.rsplit(": ", 1)[1]) for title, _ in bars]
    assert sum(counts) == 500
    heights = [h for _, h in bars]
    assert heights[int(np.argmax(counts))] == max(heights) == 150 - 40
    assert ET.fromstring(histogram([2.0, 2.0], title="flat")).get("aria-label") == "flat"


def test_boxes_are_outlined_at_scale_in_palette_order_and_the_input_is_kept():
    rgb = np.zeros((100, 200, 3), np.uint8)
    out = draw_boxes(rgb, [[10, 10, 50, 30], [100, 40, 180, 90]], 0.5)
    assert not rgb.any()
    first = tuple(int(PALETTE[0][k:k + 2], 16) for k in (1, 3, 5))
    second = tuple(int(PALETTE[1][k:k + 2], 16) for k in (1, 3, 5))
    assert tuple(out[5, 5]) == first and tuple(out[14, 24]) == first  # corners, scaled
    assert tuple(out[20, 50]) == second and tuple(out[44, 89]) == second
    assert not out[10, 15].any()  # inside: an outline only
    ys, xs = np.nonzero(out.any(axis=2))
    assert (xs.min(), xs.max(), ys.min(), ys.max()) == (5, 89, 5, 44)
