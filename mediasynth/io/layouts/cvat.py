"""CVAT XML: "CVAT for images 1.1" and "CVAT for video 1.1", in the shapes CVAT, Datumaro
and FiftyOne export them:

    annotations.xml + images/...            (CVAT's own export; images/<subset>/ too)
    <subset>.xml + images/[<subset>/]...    (Datumaro's `cvat` export, e.g. default.xml)
    labels.xml + data/...                   (FiftyOne's CVATImageDataset)
    annotations.xml + <clip>.mp4            (video 1.1: the clip `<meta>...<source>` names,
                                             else the one video beside the XML)

An XML file at SRC's top (or in annotations/) whose root is `<annotations>` is this layout.

Images 1.1, per `<image name width height>` (name looked up beside the XML, under images/,
images/<subset>/, data/, or SRC): `<box>` (a `rotation` other than 0 becomes the polygon
of its corners), `<polygon>`, `<polyline>` and `<points>` (their vertices as keypoints, so
they move with the pixels; points that leave the frame are dropped on export; a polyline
also carries points every 2 px between its vertices (v = 1), so the frame's cut is found
within 2 px and a line that leaves and re-enters becomes two polylines), `<mask rle left
top width height>` (CVAT's RLE: run lengths over the box's pixels in row order, starting
with a background run) as an RLE object, `<tag>` as an image-level label (`extra.tags`;
an image with tags and no objects is stratified by its first tag); `<ellipse cx cy rx ry>`
becomes a 32-vertex polygon (its source geometry in `extra.ellipse`); other shapes
(`<cuboid>`, `<skeleton>`) are refused by name. Every object keeps `occluded`, `z_order`,
`source`, `group_id` and its `<attribute>`s (`extra.attributes`) through to the output.

Video 1.1: each `<track id label>`'s per-frame `<box>` becomes the tracks schema of
video/tracks.py (`frame`, `id`, `bbox`, `category`; `keyframe`, `occluded`, `z_order` and
attributes in `extra`); frames marked `outside="1"` are not boxes and are left out (the
exporter writes an `outside` box after each track's last frame, as CVAT does). `<polygon>`
tracks, and tracks of any other shape, are refused (only boxes ride the track path).

Out: one `<split>.xml` per split (CVAT for images 1.1) with images in `images/<split>/`;
for clips, one `annotations/<clip path with / as __>.xml` each (video 1.1: a CVAT task
holds one clip) whose `<source>` is the clip's path in OUT (`videos/<split>/` for a CVAT
SRC, the class folders of a MOT tracks SRC); the `<meta>` names every label
with its attribute specifications; Datumaro's `cvat` importer and CVAT's own import
(which reads every XML file of an uploaded archive) read it.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from pathlib import Path, PurePosixPath

import numpy as np

from mediasynth.core.errors import ConfigError
from mediasynth.io.atomic import write_bytes_atomic
from mediasynth.io.layouts.base import LayoutRead, files_by_name, rel, stratum
from mediasynth.io.layouts.contract import LayoutBase
from mediasynth.io.layouts.shapes import ellipse_polygon
from mediasynth.io.sniff import extension_kind

SHAPES = ("box", "polygon", "polyline", "points", "mask")
OBJECT_ATTRIBUTES = ("occluded", "z_order", "source", "group_id")
VERTEX_SHAPES = ("polyline", "points")
MEDIA_FOLDERS = ("images", "data", "videos")
DENSE_PX = 2.0  # spacing of the points that follow a polyline between its vertices


# --- finding the files ----------------------------------------------------------------------

def cvat_files(src: Path) -> list[Path]:
    """XML files at SRC's top or in annotations/ whose root element is <annotations>."""
    found = sorted(src.glob("*.xml")) + sorted(src.glob("annotations/*.xml"))
    return [p for p in found if p.is_file() and not p.name.startswith(".") and _is_cvat(p)]


def _is_cvat(path: Path) -> bool:
    try:
        with open(path, "rb") as fh:
            head = fh.read(4096)
    except OSError:
        return False
    text = head.lstrip(b"\xef\xbb\xbf").lstrip()
    if text.startswith(b"<?xml"):
        text = text[text.find(b"?>") + 2:].lstrip()
    while text.startswith(b"<!--"):
        text = text[text.find(b"-->") + 3:].lstrip()
    return text.startswith(b"<annotations>") or text.startswith(b"<annotations ")


