"""`synth.scenes`: real object instances pasted onto real photos, labelled by their visible
pixels (Cut, Paste and Learn; Simple Copy-Paste).

Per scene (all of it drawn in `get_params`, JSON-safe, so a manifest row regenerates the
scene bit for bit): a background photo (scaled to cover the scene, a window of it, maybe
mirrored), a number of objects drawn by class weights (then uniformly among the class's
instances), per object a size, rotation, flip, colour jitter and blend mode, optional
distractors (pasted, never labelled), and a position per object.

Placement runs from the top of the stack down: each object is placed below every object
placed before it, so its hidden share is known when it is placed and never changes after.
A position is drawn until the object's share outside the frame is at most `max_truncation`
and (labelled objects) its share inside the frame covered by the objects above is at most
`max_occlusion`; after `placement_attempts` draws the object is dropped (listed in the
row's `dropped`). The scene is rendered bottom-up in the reverse order.

Splits are by source file: object files and background files are each split by the run's
split shares (engine/split.py, every file its own group), and a scene of a split draws only
from its split's files, so no object or background file of train appears in val or test.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from mediasynth.core.errors import ConfigError
from mediasynth.core.media import Image
from mediasynth.core.registry import register
from mediasynth.synth import export
from mediasynth.synth import scenes_assets as A
from mediasynth.synth import scenes_paste as P
from mediasynth.synth.base import Generator, ItemContext, SynthItem, pick
from mediasynth.synth.instances import annotate_instances

BLEND_CHOICES = (*P.BLENDS, "mixed")  # mixed: one of BLENDS per object
PATCH_SIDE_RANGE = (0.1, 0.3)  # distractor patches: side as a share of the photo's shorter


@dataclass(frozen=True)
class _Pool:
    """What scenes of one split draw from."""

    by_class: dict[str, tuple[A.ObjectRef, ...]]
    distractors: tuple[A.ObjectRef, ...]
    backgrounds: tuple[str, ...]


@register("synth.scenes")
@dataclass(frozen=True, kw_only=True)
class Scenes(Generator):
    """Object instances cut from real images (instance masks, polygons or RGBA cut-outs)
    pasted onto background photos, with COCO (visible-pixel polygons or RLE, tight boxes),
    YOLO and instance-mask annotations. Every scene's class is "scene".

    Fields:
        objects: OBJ, a folder: an instance-annotated layout expand reads (COCO, YOLO-seg,
            CVAT, Label Studio: objects with a polygon or RLE; image + mask pairs: each
            connected region of a label value, class = the value) or RGBA cut-outs in class
            folders (alpha = the object).
        backgrounds: BG, a folder of photos (class folders or flat).
        objects_layout: OBJ's layout: auto, cutouts, or a layout name (coco, yolo, masks...).
        width: scene width in pixels.
        height: scene height in pixels.
        objects_range: [min, max] labelled objects drawn per scene (before any is dropped).
        object_weights: {class: weight}, relative odds of each object class (uniform when
            omitted; classes not named get 0).
        scale_range: [low, high] an object's longer side as a share of the scene's shorter
            side.
        rotation_deg_range: [low, high] rotation of each object in degrees.
        flip: mirror each object left-right with probability 1/2.
        brightness_range: [low, high] brightness factor of each object.
        contrast_range: [low, high] contrast factor of each object (around its mean).
        saturation_range: [low, high] saturation factor of each object.
        hue_shift_deg_range: [low, high] hue rotation of each object in degrees.
        max_occlusion: largest share of a labelled object's pixels inside the frame that the
            objects pasted above it may cover.
        max_truncation: largest share of an object's pixels outside the frame (0: whole
            objects only).
        blend: none (alpha paste), gaussian (edges feathered by a Gaussian-blurred mask),
            poisson (OpenCV seamless clone) or mixed (one of the three per object).
        feather_px: sigma of the Gaussian feather, in pixels.
        distractors_range: [min, max] distractors per scene: objects pasted without labels
            (they still occlude).
        distractor_classes: OBJ classes used only as distractors (never labelled); without
            them distractors are polygon patches cut from background photos.
        placement_attempts: positions drawn per object before it is dropped.
        background_flip: mirror the background left-right with probability 1/2.
    """

    media_kind = "image"
    extension = ".png"

    objects: str = ""
    backgrounds: str = ""
    objects_layout: str = "auto"
    width: int = 640
    height: int = 480
    objects_range: tuple[int, int] = (1, 6)
    object_weights: dict[str, float] | None = None
    scale_range: tuple[float, float] = (0.15, 0.45)
    rotation_deg_range: tuple[float, float] = (-20.0, 20.0)
    flip: bool = True
    brightness_range: tuple[float, float] = (0.85, 1.15)
    contrast_range: tuple[float, float] = (0.85, 1.15)
    saturation_range: tuple[float, float] = (0.85, 1.15)
    hue_shift_deg_range: tuple[float, float] = (-6.0, 6.0)
    max_occlusion: float = 0.5
    max_truncation: float = 0.3
    blend: str = "gaussian"
    feather_px: float = 1.5
    distractors_range: tuple[int, int] = (0, 0)
    distractor_classes: tuple[str, ...] = ()
    placement_attempts: int = 20
    background_flip: bool = True

    # --- configuration -------------------------------------------------------------------
    def __hash__(self) -> int:  # object_weights is a mapping: hash the configuration
        import json

        return hash(json.dumps(self.to_config(), sort_keys=True, default=str))

    def validate(self) -> None:
        if not self.objects or not self.backgrounds:
            raise ConfigError(f"{self.name}: objects (OBJ) and backgrounds (BG) are required")
        if not (8 <= self.width <= 16384 and 8 <= self.height <= 16384):
            raise ConfigError(f"{self.name}: width and height must be in [8, 16384]")
        _check_range(self, "objects_range", 0, 100, integer=True)
        _check_range(self, "distractors_range", 0, 100, integer=True)
        if self.objects_range[1] < 1:
            raise ConfigError(f"{self.name}: objects_range must allow at least one object")
        _check_range(self, "scale_range", 0.01, 2.0)
        _check_range(self, "rotation_deg_range", -360.0, 360.0)
        for name in ("brightness_range", "contrast_range", "saturation_range"):
            _check_range(self, name, 0.0, 4.0)
        _check_range(self, "hue_shift_deg_range", -180.0, 180.0)
        for name in ("max_occlusion", "max_truncation"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or not 0.0 <= value <= 1.0:
                raise ConfigError(f"{self.name}: {name} must be in [0, 1], got {value!r}")
        if self.max_truncation >= 1.0:
            raise ConfigError(f"{self.name}: max_truncation must be below 1 (an object must "
                              "show)")
        if self.blend not in BLEND_CHOICES:
            raise ConfigError(f"{self.name}: blend must be one of {', '.join(BLEND_CHOICES)}, "
                              f"got {self.blend!r}")
        if not 0.0 <= float(self.feather_px) <= 50.0:
            raise ConfigError(f"{self.name}: feather_px must be in [0, 50]")
        if not (isinstance(self.placement_attempts, int) and 1 <= self.placement_attempts
                <= 1000):
            raise ConfigError(f"{self.name}: placement_attempts must be in [1, 1000]")
        index = A.object_index(self.objects, self.objects_layout)
        A.background_files(self.backgrounds)
        known = set(index.classes())
        unknown = set(self.distractor_classes) - known
        if unknown:
            raise ConfigError(f"{self.name}: distractor_classes names classes OBJ does not "
                              f"have: {sorted(unknown)}; OBJ's classes: {sorted(known)}")
        labelled = self.annotation_classes()
        if not labelled:
            raise ConfigError(f"{self.name}: every class of OBJ is a distractor class")
        if self.object_weights is not None:
            weights = dict(self.object_weights)
            unknown = set(weights) - set(labelled)
            if unknown:
                raise ConfigError(f"{self.name}: object_weights names unknown classes "
                                  f"{sorted(unknown)}; classes: {list(labelled)}")
            if any(not isinstance(w, (int, float)) or w < 0 for w in weights.values()) \
                    or sum(weights.values()) <= 0:
                raise ConfigError(f"{self.name}: object_weights must be non-negative and not "
                                  "all zero")

    def classes(self) -> tuple[str, ...]:
        return ("scene",)

    def annotation_classes(self) -> tuple[str, ...]:
        index = A.object_index(self.objects, self.objects_layout)
        return tuple(c for c in index.classes() if c not in self.distractor_classes)

    # --- drawing -------------------------------------------------------------------------
    def get_params(self, rng: np.random.Generator, class_name: str | None = None,
                   context: ItemContext | None = None) -> dict:
        ctx = context or ItemContext(0)
        pool = self._pool(ctx)
        bg_file = pick(rng, pool.backgrounds)
        bg_h, bg_w = A.rgb_image(str(Path(self.backgrounds) / bg_file)).shape[:2]
        cover_w, cover_h = P.cover_size(bg_w, bg_h, self.width, self.height)
        background = {"file": bg_file,
                      "offset": [int(rng.integers(0, cover_w - self.width + 1)),
                                 int(rng.integers(0, cover_h - self.height + 1))],
                      "flip": bool(self.background_flip and rng.random() < 0.5)}
        lo, hi = (int(v) for v in self.objects_range)
        count = int(rng.integers(lo, hi + 1))
        lo, hi = (int(v) for v in self.distractors_range)
        extra = int(rng.integers(lo, hi + 1))
        drawn = [self._draw_object(rng, pool) for _ in range(count)]
        drawn += [self._draw_distractor(rng, pool) for _ in range(extra)]
        covered = np.zeros((self.height, self.width), bool)
        placed, dropped = [], []
        for k in rng.permutation(len(drawn)):  # top of the stack first
            entry = {**drawn[int(k)], **self._draw_look(rng)}
            reason = self._place(rng, entry, covered)
            if reason is None:
                placed.append(entry)
            else:
                dropped.append({"class": entry["class"], "label": entry["label"],
                                "reason": reason})
        objects = [{**entry, "z": z} for z, entry in enumerate(placed[::-1])]  # 0: bottom
        return {"width": self.width, "height": self.height, "background": background,
                "objects": objects, "dropped": dropped, "label": "scene"}

    def _pool(self, ctx: ItemContext) -> _Pool:
        shares = tuple(sorted(ctx.split_shares.items())) if ctx.split_shares else None
        return _split_pool(self.objects, self.objects_layout, self.backgrounds,
                           tuple(self.distractor_classes), ctx.split if shares else None,
                           shares, ctx.seed)

    def _draw_object(self, rng: np.random.Generator, pool: _Pool) -> dict:
        classes = sorted(pool.by_class)
        weights = np.array([1.0 if self.object_weights is None
                            else float(dict(self.object_weights).get(c, 0.0))
                            for c in classes])
        if weights.sum() <= 0:
            raise ConfigError(f"{self.name}: no object class with a weight above 0 has "
                              "instances in this split")
        cls = classes[int(rng.choice(len(classes), p=weights / weights.sum()))]
        ref = pick(rng, pool.by_class[cls])
        return {"label": True, "class": cls,
                "source": {"file": ref.file, "instance": ref.instance}}

    def _draw_distractor(self, rng: np.random.Generator, pool: _Pool) -> dict:
        if self.distractor_classes:
            if not pool.distractors:
                raise ConfigError(f"{self.name}: no distractor instance in this split")
            ref = pick(rng, pool.distractors)
            return {"label": False, "class": ref.cls,
                    "source": {"file": ref.file, "instance": ref.instance}}
        file = pick(rng, pool.backgrounds)
        h, w = A.rgb_image(str(Path(self.backgrounds) / file)).shape[:2]
        short = min(w, h)
        pw, ph = (max(8, min(side, int(short * rng.uniform(*PATCH_SIDE_RANGE))))
                  for side in (w, h))
        x, y = int(rng.integers(0, w - pw + 1)), int(rng.integers(0, h - ph + 1))
        corners = int(rng.integers(5, 10))
        angles = np.sort(rng.uniform(0, 2 * math.pi, corners))
        radii = rng.uniform(0.55, 1.0, corners)
        vertices = [[round(0.5 + 0.5 * r * math.cos(a), 6), round(0.5 + 0.5 * r * math.sin(a),
                                                                   6)]
                    for a, r in zip(angles, radii)]
        return {"label": False, "class": None,
                "source": {"background": file, "box": [x, y, pw, ph], "vertices": vertices}}

    def _draw_look(self, rng: np.random.Generator) -> dict:
        blend = self.blend if self.blend != "mixed" else pick(rng, P.BLENDS)
        return {
            "size": float(rng.uniform(*self.scale_range)),
            "rotation_deg": float(rng.uniform(*self.rotation_deg_range)),
            "flip": bool(self.flip and rng.random() < 0.5),
            "jitter": {"brightness": float(rng.uniform(*self.brightness_range)),
                       "contrast": float(rng.uniform(*self.contrast_range)),
                       "saturation": float(rng.uniform(*self.saturation_range)),
                       "hue_deg": float(rng.uniform(*self.hue_shift_deg_range))},
            "blend": blend,
        }

    def _place(self, rng: np.random.Generator, entry: dict, covered: np.ndarray) -> str | None:
        """Set the entry's scale, position, occlusion and truncation and mark its pixels in
        `covered`; or return why it was dropped."""
        try:
            cut = self._cutout(entry["source"])
        except ValueError:  # an annotation whose outline covers no pixel of its image
            return "empty_mask"
        extent = _extent(cut.alpha)
        entry["scale"] = float(entry["size"] * min(self.width, self.height) / extent)
        shaped = P.transform_cutout(None, cut.alpha, scale=entry["scale"],
                                    rotation_deg=entry["rotation_deg"], flip=entry["flip"])
        if shaped is None:
            return "too_small"
        mask = shaped[2]
        ph, pw = mask.shape
        area = int(np.count_nonzero(mask))
        xs = _position_range(pw, self.width, self.max_truncation)
        ys = _position_range(ph, self.height, self.max_truncation)
        for _attempt in range(self.placement_attempts):
            x, y = int(rng.integers(xs[0], xs[1] + 1)), int(rng.integers(ys[0], ys[1] + 1))
            where = P.frame_window(x, y, pw, ph, self.width, self.height)
            if where is None:
                continue
            rows, cols, prows, pcols = where
            inside = mask[prows, pcols]
            shown = int(np.count_nonzero(inside))
            truncation = 1.0 - shown / area
            if shown == 0 or truncation > self.max_truncation:
                continue
            hidden = int(np.count_nonzero(inside & covered[rows, cols]))
            occlusion = hidden / shown
            if entry["label"] and occlusion > self.max_occlusion:
                continue
            covered[rows, cols] |= inside
            entry.update(x=x, y=y, occlusion=round(occlusion, 6),
                         truncation=round(truncation, 6))
            return None
        return "no_position"

    def _cutout(self, source: dict) -> A.Cutout:
        if "background" in source:
            return A.patch_cutout(self.backgrounds, source["background"],
                                  tuple(source["box"]), tuple(map(tuple, source["vertices"])))
        layout = A.object_index(self.objects, self.objects_layout).layout
        return A.object_cutout(self.objects, layout, source["file"], int(source["instance"]))

    # --- rendering -----------------------------------------------------------------------
    def render(self, params: dict) -> SynthItem:
        width, height = params["width"], params["height"]
        bg = params["background"]
        photo = A.rgb_image(str(Path(self.backgrounds) / bg["file"]))
        canvas = P.fit_background(photo, width, height, *bg["offset"], bg["flip"])
        instances = np.zeros((height, width), np.uint16)
        classes: list[str] = []
        windows: list[tuple[int, int, int, int]] = []
        placed: list[dict] = []
        for obj in params["objects"]:  # in z order: bottom of the stack first
            cut = self._cutout(obj["source"])
            rgb = P.jitter_colours(cut.rgb, cut.alpha, **obj["jitter"])
            shaped = P.transform_cutout(rgb, cut.alpha, scale=obj["scale"],
                                        rotation_deg=obj["rotation_deg"], flip=obj["flip"])
            if shaped is None:
                continue
            rgb, alpha, mask = shaped
            P.paste(canvas, rgb, alpha, mask, obj["x"], obj["y"], blend=obj["blend"],
                    feather_px=self.feather_px)
            where = P.frame_window(obj["x"], obj["y"], mask.shape[1], mask.shape[0], width,
                                   height)
            if where is None:
                continue
            rows, cols, prows, pcols = where
            window = instances[rows, cols]
            if obj["label"]:
                classes.append(obj["class"])
                placed.append(obj)
                windows.append((cols.start, rows.start, cols.stop, rows.stop))
            window[mask[prows, pcols]] = len(classes) if obj["label"] else 0
        objects = annotate_instances(classes, instances, windows)
        for entry in objects:
            source = placed[entry["instance"] - 1]
            entry["occlusion"], entry["truncation"] = source["occlusion"], source["truncation"]
        boxes = np.array([a["box"] for a in objects], np.float64).reshape(-1, 4)
        image = Image(canvas, mask=instances, boxes=boxes,
                      meta={"classes": [a["class"] for a in objects]})
        return SynthItem(image, params["label"], {"objects": objects})

    # --- writing -------------------------------------------------------------------------
    def write(self, item: SynthItem, path: Path) -> None:
        from mediasynth.io.image_io import encode_image

        path.write_bytes(encode_image(item.media, "png"))

    def side_files(self, rel: str, split: str | None) -> tuple[str, str]:
        """(instance mask PNG, YOLO label) of the item at `rel`."""
        return export.instance_side_files(rel, split)

    def write_side_files(self, item: SynthItem, out: Path, rel: str, split: str | None) -> dict:
        return export.write_instance_side_files(item, out, rel, split,
                                                list(self.annotation_classes()))

    def write_annotations(self, folder: Path, split: str, rows: list[dict]) -> None:
        """<split>.coco.json: every scene's visible-pixel polygons or RLEs and boxes."""
        export.write_coco_split(folder, split, rows, list(self.annotation_classes()),
                                supercategory="object")


