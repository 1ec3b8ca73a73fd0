"""Coloured objects on real photographs, for checking that boxes written by a layout
exporter stay on the objects: the objects are re-detected from the output's pixels.

The photos are the two bundled with scikit-learn (china.jpg, flower.jpg, 640 x 427). Each
scene is a crop of one of them with 2-4 axis-aligned filled rectangles, each in a colour of
its own (magenta, green, cyan, blue) that the photos do not hold: a colour's score (its
channels against the others, `SCORES`) stays under 102 everywhere on both photos, is 255
on the object and at most 0 on the other colours. A rectangle fills its box exactly, so a geometric edit moves the object's
pixels where it moves the box's corners (the tight box of a rotated rectangle is the box of
its rotated corners); re-detection thresholds the score at half the object's (a pixel at
least half covered by the object), so a correct box is found to well under a pixel.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np

COLOURS = {"magenta": (255, 0, 255), "green": (0, 255, 0), "cyan": (0, 255, 255),
           "blue": (0, 0, 255)}
SCORES = {  # 255 on its colour, 0 or less on the other three
    "magenta": lambda f: np.minimum(f[..., 0], f[..., 2]) - f[..., 1],
    "green": lambda f: f[..., 1] - np.maximum(f[..., 0], f[..., 2]),
    "cyan": lambda f: np.minimum(f[..., 1], f[..., 2]) - f[..., 0],
    "blue": lambda f: f[..., 2] - np.maximum(f[..., 0], f[..., 1]),
}
THRESHOLD = 127.5


def photo_scenes(n: int, seed: int, width: int = 200, height: int = 150
                 ) -> list[tuple[np.ndarray, dict[str, tuple[int, int, int, int]]]]:
    """`n` RGB uint8 crops of the bundled photos, each with 2-4 coloured rectangles (no two
    of one colour, none touching another), and their boxes {colour: (x0, y0, x1, y1)}."""
    from sklearn.datasets import load_sample_images

    photos = load_sample_images().images
    rng = np.random.default_rng(seed)
    scenes = []
    for k in range(n):
        photo = photos[k % 2]
        y = int(rng.integers(0, photo.shape[0] - height))
        x = int(rng.integers(0, photo.shape[1] - width))
        rgb = np.ascontiguousarray(photo[y:y + height, x:x + width])
        boxes: dict[str, tuple[int, int, int, int]] = {}
        colours = list(COLOURS)[: int(rng.integers(2, 5))]
        for colour in colours:
            for _ in range(50):  # a place that keeps 6 px from the others
                w, h = int(rng.integers(18, 50)), int(rng.integers(14, 40))
                x0, y0 = int(rng.integers(4, width - w - 4)), int(rng.integers(4, height - h - 4))
                box = (x0, y0, x0 + w, y0 + h)
                if all(box[0] >= b[2] + 6 or b[0] >= box[2] + 6 or box[1] >= b[3] + 6
                       or b[1] >= box[3] + 6 for b in boxes.values()):
                    boxes[colour] = box
                    rgb[y0:y0 + h, x0:x0 + w] = COLOURS[colour]
                    break
        scenes.append((rgb, boxes))
    return scenes


def write_png(path: Path, rgb: np.ndarray) -> None:
    from PIL import Image

    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(rgb).save(path)


def cvat_photo_tree(root: Path, n: int, seed: int) -> Path:
    """A CVAT for images 1.1 export of `n` photo scenes: root/default.xml (a box per object,
    labelled with its colour) and root/images/default/*.png."""
    doc = ET.Element("annotations")
    ET.SubElement(doc, "version").text = "1.1"
    for i, (rgb, boxes) in enumerate(photo_scenes(n, seed=seed)):
        name = f"photo_{i:02d}.png"
        write_png(root / "images" / "default" / name, rgb)
        image = ET.SubElement(doc, "image", id=str(i), name=name, subset="default",
                              width=str(rgb.shape[1]), height=str(rgb.shape[0]))
        for colour, (x0, y0, x1, y1) in boxes.items():
            ET.SubElement(image, "box", label=colour, source="manual", occluded="0",
                          xtl=f"{x0:.2f}", ytl=f"{y0:.2f}", xbr=f"{x1:.2f}", ybr=f"{y1:.2f}",
                          z_order="0")
    (root / "default.xml").write_bytes(ET.tostring(doc, encoding="utf-8",
                                                   xml_declaration=True))
    return root


def labelstudio_photo_tree(root: Path, n: int, seed: int) -> Path:
    """A Label Studio JSON export of `n` photo scenes: root/export.json (a rectangle in
    percent per object, labelled with its colour; local-files references) and
    root/images/*.png."""
    tasks = []
    for i, (rgb, boxes) in enumerate(photo_scenes(n, seed=seed)):
        height, width = rgb.shape[:2]
        name = f"photo_{i:02d}.png"
        write_png(root / "images" / name, rgb)
        results = [{"id": f"r{i}_{colour}", "type": "rectanglelabels", "from_name": "label",
                    "to_name": "image", "original_width": width, "original_height": height,
                    "image_rotation": 0,
                    "value": {"x": 100 * x0 / width, "y": 100 * y0 / height,
                              "width": 100 * (x1 - x0) / width,
                              "height": 100 * (y1 - y0) / height, "rotation": 0,
                              "rectanglelabels": [colour]}}
                   for colour, (x0, y0, x1, y1) in boxes.items()]
        tasks.append({"id": i + 1, "data": {"image": f"/data/local-files/?d=images/{name}"},
                      "annotations": [{"id": i + 1, "result": results}]})
    root.mkdir(parents=True, exist_ok=True)
    (root / "export.json").write_text(json.dumps(tasks))
    return root


def detected_boxes(path: Path) -> dict[str, tuple[float, float, float, float]]:
    """{colour: (x0, y0, x1, y1)} of every coloured object re-detected in an image file:
    the largest connected region of pixels at least half covered by the colour (pixel
    edges: a region of columns a..b is x0 = a, x1 = b + 1). Regions under 12 pixels are
    taken as gone (cut off by a crop)."""
    import cv2
    from PIL import Image

    rgb = np.asarray(Image.open(path).convert("RGB")).astype(np.float64)
    found = {}
    for colour, score in SCORES.items():
        mask = (score(rgb) >= THRESHOLD).astype(np.uint8)
        count, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
        if count < 2:
            continue
        biggest = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
        x, y, w, h, area = stats[biggest]
        if area >= 12:
            found[colour] = (float(x), float(y), float(x + w), float(y + h))
    return found


def compare_boxes(written: dict[str, tuple], found: dict[str, tuple], width: int,
                  height: int) -> tuple[list[float], list[float], list[str]]:
    """(errors of whole boxes, overshoots of cut boxes, problems) of the boxes an exporter
    wrote for one image against the objects re-detected in it.

    A box inside the frame (every edge at least 1 px from it) is the object's: its error is
    the largest coordinate difference. A box cut by the frame is the clip of the moved
    object's box; after a rotation that box is wider than the object's visible part (the
    clipped corner region holds none of it), so it is only checked to cover the object: its
    overshoot is how far the object reaches out of it (0 when inside). Problems: an object
    found but not written, a whole box whose object is not found."""
    errors, overshoots, problems = [], [], []
    for colour in sorted(set(found) - set(written)):
        problems.append(f"{colour} object has no box")
    for colour, box in sorted(written.items()):
        x0, y0, x1, y1 = box
        inside = x0 >= 1 and y0 >= 1 and x1 <= width - 1 and y1 <= height - 1
        if colour not in found:
            if inside:
                problems.append(f"{colour} box {box} has no object")
            continue
        f = found[colour]
        if inside:
            errors.append(max(abs(a - b) for a, b in zip(box, f)))
        else:
            overshoots.append(max(x0 - f[0], y0 - f[1], f[2] - x1, f[3] - y1, 0.0))
    return errors, overshoots, problems