class _MediaLookup:
    """Media files by their path below the XML's folder, images/, images/<subset>/, data/ or
    SRC, then by base name when only one file under SRC has it."""

    def __init__(self, src: Path):
        self.src = src
        self.by_name = files_by_name(src)

    def find(self, xml_path: Path, subset: str | None, name: str) -> Path | None:
        name = name.replace("\\", "/").lstrip("/")
        base = xml_path.parent.parent if xml_path.parent.name == "annotations" \
            else xml_path.parent
        folders = [xml_path.parent, base]
        for folder in MEDIA_FOLDERS:
            if subset:
                folders.append(base / folder / subset)
            folders.append(base / folder)
        folders.append(self.src)
        for folder in dict.fromkeys(folders):
            candidate = folder / name
            if candidate.is_file():
                return candidate
        same = self.by_name.get(PurePosixPath(name).name, [])
        return same[0] if len(same) == 1 else None


# --- reading --------------------------------------------------------------------------------

class CvatLayout(LayoutBase):
    name = "cvat"
    exports = ("objects", "tracks")  # what an OUT of another layout can be written as

    def detect(self, src: Path) -> list[str]:
        return [rel(p, src) for p in cvat_files(src)]

    def media_folder(self, split: str | None, meta: dict) -> str:
        return f"{'videos' if meta.get('video') else 'images'}/{split or 'default'}"

    def read(self, src: Path) -> LayoutRead:
        result = LayoutRead(meta={"format": "cvat", "labels": {}})
        lookup = _MediaLookup(src)
        for xml_path in cvat_files(src):
            result.consumed.add(rel(xml_path, src))
            try:
                root = ET.parse(xml_path).getroot()
            except (ET.ParseError, OSError) as exc:
                raise ConfigError(f"{xml_path}: not a readable CVAT XML ({exc})") from None
            _read_labels(root, result.meta["labels"])
            if root.find("track") is not None and root.find("image") is not None:
                raise ConfigError(f"{xml_path}: holds both <image> and <track> elements; "
                                  "export the task as CVAT for images or for video")
            if root.find("track") is not None:
                self._read_video(src, xml_path, root, lookup, result)
            else:
                self._read_images(src, xml_path, root, lookup, result)
        result.meta["categories"] = {n: {"id": i, "name": n} for i, n in
                                     enumerate(result.meta["labels"], start=1)}
        return result

    def _read_images(self, src: Path, xml_path: Path, root, lookup: _MediaLookup,
                     result: LayoutRead) -> None:
        for node in root.iter("image"):
            name, subset = node.get("name", ""), node.get("subset")
            media = lookup.find(xml_path, subset, name)
            if media is None:
                result.missing.append(name)
                continue
            key = rel(media, src)
            if key in result.items:
                continue
            width, height = _int(node.get("width")), _int(node.get("height"))
            unknown = sorted({c.tag for c in node} - set(SHAPES) - {"tag", "ellipse"})
            if unknown:
                raise ConfigError(f"{xml_path}: image {name!r} has <{unknown[0]}> shapes, which "
                                  "are not read (read: box, polygon, polyline, points, mask, "
                                  "ellipse, tag)")
            objects = [_shape(child, width, height, xml_path) for child in node
                       if child.tag in SHAPES or child.tag == "ellipse"]
            extra = {k: v for k, v in node.attrib.items()
                     if k not in ("id", "name", "width", "height", "subset")}
            tags = [_tag(t) for t in node.iter("tag")]
            if tags:
                extra["tags"] = tags
            annotation = {"width": width, "height": height, "objects": objects, "extra": extra}
            label = stratum(annotation, tags[0]["label"] if tags else None)
            result.items[key] = {"label": label, "annotation": annotation,
                                 "name": PurePosixPath(name).as_posix(), "subset": subset}

    def _read_video(self, src: Path, xml_path: Path, root, lookup: _MediaLookup,
                    result: LayoutRead) -> None:
        result.meta["video"] = True
        clip = _clip_of(src, xml_path, root, lookup)
        if clip is None:
            named = root.findtext("meta/task/source") or root.findtext("meta/job/source") \
                or "a video beside it"
            result.missing.append(f"{named} (the video of {rel(xml_path, src)})")
            return
        tracks = []
        for track in root.iter("track"):
            tracks += _track(track, xml_path)
        tracks.sort(key=lambda t: (t["frame"], t["id"]))
        start = _int(root.findtext("meta/task/start_frame")) or 0
        for t in tracks:
            t["frame"] -= start
        key = rel(clip, src)
        result.items[key] = {"label": None, "name": PurePosixPath(clip.name).as_posix(),
                             "annotation": {"tracks": tracks, "fps": None}}

    def export(self, out: Path, splits: dict[str, list[dict]], meta: dict, *,
               primary: bool) -> list[str]:
        written = []
        labels = _labels_for(meta, splits)
        for split, entries in sorted(splits.items()):
            clips = [e for e in entries if "tracks" in e["annotation"]]
            for entry in clips:  # CVAT for video: one clip per task, one XML per clip
                dest = f"annotations/{clip_xml_name(entry['file'])}"
                write_bytes_atomic(out / dest, cvat_xml([entry], labels, split).encode())
                written.append(dest)
            images = [e for e in entries if "objects" in e["annotation"]]
            if images:
                dest = f"{split}.xml"
                write_bytes_atomic(out / dest, cvat_xml(images, labels, split).encode())
                written.append(dest)
        return written


