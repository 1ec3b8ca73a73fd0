"""`synth.shapes`: labelled scenes of geometric shapes."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from mediasynth.core.errors import ConfigError
from mediasynth.core.media import Image
from mediasynth.core.registry import register
from mediasynth.synth import export
from mediasynth.synth import shapes_draw as D
from mediasynth.synth.base import Generator, ItemContext, SynthItem, check_choices, pick
from mediasynth.synth.instances import annotate_instances

MIN_COLOR_DISTANCE = 80.0  # RGB distance between an object and the background's mean colour


@register("synth.shapes")
@dataclass(frozen=True, kw_only=True)
class Shapes(Generator):
    """Scenes of 1..N anti-aliased shapes on varied backgrounds, with per-object class,
    tight box, instance mask and polygon. With at most one object per scene the scene's
    class is its shape (classification); otherwise it is "scene" (detection).

    Fields:
        width: image width in pixels.
        height: image height in pixels.
        shapes: the shape classes to draw from (circle, ellipse, rectangle, square,
            triangle, polygon, star, line, ring).
        shape_weights: relative odds of each entry of `shapes` (uniform when omitted).
        objects_range: [min, max] objects per scene.
        size_fraction_range: [low, high] object extent as a share of the shorter side.
        backgrounds: background kinds to draw from (solid, gradient, noise, checkerboard,
            texture).
        max_overlap: largest allowed IoU between two objects' boxes (1 = no control).
        antialias: anti-aliased edges.
    """

    media_kind = "image"
    extension = ".png"

    width: int = 128
    height: int = 128
    shapes: tuple[str, ...] = D.SHAPES
    shape_weights: tuple[float, ...] | None = None
    objects_range: tuple[int, int] = (1, 1)
    size_fraction_range: tuple[float, float] = (0.25, 0.6)
    backgrounds: tuple[str, ...] = D.BACKGROUNDS
    max_overlap: float = 0.3
    antialias: bool = True

    def validate(self) -> None:
        check_choices(self, "shapes", D.SHAPES)
        check_choices(self, "backgrounds", D.BACKGROUNDS)
        if not (8 <= self.width <= 16384 and 8 <= self.height <= 16384):
            raise ConfigError(f"{self.name}: width and height must be in [8, 16384]")
        lo, hi = self.objects_range
        if not (1 <= lo <= hi <= 100):
            raise ConfigError(f"{self.name}: objects_range must satisfy 1 <= min <= max <= 100")
        lo, hi = self.size_fraction_range
        if not (0.02 <= lo <= hi <= 1.0):
            raise ConfigError(f"{self.name}: size_fraction_range must lie in [0.02, 1]")
        if not 0.0 <= self.max_overlap <= 1.0:
            raise ConfigError(f"{self.name}: max_overlap must be in [0, 1]")
        if self.shape_weights is not None and (
                len(self.shape_weights) != len(self.shapes) or min(self.shape_weights) < 0
                or sum(self.shape_weights) <= 0):
            raise ConfigError(f"{self.name}: shape_weights needs one non-negative weight per shape")

    def classes(self) -> tuple[str, ...]:
        return tuple(self.shapes) if self.objects_range[1] == 1 else ("scene",)

    def get_params(self, rng: np.random.Generator, class_name: str | None = None,
                   context: ItemContext | None = None) -> dict:
        bg_kind = pick(rng, self.backgrounds)
        c0 = rng.integers(0, 256, 3)
        c1 = rng.integers(0, 256, 3) if bg_kind != "solid" else c0
        bg_mean = (c0 + c1) / 2.0
        n = int(rng.integers(self.objects_range[0], self.objects_range[1] + 1))
        probs = None
        if self.shape_weights is not None:
            w = np.asarray(self.shape_weights, float)
            probs = w / w.sum()
        objects: list[dict[str, Any]] = []
        boxes: list[tuple[float, float, float, float]] = []
        short = min(self.width, self.height)
        for i in range(n):
            if i == 0 and class_name is not None and class_name != "scene":
                shape = class_name
            else:
                shape = self.shapes[int(rng.choice(len(self.shapes), p=probs))]
            for _attempt in range(30):
                size = float(rng.uniform(*self.size_fraction_range) * short)
                half = size / 2.0
                cx = float(rng.uniform(half, self.width - half))
                cy = float(rng.uniform(half, self.height - half))
                box = (cx - half, cy - half, cx + half, cy + half)
                if all(_iou(box, b) <= self.max_overlap for b in boxes):
                    break
            color = _contrasting_color(rng, bg_mean)
            objects.append({
                "shape": shape, "cx": cx, "cy": cy, "size": size,
                "rotation_deg": float(rng.uniform(0, 360)),
                "aspect": float(rng.uniform(0.35, 0.8)),
                "sides": int(rng.integers(5, 9)),
                "color": [int(v) for v in color],
            })
            boxes.append(box)
        return {
            "width": self.width, "height": self.height,
            "background": {"kind": bg_kind, "colors": [[int(v) for v in c0], [int(v) for v in c1]],
                           "seed": int(rng.integers(0, 2**31))},
            "objects": objects,
            "label": class_name or ("scene" if self.objects_range[1] > 1 else objects[0]["shape"]),
        }

    def render(self, params: dict) -> SynthItem:
        w, h = params["width"], params["height"]
        bg = params["background"]
        pixels = D.background(bg["kind"], width=w, height=h, colors=bg["colors"], seed=bg["seed"])
        instances = np.zeros((h, w), np.uint16)
        windows = []
        for k, obj in enumerate(params["objects"], start=1):
            contours = D.shape_contours(obj["shape"], cx=obj["cx"], cy=obj["cy"],
                                        size=obj["size"], rotation_deg=obj["rotation_deg"],
                                        aspect=obj["aspect"], sides=obj["sides"])
            D.fill(pixels, contours, tuple(obj["color"]), antialias=self.antialias)
            D.fill(instances, contours, k, antialias=False)
            lo, hi = contours[0].min(axis=0), contours[0].max(axis=0)
            windows.append((max(0, int(lo[0]) - 1), max(0, int(lo[1]) - 1),
                            min(w, int(hi[0]) + 2), min(h, int(hi[1]) + 2)))
        annotations = {"objects": annotate_instances([o["shape"] for o in params["objects"]],
                                                     instances, windows)}
        boxes = np.array([a["box"] for a in annotations["objects"]], np.float64).reshape(-1, 4)
        image = Image(pixels, mask=instances, boxes=boxes,
                      meta={"classes": [a["class"] for a in annotations["objects"]]})
        return SynthItem(image, params["label"], annotations)

    def write(self, item: SynthItem, path: Path) -> None:
        from mediasynth.io.image_io import encode_image

        path.write_bytes(encode_image(item.media, "png"))

    def side_files(self, rel: str, split: str | None) -> tuple[str, str]:
        """(instance mask PNG, YOLO label) of the item at `rel`."""
        return export.instance_side_files(rel, split)

    def write_side_files(self, item: SynthItem, out: Path, rel: str, split: str | None) -> dict:
        return export.write_instance_side_files(item, out, rel, split, list(self.shapes))

    def annotation_classes(self) -> tuple[str, ...]:
        return tuple(self.shapes)

    def write_annotations(self, folder: Path, split: str, rows: list[dict]) -> None:
        """<split>.coco.json: every item's boxes and polygons."""
        export.write_coco_split(folder, split, rows, list(self.shapes))


def _iou(a, b) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def _contrasting_color(rng: np.random.Generator, bg_mean: np.ndarray) -> np.ndarray:
    for _ in range(50):
        color = rng.integers(0, 256, 3)
        if np.linalg.norm(color - bg_mean) >= MIN_COLOR_DISTANCE:
            return color
    return np.where(bg_mean > 127, 0, 255).astype(np.int64)