@functools.lru_cache(maxsize=32)
def _split_pool(objects: str, layout: str, backgrounds: str, distractor_classes: tuple,
                split: str | None, shares, seed: int) -> _Pool:
    """The objects and backgrounds scenes of `split` may use (all of them without a split)."""
    index = A.object_index(objects, layout)
    refs = index.refs
    bg_files = tuple(f for f, _ in A.background_files(backgrounds))
    if shares is not None:
        of_object = A.object_splits(objects, layout, shares, seed)
        of_background = A.background_splits(backgrounds, shares, seed)
        refs = tuple(r for r in refs if of_object[r.file] == split)
        bg_files = tuple(f for f in bg_files if of_background[f] == split)
    by_class: dict[str, list[A.ObjectRef]] = {}
    for ref in refs:
        if ref.cls not in distractor_classes:
            by_class.setdefault(ref.cls, []).append(ref)
    if not by_class or not bg_files:
        raise ConfigError(
            f"split {split!r} has {sum(map(len, by_class.values()))} object instance(s) and "
            f"{len(bg_files)} background photo(s): files are split by source file, so each "
            "split needs files of its own (add files or change the split)")
    return _Pool({c: tuple(v) for c, v in by_class.items()},
                 tuple(r for r in refs if r.cls in distractor_classes), bg_files)


def _extent(alpha: np.ndarray) -> int:
    """The longer side of the object's box (alpha >= 128) in the cut-out."""
    mask = alpha >= P.BINARY_ALPHA
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    if rows.size == 0:
        return max(alpha.shape)
    return int(max(rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1))


def _position_range(patch: int, frame: int, max_truncation: float) -> tuple[int, int]:
    """The top-left coordinates drawn for a patch of `patch` pixels in a `frame`: the patch
    inside, or across the edge by up to its truncation share."""
    slack = int(math.floor(patch * max_truncation))
    low, high = -slack, frame - patch + slack
    if high < low:  # a patch larger than the frame
        low, high = min(0, frame - patch) - slack, max(0, frame - patch) + slack
    return low, high


def _check_range(owner: Scenes, name: str, low: float, high: float, *,
                 integer: bool = False) -> None:
    value: Any = getattr(owner, name)
    ok = (isinstance(value, (tuple, list)) and len(value) == 2
          and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value))
    if ok and integer:
        ok = all(float(v).is_integer() for v in value)
    if not ok or not low <= value[0] <= value[1] <= high:
        raise ConfigError(f"{owner.name}: {name} must be [min, max] with {low} <= min <= max "
                          f"<= {high}, got {value!r}")