def clip_xml_name(clip: str) -> str:
    """The XML file of a clip's tracks: its path in OUT with `/` -> `__`, suffix `.xml`."""
    path = PurePosixPath(clip)
    return str(path.with_suffix("")).replace("/", "__") + ".xml"


def _int(text) -> int | None:
    try:
        return int(float(text))
    except (TypeError, ValueError):
        return None


def _read_labels(root, labels: dict) -> None:
    """Label specifications of <meta> (name, colour, type, attribute specs), in order."""
    for node in root.iterfind(".//meta//labels/label"):
        name = node.findtext("name", "").strip()
        if not name or name in labels:
            continue
        spec = {"name": name}
        for key in ("color", "type"):
            if node.findtext(key):
                spec[key] = node.findtext(key).strip()
        attributes = [{child.tag: (child.text or "") for child in a}
                      for a in node.iterfind("attributes/attribute")]
        if attributes:
            spec["attributes"] = attributes
        labels[name] = spec


def _attributes(node) -> dict:
    return {a.get("name", ""): (a.text or "") for a in node.findall("attribute")
            if a.get("name")}


def _tag(node) -> dict:
    tag = {"label": node.get("label", "")}
    if node.get("source"):
        tag["source"] = node.get("source")
    if _attributes(node):
        tag["attributes"] = _attributes(node)
    return tag


def _points(text: str, where: str) -> np.ndarray:
    try:
        values = [float(v) for pair in (text or "").split(";") if pair.strip()
                  for v in pair.split(",")]
    except ValueError:
        raise ConfigError(f"{where}: unreadable points {text[:60]!r}") from None
    if not values or len(values) % 2:
        raise ConfigError(f"{where}: points must be x,y pairs ({text[:60]!r})")
    return np.asarray(values, np.float64).reshape(-1, 2)


def _extra(node) -> dict:
    extra = {k: _number(node.get(k)) for k in OBJECT_ATTRIBUTES if node.get(k) is not None}
    if _attributes(node):
        extra["attributes"] = _attributes(node)
    return extra


def _number(text: str):
    try:
        value = float(text)
    except ValueError:
        return text
    return int(value) if value.is_integer() else value


