"""The real assets `synth.scenes` composes: object instances and background photos.

Objects come from an instance-annotated layout `expand` reads (COCO with polygons or RLE,
YOLO-seg, CVAT, Label Studio: every object with a polygon or an RLE; image + mask pairs:
every connected region of one label value, its class the value) or from a folder of RGBA
cut-outs in class folders (the alpha channel is the object; a file without alpha is opaque
as a whole). Backgrounds are photos, in class folders or flat.

Everything here is read once per process and cached (`functools.lru_cache`): the index of
instances and files, the split each file belongs to, decoded sources and cut-outs. Every
function is deterministic (sorted files, sorted instances), so every worker sees the same
index and the same partition.
"""

from __future__ import annotations

import functools
import importlib
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mediasynth.core.errors import ConfigError
from mediasynth.io.layouts.base import media_files, rel

CUTOUTS = "cutouts"  # the layout name of a folder of RGBA cut-outs in class folders
CUTOUT_MARGIN_PX = 2  # real context pixels kept around a cut-out (clean interpolation)
MIN_MASK_PIXELS = 16  # smaller instances (or mask-pair regions) are left out of the index


@dataclass(frozen=True)
class ObjectRef:
    """One object instance: `file` (relative to OBJ, POSIX), `instance` (the object's index
    in that file's annotation, the region's index among the mask's regions, 0 for a
    cut-out) and its class."""

    file: str
    instance: int
    cls: str


@dataclass(frozen=True)
class ObjectIndex:
    layout: str
    refs: tuple[ObjectRef, ...]
    annotations: dict[str, dict]  # file -> its annotation (annotated layouts)
    subsets: dict[str, str | None]  # file -> the subset its source declares

    def classes(self) -> tuple[str, ...]:
        return tuple(sorted({r.cls for r in self.refs}))


@dataclass(frozen=True)
class Cutout:
    """An object's pixels: `rgb` (h, w, 3 uint8, the object and a margin of real context)
    and `alpha` (h, w uint8: 255 inside the object, soft for RGBA cut-outs)."""

    rgb: np.ndarray
    alpha: np.ndarray


def resolve_layout(root: str, layout: str) -> str:
    """The layout of OBJ: `layout` as given, or detected (class folders are cut-outs)."""
    from mediasynth.io.layouts import detect

    if layout != "auto":
        return layout
    try:
        found = detect(Path(root))
    except ConfigError as exc:  # several layouts: the option here is objects_layout
        raise ConfigError(f"objects: {exc} (for synth.scenes: --set objects_layout=NAME)"
                          ) from None
    return CUTOUTS if found == "folders" else found


@functools.lru_cache(maxsize=8)
def object_index(root: str, layout: str = "auto") -> ObjectIndex:
    """Every usable object instance under OBJ `root` (sorted by file, then instance).
    ConfigError when OBJ is missing, in an unsupported layout or holds no instance."""
    path = Path(root)
    if not path.is_dir():
        raise ConfigError(f"objects: {root} is not a folder")
    layout = resolve_layout(root, layout)
    if layout == CUTOUTS:
        refs = [ObjectRef(f, 0, _class_of(f)) for f in _image_files(root)]
        index = ObjectIndex(layout, tuple(refs), {}, {})
    else:
        index = _annotated_index(path, layout)
    if not index.refs:
        raise ConfigError(f"objects: {root} ({layout}) holds no object with a polygon, an RLE "
                          "or a mask (boxes alone cannot be cut out)")
    return index


def _annotated_index(src: Path, layout: str) -> ObjectIndex:
    from mediasynth.io.layouts import read_layout

    try:
        _, read = read_layout(src, layout)
    except ConfigError as exc:
        raise ConfigError(f"objects: {exc}") from None
    refs, annotations, subsets = [], {}, {}
    for file in sorted(read.items):
        item = read.items[file]
        annotation = item.get("annotation") or {}
        annotations[file] = annotation
        subsets[file] = item.get("subset")
        if annotation.get("mask_file"):
            regions = mask_regions(str(src), annotation["mask_file"])
            refs += [ObjectRef(file, i, cls) for i, (cls, _) in enumerate(regions)]
            continue
        for i, obj in enumerate(annotation.get("objects") or []):
            if (obj.get("polygons") or obj.get("rle")) and not obj.get("iscrowd"):
                refs.append(ObjectRef(file, i, str(obj["category"])))
    return ObjectIndex(layout, tuple(refs), annotations, subsets)


