"""Split sizes as asked, end to end: synth and expand give every split within one of
share x N, and never an empty split whose share x N is at least one."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from mediasynth.cli import main
from tests.photos import quarters, real_photos, save

SHARES = (0.8, 0.1, 0.1)


def _sizes(out) -> Counter:
    rows = [json.loads(x) for x in (out / "manifest.jsonl").read_text().splitlines()]
    return Counter(r["split"] for r in {r["source"] or r["output"]: r for r in rows}.values())


@pytest.mark.parametrize("count", [30, 45])
def test_synth_shares(tmp_path, count):
    out = tmp_path / "out"
    assert main(["synth", "shapes", str(out), "--count", str(count), "--split", "0.8,0.1,0.1",
                 "-q", "--no-report", "--set", "width=48", "--set", "height=48"]) == 0
    sizes = _sizes(out)
    for name, share in zip(("train", "val", "test"), SHARES):
        assert abs(sizes[name] - share * count) <= 1 and sizes[name] >= 1, sizes


@pytest.mark.slow
@pytest.mark.parametrize("count", [30, 45])
def test_expand_shares_on_real_photo_crops(tmp_path, count):
    src = tmp_path / "src"
    images = []
    for photo in real_photos().values():
        photo = photo.copy()
        photo.thumbnail((96, 96))
        images += quarters(photo)
    assert len(images) >= count
    for i, image in enumerate(images[:count]):
        save(image, src / f"class{i % 3}" / f"img{i:03d}.png")
    out = tmp_path / "out"
    assert main(["expand", str(src), str(out), "-q", "--no-report", "-n", "1",
                 "--split", "0.8,0.1,0.1", "-p", "image_classification"]) == 0
    sizes = _sizes(out)
    for name, share in zip(("train", "val", "test"), SHARES):
        assert abs(sizes[name] - share * count) <= 1 and sizes[name] >= 1, sizes