def _shape(node, width, height, xml_path: Path) -> dict | None:
    """One CVAT shape as an object of the annotation schema (image/annotations.py)."""
    where = f"{xml_path.name}: <{node.tag} label={node.get('label')!r}>"
    obj = {"category": node.get("label", ""), "iscrowd": 0, "extra": _extra(node)}
    if node.tag == "box":
        x0, y0, x1, y1 = (float(node.get(k, 0)) for k in ("xtl", "ytl", "xbr", "ybr"))
        angle = float(node.get("rotation", 0) or 0)
        if angle % 360:
            corners = _rotated(x0, y0, x1, y1, angle)
            obj["polygons"] = [corners.ravel().round(3).tolist()]
            obj["bbox"] = _bounds(corners)
            obj["extra"]["rotated_box_deg"] = angle
        else:
            obj["bbox"] = [x0, y0, x1, y1]
    elif node.tag == "ellipse":
        try:
            cx, cy, rx, ry = (float(node.get(k)) for k in ("cx", "cy", "rx", "ry"))
        except (TypeError, ValueError):
            raise ConfigError(f"{where}: an ellipse needs cx, cy, rx and ry") from None
        points = ellipse_polygon(cx, cy, rx, ry, float(node.get("rotation", 0) or 0))
        obj["polygons"] = [points.ravel().round(3).tolist()]
        obj["bbox"] = _bounds(points)
        obj["extra"]["ellipse"] = [cx, cy, rx, ry]
    elif node.tag == "polygon":
        points = _points(node.get("points", ""), where)
        if len(points) < 3:
            raise ConfigError(f"{where}: a polygon needs 3 points, has {len(points)}")
        obj["polygons"] = [points.ravel().tolist()]
        obj["bbox"] = _bounds(points)
    elif node.tag in VERTEX_SHAPES:
        points = _points(node.get("points", ""), where)
        obj["keypoints"] = densified(points) if node.tag == "polyline" else \
            [[float(x), float(y), 2] for x, y in points]
        obj["bbox"] = _padded(_bounds(points))
        obj["extra"]["shape"] = node.tag
    else:  # mask
        if not (width and height):
            raise ConfigError(f"{where}: a mask needs the image's width and height")
        obj["rle"], obj["bbox"] = cvat_mask_to_rle(node, width, height, where)
    return obj


def _rotated(x0, y0, x1, y1, angle_deg: float) -> np.ndarray:
    """A box's corners turned by `angle_deg` clockwise about its centre (CVAT's rotation)."""
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    a = math.radians(angle_deg)
    c, s = math.cos(a), math.sin(a)
    corners = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]]) - (cx, cy)
    return corners @ np.array([[c, s], [-s, c]]) + (cx, cy)


def _bounds(points: np.ndarray) -> list[float]:
    return [float(points[:, 0].min()), float(points[:, 1].min()),
            float(points[:, 0].max()), float(points[:, 1].max())]


def _padded(box: list[float]) -> list[float]:
    """A box at least 1 px wide and high, so that point and line objects keep an area."""
    x0, y0, x1, y1 = box
    if x1 - x0 < 1:
        x0, x1 = (x0 + x1) / 2 - 0.5, (x0 + x1) / 2 + 0.5
    if y1 - y0 < 1:
        y0, y1 = (y0 + y1) / 2 - 0.5, (y0 + y1) / 2 + 0.5
    return [x0, y0, x1, y1]


def cvat_mask_to_rle(node, width: int, height: int, where: str) -> tuple[dict, list[float]]:
    """(COCO compressed RLE of the whole image, box) of a CVAT <mask>."""
    from pycocotools import mask as mask_utils

    try:
        counts = [int(float(v)) for v in node.get("rle", "").split(",") if v.strip()]
        left, top, w, h = (int(float(node.get(k))) for k in ("left", "top", "width",
                                                              "height"))
    except (TypeError, ValueError):
        raise ConfigError(f"{where}: unreadable mask (rle, left, top, width, height)") from None
    if sum(counts) != w * h or min(counts, default=0) < 0:
        raise ConfigError(f"{where}: the mask's runs cover {sum(counts)} pixels, its box "
                          f"{w}x{h} has {w * h}")
    values = np.repeat(np.arange(len(counts)) % 2, counts).astype(np.uint8).reshape(h, w)
    full = np.zeros((height, width), np.uint8)
    y1, x1 = min(top + h, height), min(left + w, width)
    full[max(top, 0):y1, max(left, 0):x1] = values[max(-top, 0):y1 - top,
                                                   max(-left, 0):x1 - left]
    rle = mask_utils.encode(np.asfortranarray(full))
    ys, xs = np.nonzero(full)
    box = [float(xs.min()), float(ys.min()), float(xs.max()) + 1, float(ys.max()) + 1] \
        if len(xs) else [float(left), float(top), float(left), float(top)]
    return {"size": [height, width], "counts": rle["counts"].decode()}, box