@functools.lru_cache(maxsize=8)
def background_files(root: str) -> tuple[tuple[str, str | None], ...]:
    """(file relative to BG, its class folder or None) of every image under BG, sorted."""
    if not Path(root).is_dir():
        raise ConfigError(f"backgrounds: {root} is not a folder")
    files = tuple((f, _class_of(f, None)) for f in _image_files(root))
    if not files:
        raise ConfigError(f"backgrounds: {root} holds no image")
    return files


def _image_files(root: str) -> list[str]:
    return sorted(rel(p, Path(root)) for p in media_files(Path(root)))


def _class_of(file: str, flat: str | None = "object") -> str | None:
    parts = file.split("/")
    return parts[0] if len(parts) > 1 else flat


# --- splits ------------------------------------------------------------------------------


@functools.lru_cache(maxsize=32)
def file_splits(units: tuple[tuple[str, str | None, str | None], ...],
                shares: tuple[tuple[str, float], ...] | None, seed: int) -> dict[str, str | None]:
    """The split of every file (units: (file, class, declared subset)), each file its own
    group, by the engine's one splitter (engine/split.py, reached by name: it is a layer
    above)."""
    split = importlib.import_module("mediasynth.engine.split")
    items = [split.SplitItem(key, label, None, subset) for key, label, subset in units]
    result = split.split_items(items, split.SplitSpec(dict(shares) if shares else None,
                                                      seed=seed))
    return {key: a.split for key, a in result.assignments.items()}


def object_splits(root: str, layout: str, shares, seed: int) -> dict[str, str | None]:
    """The split of every object file (stratified by the file's first instance's class)."""
    index = object_index(root, layout)
    first: dict[str, str] = {}
    for ref in index.refs:
        first.setdefault(ref.file, ref.cls)
    units = tuple((f, c, index.subsets.get(f)) for f, c in sorted(first.items()))
    return file_splits(units, shares, seed)


def background_splits(root: str, shares, seed: int) -> dict[str, str | None]:
    units = tuple((f, c, None) for f, c in background_files(root))
    return file_splits(units, shares, seed)


# --- pixels ------------------------------------------------------------------------------


@functools.lru_cache(maxsize=6)  # a few decoded photos per process: bounded memory
def rgb_image(path: str) -> np.ndarray:
    """A decoded image as (h, w, 3) or (h, w, 4) uint8 (alpha kept when the file has it).
    MediaError naming the file when it cannot be decoded."""
    from mediasynth.core.errors import MediaError
    from mediasynth.image.modes import convert
    from mediasynth.io.image_io import read_image

    try:
        pixels = read_image(path).pixels
    except MediaError as exc:
        raise MediaError(exc.code, exc.message, path=path) from None
    channels = pixels.shape[2] if pixels.ndim == 3 else 1
    return convert(pixels, "RGBA" if channels in (2, 4) else "RGB")


def label_image(path: str) -> np.ndarray:
    """A mask's label values (h, w int64): a palette or gray PNG's indices as they are, an
    RGB(A) mask's colours packed as 0xRRGGBB (then the class is that number)."""
    from PIL import Image as PILImage

    with PILImage.open(path) as im:
        if im.mode in ("RGB", "RGBA"):
            rgb = np.asarray(im.convert("RGB")).astype(np.int64)
            return (rgb[:, :, 0] << 16) | (rgb[:, :, 1] << 8) | rgb[:, :, 2]
        values = np.asarray(im)
    return (values[:, :, 0] if values.ndim == 3 else values).astype(np.int64)


