"""Annotated source trees for layout tests, and reading the outputs back."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from mediasynth.cli import main

FLIP = "image: [{type: image.flip_horizontal}]\n"
GEOMETRIC = """image:
  - {type: image.flip_horizontal, p: 0.5}
  - {type: image.affine, angle_deg_range: [-20, 20], scale_range: [0.8, 1.2],
     translate_fraction_range: [-0.1, 0.1], border_mode: constant}
  - {type: image.crop, width: 100, height: 80, p: 0.5}
"""
IDENTITY = "image: [{type: image.flip_horizontal, p: 0.0}]\n"


def pipeline_file(tmp_path: Path, text: str, split: bool = False) -> Path:
    path = tmp_path / f"p{abs(hash(text)) % 10**8}{'s' if split else ''}.yaml"
    dataset = "dataset: {split: {train: 0.5, val: 0.5}}\n" if split else ""
    path.write_text(text + dataset)
    return path


def expand(src: Path, out: Path, pipeline: Path, *extra: str) -> int:
    return main(["expand", str(src), str(out), "-q", "--no-report", "-p", str(pipeline),
                 *extra])


def rows(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "manifest.jsonl").read_text().splitlines()]


def noise_image(path: Path, width: int = 120, height: int = 90, seed: int = 0) -> None:
    from PIL import Image

    rng = np.random.default_rng(seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(rng.integers(0, 255, (height, width, 3), dtype=np.uint8)).save(path)


def box_iou(a, b) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def mask_box(mask: np.ndarray) -> list[float] | None:
    ys, xs = np.nonzero(mask)
    if not len(xs):
        return None
    return [float(xs.min()), float(ys.min()), float(xs.max()) + 1, float(ys.max()) + 1]