def rle_to_cvat_mask(rle: dict) -> tuple[str, int, int, int, int] | None:
    """(rle text, left, top, width, height) of a COCO RLE's tight box; None when empty."""
    from pycocotools import mask as mask_utils

    counts = rle["counts"]
    region = mask_utils.decode({"size": list(rle["size"]), "counts": counts.encode()
                                if isinstance(counts, str) else counts})
    ys, xs = np.nonzero(region)
    if not len(xs):
        return None
    left, top, right, bottom = int(xs.min()), int(ys.min()), int(xs.max()) + 1, \
        int(ys.max()) + 1
    flat = region[top:bottom, left:right].astype(np.uint8).ravel()
    edges = np.flatnonzero(np.diff(flat)) + 1
    runs = np.diff(np.concatenate([[0], edges, [len(flat)]])).tolist()
    if flat[0]:
        runs = [0] + runs
    return ", ".join(str(r) for r in runs), left, top, right - left, bottom - top


def _clip_of(src: Path, xml_path: Path, root, lookup: _MediaLookup) -> Path | None:
    named = root.findtext("meta/task/source") or root.findtext("meta/job/source")
    if named:
        found = lookup.find(xml_path, None, named.strip())
        if found is not None:
            return found
    beside = [p for p in sorted(xml_path.parent.iterdir()) if p.is_file()
              and extension_kind(p.name) == "video"]
    return beside[0] if len(beside) == 1 else None


def _track(node, xml_path: Path) -> list[dict]:
    """The present (not outside) boxes of one <track>, in the tracks schema."""
    try:
        track_id = int(node.get("id", ""))
    except ValueError:
        raise ConfigError(f"{xml_path.name}: a <track> without a numeric id") from None
    if {child.tag for child in node} - {"box"}:
        raise ConfigError(f"{xml_path.name}: track {track_id} holds shapes other than boxes; "
                          "only box tracks can follow a clip's edits")
    rows = []
    for box in node.findall("box"):
        if box.get("outside") == "1":
            continue
        extra = {"keyframe": int(box.get("keyframe", "0") or 0),
                 **{k: _number(box.get(k)) for k in ("occluded", "z_order")
                    if box.get(k) is not None}}
        if box.get("rotation") and float(box.get("rotation")) % 360:
            raise ConfigError(f"{xml_path.name}: track {track_id} has rotated boxes; "
                              "tracks are axis-aligned boxes")
        attributes = _attributes(box)
        if attributes:
            extra["attributes"] = attributes
        if node.get("source"):
            extra["source"] = node.get("source")
        if node.get("group_id"):
            extra["group_id"] = _number(node.get("group_id"))
        rows.append({"frame": int(box.get("frame", "0")), "id": track_id,
                     "bbox": [float(box.get(k, 0)) for k in ("xtl", "ytl", "xbr", "ybr")],
                     "category": node.get("label") or None, "extra": extra})
    return rows


# --- writing --------------------------------------------------------------------------------

def _labels_for(meta: dict, splits: dict[str, list[dict]]) -> list[dict]:
    """The source's label specs (when it was CVAT), then every other category used."""
    labels = dict(meta.get("labels") or {})
    names = list(labels)
    names += [n for n in sorted(meta.get("categories") or {},
                                key=lambda n: meta["categories"][n].get("id", 0))
              if n not in labels]
    for entries in splits.values():
        for e in entries:
            ann = e["annotation"]
            names += [o["category"] for o in ann.get("objects") or []]
            names += [t["category"] for t in ann.get("tracks") or [] if t.get("category")]
            names += [t["label"] for t in (ann.get("extra") or {}).get("tags") or []]
    return [labels.get(n, {"name": n}) for n in dict.fromkeys(names) if n]


