"""A generator carries its own writers: a new generator is one class that `run_synth` runs
with no other edit (extension, media, side files, annotation files, classes.txt)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import numpy as np

from mediasynth.core.registry import lookup
from mediasynth.engine.synth_plan import item_path
from mediasynth.engine.synth_runner import run_synth
from mediasynth.synth.base import Generator, SynthItem


@dataclass(frozen=True, kw_only=True)
class Letters(Generator):
    """Text files of one repeated letter (not registered: nothing else knows of it)."""

    name: ClassVar[str] = "synth.letters"
    media_kind = "text"
    extension = ".txt"

    length: int = 5

    def classes(self) -> tuple[str, ...]:
        return ("a", "b")

    def get_params(self, rng: np.random.Generator, class_name: str | None = None,
                   context=None) -> dict:
        return {"letter": class_name or "a", "n": int(rng.integers(1, self.length + 1))}

    def render(self, params: dict) -> SynthItem:
        return SynthItem(params["letter"] * params["n"], params["letter"], {"n": params["n"]})

    def write(self, item: SynthItem, path: Path) -> None:
        path.write_text(item.media)

    def side_files(self, rel: str, split: str | None) -> tuple[str, ...]:
        return (f"annotations/upper/{split or 'all'}/{Path(rel).stem}.txt",)

    def write_side_files(self, item: SynthItem, out: Path, rel: str, split: str | None) -> dict:
        (path,) = self.side_files(rel, split)
        (out / path).parent.mkdir(parents=True, exist_ok=True)
        (out / path).write_text(item.media.upper())
        return {"upper": path}

    def annotation_classes(self) -> tuple[str, ...]:
        return ("a", "b", "unused")

    def write_annotations(self, folder: Path, split: str, rows: list[dict]) -> None:
        (folder / f"{split}.letters.json").write_text(json.dumps(
            {r["output"]: r["info"]["labels"]["n"] for r in rows}, sort_keys=True))


def test_a_generator_class_alone_runs_through_run_synth(tmp_path):
    gen = Letters()
    out = tmp_path / "out"
    rows = run_synth(gen, out, count=6, seed=1, split={"train": 0.5, "val": 0.5}, workers=1).rows
    assert len(rows) == 6 and {r["kind"] for r in rows} == {"text"}
    for r in rows:
        assert r["output"].endswith(".txt") and r["output"].startswith(f"{r['split']}/")
        text = (out / r["output"]).read_text()
        assert set(text) == {r["class"]} and len(text) == r["info"]["labels"]["n"]
        assert (out / r["info"]["upper"]).read_text() == text.upper()
        assert "source_stats" not in r and r["source"] is None and r["status"] == "ok"
    assert (out / "annotations" / "classes.txt").read_text() == "a\nb\nunused\n"
    for split in ("train", "val"):
        doc = json.loads((out / "annotations" / f"{split}.letters.json").read_text())
        assert doc == {r["output"]: r["info"]["labels"]["n"] for r in rows if r["split"] == split}
    lines = (out / "manifest.jsonl").read_text().splitlines()
    assert [json.loads(line) for line in lines] == rows
    # a rerun without splits leaves exactly its own files: the stale side files are gone
    rows2 = run_synth(gen, out, count=3, seed=1, workers=1).rows
    files = {p.relative_to(out).as_posix() for p in out.rglob("*")
             if p.is_file() and ".mediasynth" not in p.parts}
    assert files == {r["output"] for r in rows2} | {r["info"]["upper"] for r in rows2} | {
        "annotations/all.letters.json", "annotations/classes.txt", "manifest.jsonl", "labels.csv",
        "README.md", "croissant.json"}

def test_builtin_generators_name_their_own_files():
    shapes, tones, video = (lookup(n)() for n in ("synth.shapes", "synth.tones", "synth.video"))
    assert item_path(shapes, 3, "circle", "train") == "train/circle/shapes_000003.png"
    assert item_path(tones, 3, "sine", None) == "sine/tones_000003.wav"
    assert item_path(video, 3, "linear", "val") == "val/linear/video_000003.mp4"
    assert shapes.side_files("train/circle/shapes_000003.png", "train") == (
        "annotations/masks/train/shapes_000003.png", "annotations/yolo/train/shapes_000003.txt")
    assert tones.side_files("x.wav", None) == () and video.side_files("x.mp4", "val") == ()
    assert shapes.annotation_classes() == tuple(shapes.shapes)
    assert tones.annotation_classes() == tones.classes()
    assert (shapes.needs_ffmpeg, tones.needs_ffmpeg, video.needs_ffmpeg) == (False, False, True)
