"""Pascal VOC: `JPEGImages/`, `Annotations/<stem>.xml`, `ImageSets/Main/<subset>.txt`.

Boxes are 1-based inclusive pixel indices in VOC (xmin = 1 is the first column); they become
continuous coordinates [xmin - 1, xmax) and go back the same way. `difficult`, `truncated`,
`occluded`, `pose` and unknown object children are passed through. Out: the same layout.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from mediasynth.core.errors import ConfigError
from mediasynth.io.atomic import write_bytes_atomic
from mediasynth.layouts.base import LayoutRead, media_files, name_below, rel, stratum

KNOWN = {"name", "bndbox", "part", "attributes"}


class VocLayout:
    name = "voc"

    def detect(self, src: Path) -> list[str]:
        if (src / "Annotations").is_dir() and any((src / "Annotations").glob("*.xml")):
            return ["Annotations/*.xml"] + (["JPEGImages/"] if (src / "JPEGImages").is_dir()
                                            else [])
        return []

    def media_folder(self, split: str | None, meta: dict) -> str:
        return "JPEGImages"

    def read(self, src: Path) -> LayoutRead:
        result = LayoutRead(meta={"format": "voc", "subsets": {}})
        subsets = {}
        for listing in sorted((src / "ImageSets" / "Main").glob("*.txt")):
            result.consumed.add(rel(listing, src))
            if "_" not in listing.stem:  # class-wise lists (cat_train.txt) are not subsets
                for line in listing.read_text(encoding="utf-8").split():
                    subsets.setdefault(line, listing.stem)
        images = {p.stem: p for p in media_files(src / "JPEGImages")}
        for xml_path in sorted((src / "Annotations").glob("*.xml")):
            result.consumed.add(rel(xml_path, src))
            annotation, filename = parse_xml(xml_path)
            image = images.get(Path(filename).stem) or images.get(xml_path.stem)
            if image is None:
                result.missing.append(filename or xml_path.stem)
                continue
            key = rel(image, src)
            result.items[key] = {"label": stratum(annotation), "annotation": annotation,
                                 "name": name_below(key, "JPEGImages"),
                                 "subset": subsets.get(image.stem)}
        return result

    def export(self, out: Path, splits: dict[str, list[dict]], meta: dict, *,
               primary: bool) -> list[str]:
        written = []
        for split, entries in sorted(splits.items()):
            names = []
            for entry in entries:
                stem = Path(entry["file"]).stem
                dest = f"Annotations/{stem}.xml"
                write_bytes_atomic(out / dest, to_xml(entry, stem).encode())
                written.append(dest)
                names.append(stem)
            listing = f"ImageSets/Main/{split}.txt"
            write_bytes_atomic(out / listing, "".join(n + "\n" for n in names).encode())
            written.append(listing)
        return written


def parse_xml(path: Path) -> tuple[dict, str]:
    """(annotation, the <filename> it names)."""
    try:
        root = ET.parse(path).getroot()
    except (ET.ParseError, OSError) as exc:
        raise ConfigError(f"{path}: not a readable VOC XML ({exc})") from None
    size = root.find("size")
    width = int(float(size.findtext("width", "0"))) if size is not None else None
    height = int(float(size.findtext("height", "0"))) if size is not None else None
    objects = [_object(obj) for obj in root.findall("object")]
    return {"width": width or None, "height": height or None, "objects": objects,
            "extra": {"folder": root.findtext("folder")} if root.findtext("folder") else {}}, \
        root.findtext("filename", "")


def _object(node) -> dict:
    box = node.find("bndbox")
    coords = [float(box.findtext(k, "0")) for k in ("xmin", "ymin", "xmax", "ymax")]
    extra = {child.tag: (child.text or "").strip() for child in node
             if child.tag not in KNOWN and len(child) == 0}
    return {"category": node.findtext("name", "").strip(),
            "bbox": [coords[0] - 1, coords[1] - 1, coords[2], coords[3]],
            "iscrowd": 0, "extra": extra}


def to_xml(entry: dict, stem: str) -> str:
    ann = entry["annotation"]
    root = ET.Element("annotation")
    ET.SubElement(root, "folder").text = "JPEGImages"
    ET.SubElement(root, "filename").text = Path(entry["file"]).name
    size = ET.SubElement(root, "size")
    for key, value in (("width", ann["width"]), ("height", ann["height"]),
                       ("depth", ann.get("depth", 3))):
        ET.SubElement(size, key).text = str(value)
    for obj in ann.get("objects", []):
        node = ET.SubElement(root, "object")
        ET.SubElement(node, "name").text = obj["category"]
        for key, value in obj.get("extra", {}).items():
            ET.SubElement(node, key).text = str(value)
        box = ET.SubElement(node, "bndbox")
        x0, y0, x1, y1 = obj["bbox"]
        for key, value in (("xmin", round(x0) + 1), ("ymin", round(y0) + 1),
                           ("xmax", round(x1)), ("ymax", round(y1))):
            ET.SubElement(box, key).text = str(int(value))
    ET.indent(root)
    return ET.tostring(root, encoding="unicode") + "\n"


LAYOUT = VocLayout()
