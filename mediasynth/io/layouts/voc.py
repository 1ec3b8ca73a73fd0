"""Pascal VOC: `JPEGImages/`, `Annotations/<stem>.xml`, `ImageSets/Main/<subset>.txt`, and
the `labelmap.txt` CVAT and Datumaro write beside them (`name:r,g,b:parts:actions`, colour
and lists may be empty, `background` first).

Boxes are 1-based inclusive pixel indices in VOC (xmin = 1 is the first column); they become
continuous coordinates [xmin - 1, xmax) and go back the same way. Decimal coordinates
(`73.0`, as Datumaro and CVAT write by default) are continuous already and are taken as they
are; a source written so is written back so, which Datumaro's default VOC import reads
exactly (its `voc-one-based` mode reads the integer form). `difficult`, `truncated`,
`occluded`, `pose`, CVAT's `<attributes>` and unknown object children are passed through.
The annotations may also sit in `labels/*.xml` beside `data/` (FiftyOne's VOCDetectionDataset)
and the images in `images/` (Label Studio's VOC export); an XML's image is found by its
`<filename>` (or its own stem) in the image folder.
Out: the same layout (every image in `JPEGImages/`, linked there when the source kept it
elsewhere; `<depth>` the image's channels), with a `labelmap.txt` naming every class (the source's lines and
order kept, new classes after them): Datumaro's VOC import refuses classes that are not in
it, and without one it knows only the 20 VOC classes.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from mediasynth.core.errors import ConfigError
from mediasynth.io.atomic import write_bytes_atomic
from mediasynth.io.layouts.base import (
    LayoutRead,
    media_files,
    name_below,
    normal_subset,
    rel,
    stratum,
)
from mediasynth.io.layouts.contract import LayoutBase
from mediasynth.io.layouts.media_links import place

KNOWN = {"name", "bndbox", "part", "attributes"}
LABELMAP = "labelmap.txt"
BACKGROUND = "background"


def read_labelmap(path: Path) -> list[str]:
    """The lines of a labelmap.txt as `name:color:parts:actions` (comments dropped, missing
    fields added empty)."""
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            fields = (line.split(":") + ["", "", ""])[:4]
            lines.append(":".join(f.strip() for f in fields))
    return lines


def labelmap_text(lines: list[str], names: list[str]) -> str:
    """labelmap.txt: `background` first, the source's lines, then one `name:::` line for
    each class they do not name."""
    known = {line.split(":", 1)[0]: line for line in lines}
    ordered = [known.get(BACKGROUND, f"{BACKGROUND}:::")]
    ordered += [line for name, line in known.items() if name != BACKGROUND]
    ordered += [f"{n}:::" for n in dict.fromkeys(names) if n not in known and n != BACKGROUND]
    return "# label:color_rgb:parts:actions\n" + "".join(line + "\n" for line in ordered)


XML_FOLDERS = ("Annotations", "labels")
IMAGE_FOLDERS = ("JPEGImages", "images", "data")


def _folders(src: Path) -> tuple[str, str] | None:
    """(annotation folder, image folder) of a VOC tree, or None."""
    xml = next((f for f in XML_FOLDERS if (src / f).is_dir() and any((src / f).glob("*.xml"))),
               None)
    if xml is None:
        return None
    if xml == "labels" and not (src / "data").is_dir():
        return None  # labels/*.xml alone is no known VOC export
    images = next((f for f in IMAGE_FOLDERS if (src / f).is_dir()), IMAGE_FOLDERS[0])
    return xml, images


class VocLayout(LayoutBase):
    name = "voc"

    def detect(self, src: Path) -> list[str]:
        folders = _folders(src)
        if folders is None:
            return []
        xml, images = folders
        return [f"{xml}/*.xml"] + ([f"{images}/"] if (src / images).is_dir() else [])

    def media_folder(self, split: str | None, meta: dict) -> str:
        return "JPEGImages"

    def read(self, src: Path) -> LayoutRead:
        result = LayoutRead(meta={"format": "voc", "subsets": {}})
        if (src / LABELMAP).is_file():
            result.consumed.add(LABELMAP)
            lines = read_labelmap(src / LABELMAP)
            names = [line.split(":", 1)[0] for line in lines]
            result.meta["labelmap"] = lines
            result.meta["categories"] = {n: {"id": i, "name": n} for i, n in enumerate(
                (n for n in names if n != BACKGROUND), start=1)}
        subsets = {}
        for listing in sorted((src / "ImageSets" / "Main").glob("*.txt")):
            result.consumed.add(rel(listing, src))
            if "_" not in listing.stem:  # class-wise lists (cat_train.txt) are not subsets
                for line in listing.read_text(encoding="utf-8").split():
                    subsets.setdefault(line, normal_subset(listing.stem))
        xml_folder, image_folder = _folders(src) or (XML_FOLDERS[0], IMAGE_FOLDERS[0])
        files = media_files(src / image_folder)
        images = {p.stem: p for p in files}
        images.update({p.name: p for p in files})
        for xml_path in sorted((src / xml_folder).glob("*.xml")):
            result.consumed.add(rel(xml_path, src))
            annotation, filename, continuous = parse_xml(xml_path)
            if continuous:
                result.meta["coordinates"] = "continuous"
            image = images.get(Path(filename).name) or images.get(Path(filename).stem) or \
                images.get(xml_path.stem)
            if image is None:
                result.missing.append(filename or xml_path.stem)
                continue
            key = rel(image, src)
            result.items[key] = {"label": stratum(annotation), "annotation": annotation,
                                 "name": name_below(key, image_folder),
                                 "subset": subsets.get(image.stem)}
        return result

    def export(self, out: Path, splits: dict[str, list[dict]], meta: dict, *,
               primary: bool) -> list[str]:
        """Annotations/<id>.xml, ImageSets/Main/<split>.txt and labelmap.txt, with every
        image at JPEGImages/<id><suffix> as VOC readers (torchvision's VOCDetection,
        FiftyOne with data_path="JPEGImages", Datumaro) look for it: outputs kept elsewhere
        (`images/<split>/` of a COCO or YOLO source) are hard-linked there. Ids are file
        stems, made unique from the folders below when two outputs share a stem."""
        written = []
        continuous = meta.get("coordinates") == "continuous"
        ids = voc_ids([e["file"] for entries in splits.values() for e in entries])
        for split, entries in sorted(splits.items()):
            names = []
            for entry in entries:
                stem = ids[entry["file"]]
                image = f"JPEGImages/{stem}{Path(entry['file']).suffix}"
                if image != entry["file"]:
                    written.append(place(out, entry["file"], image))
                dest = f"Annotations/{stem}.xml"
                xml = to_xml({**entry, "file": image}, stem, continuous,
                             depth=image_depth(out / image))
                write_bytes_atomic(out / dest, xml.encode())
                written.append(dest)
                names.append(stem)
            listing = f"ImageSets/Main/{split}.txt"
            write_bytes_atomic(out / listing, "".join(n + "\n" for n in names).encode())
            written.append(listing)
        known = sorted(meta.get("categories") or {},
                       key=lambda n: (meta["categories"][n].get("id", 0), n))
        seen = [o["category"] for entries in splits.values() for e in entries
                for o in e["annotation"].get("objects", [])]
        write_bytes_atomic(out / LABELMAP, labelmap_text(
            list(meta.get("labelmap") or []), known + seen).encode())
        return [*written, LABELMAP]


def voc_ids(files: list[str]) -> dict[str, str]:
    """A VOC id for each output path: its stem, or, for stems two outputs share, its path
    below its first folder joined with "_" (and a counter if that is taken too)."""
    stems: dict[str, int] = {}
    for f in files:
        stems[Path(f).stem] = stems.get(Path(f).stem, 0) + 1
    ids, taken = {}, set()
    for f in files:
        path = Path(f)
        stem = path.stem
        if stems[stem] > 1:
            stem = "_".join((*path.parts[1:-1], stem)) if len(path.parts) > 2 else stem
        base, n = stem, 1
        while stem in taken:
            stem, n = f"{base}-{n}", n + 1
        taken.add(stem)
        ids[f] = stem
    return ids


def image_depth(path: Path) -> int:
    """VOC's <depth>: the image's channels (1 for grayscale, 3 for RGB and palette images,
    4 with alpha), read from its header."""
    from PIL import Image

    with Image.open(path) as image:
        if image.mode == "P":
            return 4 if "transparency" in image.info else 3
        return len(image.getbands())


def parse_xml(path: Path) -> tuple[dict, str, bool]:
    """(annotation, the <filename> it names, whether its boxes are decimal coordinates)."""
    try:
        root = ET.parse(path).getroot()
    except (ET.ParseError, OSError) as exc:
        raise ConfigError(f"{path}: not a readable VOC XML ({exc})") from None
    size = root.find("size")
    width = int(float(size.findtext("width", "0"))) if size is not None else None
    height = int(float(size.findtext("height", "0"))) if size is not None else None
    texts = [(box.findtext(k) or "0").strip() for box in root.iterfind("object/bndbox")
             for k in ("xmin", "ymin", "xmax", "ymax")]
    continuous = any("." in t or "e" in t.lower() for t in texts)
    objects = [_object(obj, continuous) for obj in root.findall("object")]
    return {"width": width or None, "height": height or None, "objects": objects,
            "extra": {"folder": root.findtext("folder")} if root.findtext("folder") else {}}, \
        root.findtext("filename", ""), continuous


def _object(node, continuous: bool = False) -> dict:
    box = node.find("bndbox")
    x0, y0, x1, y1 = [float(box.findtext(k, "0")) for k in ("xmin", "ymin", "xmax", "ymax")]
    if not continuous:  # 1-based indices; a 0 (0-based integers) stays the first column
        x0, y0 = max(x0 - 1, 0.0), max(y0 - 1, 0.0)
    extra = {child.tag: (child.text or "").strip() for child in node
             if child.tag not in KNOWN and len(child) == 0}
    attributes = {a.findtext("name", "").strip(): (a.findtext("value") or "").strip()
                  for a in node.iterfind("attributes/attribute") if a.findtext("name")}
    if attributes:
        extra["attributes"] = attributes
    return {"category": node.findtext("name", "").strip(),
            "bbox": [x0, y0, x1, y1],
            "iscrowd": 0, "extra": extra}


def to_xml(entry: dict, stem: str, continuous: bool = False, depth: int | None = None
           ) -> str:
    """One annotation XML; boxes as 1-based integer indices, or as decimal continuous
    coordinates (`continuous`); either way inside the image with xmax > xmin and
    ymax > ymin (torchvision's detectors refuse a box without width or height). `depth`
    (the image's channels) defaults to the annotation's, else 3."""
    ann = entry["annotation"]
    root = ET.Element("annotation")
    ET.SubElement(root, "folder").text = "JPEGImages"
    ET.SubElement(root, "filename").text = Path(entry["file"]).name
    size = ET.SubElement(root, "size")
    for key, value in (("width", ann["width"]), ("height", ann["height"]),
                       ("depth", depth or ann.get("depth", 3))):
        ET.SubElement(size, key).text = str(value)
    for obj in ann.get("objects", []):
        node = ET.SubElement(root, "object")
        ET.SubElement(node, "name").text = obj["category"]
        for key, value in obj.get("extra", {}).items():
            if key == "attributes" and isinstance(value, dict):
                attributes = ET.SubElement(node, "attributes")
                for name, item in value.items():
                    attribute = ET.SubElement(attributes, "attribute")
                    ET.SubElement(attribute, "name").text = str(name)
                    ET.SubElement(attribute, "value").text = str(item)
                continue
            ET.SubElement(node, key).text = str(value)
        box = ET.SubElement(node, "bndbox")
        for key, value in zip(("xmin", "ymin", "xmax", "ymax"),
                              _box(obj["bbox"], ann["width"], ann["height"], continuous)):
            ET.SubElement(box, key).text = str(value)
    ET.indent(root)
    return ET.tostring(root, encoding="unicode") + "\n"


def _box(bbox, width, height, continuous: bool) -> tuple:
    x0, y0, x1, y1 = bbox
    w, h = float(width or "inf"), float(height or "inf")
    x0, x1 = (min(max(v, 0.0), w) for v in (x0, x1))
    y0, y1 = (min(max(v, 0.0), h) for v in (y0, y1))
    if continuous:
        return tuple(round(v, 3) for v in (x0, y0, x1, y1))
    xmin, xmax = _span(x0, x1, w)
    ymin, ymax = _span(y0, y1, h)
    return xmin, ymin, xmax, ymax


def _span(lo: float, hi: float, size: float) -> tuple[int, int]:
    """1-based first and last pixel of [lo, hi), last > first: a span under two pixels
    becomes the two pixels around its centre (inside the image)."""
    first, last = round(lo) + 1, round(hi)
    if last <= first:
        first = max(round((lo + hi) / 2), 1)
        if size < float("inf"):
            first = min(first, max(int(size) - 1, 1))
        last = first + 1
    return first, last


LAYOUT = VocLayout()
