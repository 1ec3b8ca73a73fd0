"""`mediasynth audit` on hand-made split trees of real photos."""

from __future__ import annotations

import json
from pathlib import Path

from mediasynth.cli import main
from mediasynth.report.quality.audit import LEAKAGE_EXIT, audit
from tests.photos import edits, quarters, real_photos, save


def _clean_tree(root: Path) -> list[str]:
    """train/val/test of class folders holding distinct real photos and quarter crops."""
    photos = real_photos()
    names = sorted(photos)
    for i, name in enumerate(names):
        photo = photos[name].copy()
        photo.thumbnail((320, 320))
        split = ("train", "train", "val", "test")[i % 4]
        cls = ("x", "y")[i % 2]
        save(photo, root / split / cls / f"{name}.png")
        for q, part in enumerate(quarters(photo)):
            save(part, root / "train" / cls / f"{name}_q{q}.png")
    return names


def test_clean_split_tree_exits_zero(tmp_path, capsys):
    _clean_tree(tmp_path / "data")
    assert main(["audit", str(tmp_path / "data")]) == 0
    out = capsys.readouterr().out
    assert "no leakage found" in out and "train" in out and "val" in out


def test_planted_pairs_across_splits_are_each_named_and_exit_non_zero(tmp_path, capsys):
    root = tmp_path / "data"
    _clean_tree(root)
    photos = real_photos()
    astro, cat, rocket = (photos[n].copy() for n in ("astronaut", "chelsea", "rocket"))
    for p in (astro, cat, rocket):
        p.thumbnail((320, 320))
    save(edits(astro)["half_q70"], root / "val" / "y" / "copy_of_astronaut.jpg")
    save(edits(cat)["bright8"], root / "test" / "x" / "brighter_cat.png")
    save(edits(rocket)["crop3"], root / "test" / "y" / "cropped_rocket.png")
    exact = next((root / "train").rglob("coins_q1.png"))
    (root / "val" / "x" / "coins_again.png").write_bytes(exact.read_bytes())
    html = tmp_path / "audit.html"
    code = main(["audit", str(root), "--json", "--html", str(html)])
    assert code == LEAKAGE_EXIT
    report = json.loads(capsys.readouterr().out)
    near = {frozenset((p["a"], p["b"])) for p in report["near"]}
    exact_pairs = {frozenset((p["a"], p["b"])) for p in report["exact"]}
    def has(pairs, a_end, b_end):
        return any(any(x.endswith(a_end) for x in p) and any(x.endswith(b_end) for x in p)
                   for p in pairs)
    assert has(near, "astronaut.png", "copy_of_astronaut.jpg")
    assert has(near, "chelsea.png", "brighter_cat.png")
    assert has(near, "rocket.png", "cropped_rocket.png")
    assert has(exact_pairs, "coins_q1.png", "coins_again.png")
    assert report["leakage"] is True
    assert html.read_text().count("<img") >= 8


def test_group_by_finds_speakers_in_several_splits(tmp_path):
    import numpy as np
    import soundfile as sf

    root = tmp_path / "speech"
    rng = np.random.default_rng(0)
    for split, speakers in (("train", (1, 2, 3)), ("test", (3, 4))):
        for s in speakers:
            path = root / split / "yes" / f"spk{s}_take{len(split)}.wav"
            path.parent.mkdir(parents=True, exist_ok=True)
            sf.write(path, (0.1 * rng.standard_normal(8000)).astype("float32"), 8000)
    result = audit(root, group_by=r"spk\d+")
    assert [g["group"] for g in result.groups] == ["spk3"]
    assert result.leaks


def test_an_expanded_out_with_near_duplicates_grouped_is_clean(tmp_path):
    src = tmp_path / "src"
    photos = real_photos()
    for i, name in enumerate(sorted(photos)):
        photo = photos[name].copy()
        photo.thumbnail((200, 200))
        save(photo, src / ("p", "q")[i % 2] / f"{name}.png")
        if i < 6:
            save(edits(photo)["bright8"], src / ("p", "q")[i % 2] / f"{name}_bright.png")
    out = tmp_path / "out"
    assert main(["expand", str(src), str(out), "-q", "--no-report", "-n", "1",
                 "--split", "0.5,0.25,0.25", "-p", "image_classification"]) == 0
    assert main(["audit", str(out)]) == 0