def cvat_xml(entries: list[dict], labels: list[dict], subset: str) -> str:
    """CVAT 1.1 XML of one split: images with their shapes, or clips' tracks."""
    root = ET.Element("annotations")
    ET.SubElement(root, "version").text = "1.1"
    meta = ET.SubElement(root, "meta")
    task = ET.SubElement(meta, "task")
    ET.SubElement(task, "name").text = subset
    ET.SubElement(task, "size").text = str(len(entries))
    video = any("tracks" in e["annotation"] for e in entries)
    ET.SubElement(task, "mode").text = "interpolation" if video else "annotation"
    _write_labels(ET.SubElement(task, "labels"), labels)
    if video:
        entry = entries[0]
        ET.SubElement(task, "source").text = entry["file"]
        _write_tracks(root, entry["annotation"])
    else:
        ET.SubElement(task, "subsets").text = subset
        for index, entry in enumerate(entries):
            _write_image(root, index, entry, subset)
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, "unicode") + "\n"


def _write_labels(parent, labels: list[dict]) -> None:
    for spec in labels:
        node = ET.SubElement(parent, "label")
        ET.SubElement(node, "name").text = spec["name"]
        for key in ("color", "type"):
            if spec.get(key):
                ET.SubElement(node, key).text = spec[key]
        attributes = ET.SubElement(node, "attributes")
        for attribute in spec.get("attributes") or []:
            a = ET.SubElement(attributes, "attribute")
            for key, value in attribute.items():
                ET.SubElement(a, key).text = value


def _fmt(value: float) -> str:
    return f"{float(value):.2f}"


def _common(node, obj: dict) -> None:
    extra = obj.get("extra") or {}
    node.set("label", obj["category"])
    node.set("source", str(extra.get("source", "manual")))
    node.set("occluded", str(int(extra.get("occluded", 0) or 0)))
    node.set("z_order", str(extra.get("z_order", 0)))
    if extra.get("group_id") not in (None, 0, "0"):
        node.set("group_id", str(extra["group_id"]))
    for name, value in (extra.get("attributes") or {}).items():
        ET.SubElement(node, "attribute", name=str(name)).text = str(value)


def _write_image(root, index: int, entry: dict, subset: str) -> None:
    ann = entry["annotation"]
    width, height = ann.get("width"), ann.get("height")
    node = ET.SubElement(root, "image", id=str(index),
                         name=PurePosixPath(entry["file"]).name, subset=subset,
                         width=str(width), height=str(height))
    for obj in ann.get("objects") or []:
        _write_object(node, obj, width, height)
    for tag in (ann.get("extra") or {}).get("tags") or []:
        t = ET.SubElement(node, "tag", label=tag["label"], source=tag.get("source", "manual"))
        for name, value in (tag.get("attributes") or {}).items():
            ET.SubElement(t, "attribute", name=str(name)).text = str(value)