@functools.lru_cache(maxsize=16)
def mask_regions(root: str, mask_file: str) -> tuple[tuple[str, np.ndarray], ...]:
    """(class, region mask) of every 8-connected region of each non-zero label value of a
    mask-pair's label image, by value then region order; regions under MIN_MASK_PIXELS are
    left out."""
    import cv2

    labels = label_image(str(Path(root) / mask_file))
    out = []
    for value in np.unique(labels):
        if value == 0:
            continue
        count, components = cv2.connectedComponents((labels == value).astype(np.uint8),
                                                     connectivity=8)
        for c in range(1, count):
            region = components == c
            if np.count_nonzero(region) >= MIN_MASK_PIXELS:
                out.append((str(int(value)), region))
    return tuple(out)


@functools.lru_cache(maxsize=128)
def object_cutout(root: str, layout: str, file: str, instance: int) -> Cutout:
    """The pixels of one indexed object (see ObjectIndex), cropped to its mask plus
    CUTOUT_MARGIN_PX of context."""
    pixels = rgb_image(str(Path(root) / file))
    if layout == CUTOUTS:
        alpha = (pixels[:, :, 3] if pixels.shape[2] == 4
                 else np.full(pixels.shape[:2], 255, np.uint8))
        return _crop(pixels[:, :, :3], alpha)
    annotation = object_index(root, layout).annotations[file]
    if annotation.get("mask_file"):
        region = mask_regions(root, annotation["mask_file"])[instance][1]
        return _crop(pixels[:, :, :3], region.view(np.uint8) * np.uint8(255))
    mask = _object_mask(annotation, instance, pixels.shape[1], pixels.shape[0])
    return _crop(pixels[:, :, :3], mask * np.uint8(255))


def _object_mask(annotation: dict, instance: int, width: int, height: int) -> np.ndarray:
    """The object's pixels as pycocotools rasterizes its polygons (union) or RLE: the same
    pixels a COCO consumer sees."""
    from pycocotools import mask as mask_utils

    from mediasynth.image.annotations import denormalized

    obj = denormalized(annotation, width, height)["objects"][instance]
    if obj.get("rle"):
        rle = dict(obj["rle"])
        if isinstance(rle["counts"], str):
            rle["counts"] = rle["counts"].encode()
        if isinstance(rle["counts"], list):
            rle = mask_utils.frPyObjects(rle, height, width)
    else:
        polygons = [list(map(float, p)) for p in obj["polygons"] if len(p) >= 6]
        rle = mask_utils.merge(mask_utils.frPyObjects(polygons, height, width))
    with warnings.catch_warnings():  # pycocotools' own __array__ call under NumPy 2
        warnings.filterwarnings("ignore", "__array__ implementation", DeprecationWarning)
        return mask_utils.decode(rle).astype(np.uint8)


def _crop(rgb: np.ndarray, alpha: np.ndarray) -> Cutout:
    rows, cols = np.flatnonzero(alpha.any(axis=1)), np.flatnonzero(alpha.any(axis=0))
    if rows.size == 0:
        raise ValueError("the object's mask is empty")
    m, (h, w) = CUTOUT_MARGIN_PX, alpha.shape
    y0, y1 = max(0, rows[0] - m), min(h, rows[-1] + 1 + m)
    x0, x1 = max(0, cols[0] - m), min(w, cols[-1] + 1 + m)
    return Cutout(np.ascontiguousarray(rgb[y0:y1, x0:x1]), np.ascontiguousarray(alpha[y0:y1,
                                                                                     x0:x1]))


def patch_cutout(root: str, file: str, box: tuple[int, int, int, int],
                 vertices: tuple[tuple[float, float], ...]) -> Cutout:
    """A distractor cut from background `file`: the `box` (x, y, w, h in the photo's pixels)
    shaped by the polygon `vertices` (fractions of the box)."""
    import cv2

    pixels = rgb_image(str(Path(root) / file))
    x, y, w, h = box
    rgb = np.ascontiguousarray(pixels[y:y + h, x:x + w, :3])
    alpha = np.zeros((h, w), np.uint8)
    pts = np.round(np.array(vertices, np.float64) * (w - 1, h - 1)).astype(np.int32)
    cv2.fillPoly(alpha, [pts.reshape(-1, 1, 2)], 255)
    return Cutout(rgb, alpha)