def densified(points: np.ndarray) -> list[list[float]]:
    """A polyline's vertices (v = 2) with points every DENSE_PX along its segments between
    them (v = 1), as keypoints: where the frame cuts the line, the last point that stays
    inside marks the cut (within DENSE_PX) once the points have moved."""
    out = [[float(points[0][0]), float(points[0][1]), 2]]
    for a, b in zip(points[:-1], points[1:]):
        steps = int(np.hypot(*(b - a)) // DENSE_PX)
        for k in range(1, steps + 1):
            x, y = a + (b - a) * k / (steps + 1)
            out.append([round(float(x), 3), round(float(y), 3), 1])
        out.append([float(b[0]), float(b[1]), 2])
    return out


def polyline_pieces(keypoints: list) -> list[list[tuple[float, float]]]:
    """The visible pieces of a moved polyline (keypoints as `densified` made them, those
    outside the frame at v = 0): each run of visible points as its end points and the
    vertices between; a run of one point is no line."""
    pieces, run = [], []
    for kp in [*keypoints, [0.0, 0.0, 0]]:
        if len(kp) < 3 or kp[2] > 0:
            run.append(kp)
            continue
        if len(run) >= 2:
            inner = [(k[0], k[1]) for k in run[1:-1] if len(k) < 3 or k[2] >= 2]
            pieces.append([(run[0][0], run[0][1]), *inner, (run[-1][0], run[-1][1])])
        run = []
    return pieces


def _write_object(parent, obj: dict, width, height) -> None:
    shape = (obj.get("extra") or {}).get("shape")
    if obj.get("keypoints") and shape == "polyline":
        for piece in polyline_pieces(obj["keypoints"]):  # the frame may cut it in several
            node = ET.SubElement(parent, "polyline")
            node.set("points", ";".join(f"{_fmt(x)},{_fmt(y)}" for x, y in piece))
            _common(node, _without(obj, "shape"))
        return
    if obj.get("keypoints") and shape == "points":
        visible = [kp for kp in obj["keypoints"] if len(kp) < 3 or kp[2] > 0]
        if not visible:
            return
        node = ET.SubElement(parent, shape)
        node.set("points", ";".join(f"{_fmt(x)},{_fmt(y)}" for x, y, *_ in visible))
    elif obj.get("keypoints") and not obj.get("polygons") and not obj.get("rle"):
        visible = [kp for kp in obj["keypoints"] if len(kp) < 3 or kp[2] > 0]
        _write_box(parent, obj)
        if visible:  # COCO-style keypoints of a box: a <points> shape beside it
            node = ET.SubElement(parent, "points")
            node.set("points", ";".join(f"{_fmt(x)},{_fmt(y)}" for x, y, *_ in visible))
        else:
            return
    elif obj.get("polygons"):
        for polygon in obj["polygons"]:
            node = ET.SubElement(parent, "polygon")
            pts = np.asarray(polygon, np.float64).reshape(-1, 2)
            node.set("points", ";".join(f"{_fmt(x)},{_fmt(y)}" for x, y in pts))
            _common(node, _without(obj, "shape", "rotated_box_deg", "ellipse"))
        return
    elif obj.get("rle"):
        found = rle_to_cvat_mask(obj["rle"])
        if found is None:
            return
        text, left, top, w, h = found
        node = ET.SubElement(parent, "mask", rle=text, left=str(left), top=str(top),
                             width=str(w), height=str(h))
    else:
        _write_box(parent, obj)
        return
    _common(node, _without(obj, "shape"))


def _write_box(parent, obj: dict) -> None:
    x0, y0, x1, y1 = obj["bbox"]
    node = ET.SubElement(parent, "box", xtl=_fmt(x0), ytl=_fmt(y0), xbr=_fmt(x1), ybr=_fmt(y1))
    _common(node, _without(obj, "shape"))


def _without(obj: dict, *keys: str) -> dict:
    return {**obj, "extra": {k: v for k, v in (obj.get("extra") or {}).items()
                             if k not in keys}}


def _write_tracks(root, annotation: dict) -> None:
    by_id: dict = {}
    for t in annotation.get("tracks") or []:
        by_id.setdefault(t["id"], []).append(t)
    for index, (_, rows) in enumerate(sorted(by_id.items())):
        rows.sort(key=lambda t: t["frame"])
        extra0 = rows[0].get("extra") or {}
        node = ET.SubElement(root, "track", id=str(index), label=rows[0].get("category")
                             or "object", source=str(extra0.get("source", "manual")))
        if extra0.get("group_id"):
            node.set("group_id", str(extra0["group_id"]))
        for k, row in enumerate(rows):
            _track_box(node, row, outside=False,
                       keyframe=k == 0 or rows[k - 1]["frame"] != row["frame"] - 1
                       or bool((row.get("extra") or {}).get("keyframe")))
            following = rows[k + 1]["frame"] if k + 1 < len(rows) else None
            if following != row["frame"] + 1:  # the object leaves after this frame
                _track_box(node, {**row, "frame": row["frame"] + 1}, outside=True,
                           keyframe=True)


def _track_box(parent, row: dict, *, outside: bool, keyframe: bool) -> None:
    extra = row.get("extra") or {}
    x0, y0, x1, y1 = row["bbox"]
    node = ET.SubElement(parent, "box", frame=str(row["frame"]), keyframe=str(int(keyframe)),
                         outside=str(int(outside)), occluded=str(int(extra.get("occluded", 0)
                                                                     or 0)),
                         xtl=_fmt(x0), ytl=_fmt(y0), xbr=_fmt(x1), ybr=_fmt(y1),
                         z_order=str(extra.get("z_order", 0)))
    for name, value in (extra.get("attributes") or {}).items():
        ET.SubElement(node, "attribute", name=str(name)).text = str(value)


LAYOUT = CvatLayout()
