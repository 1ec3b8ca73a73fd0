"""YOLO labels in the two layouts users have:

- Ultralytics: `data.yaml` (names), `images/<split>/...` and `labels/<split>/*.txt`; lines
  `cls cx cy w h` (detect), `cls x1 y1 x2 y2 ...` (segment polygons) or
  `cls cx cy w h px py [pv] ...` (pose, `kpt_shape` in data.yaml).
- Darknet "YOLO 1.1" as CVAT and Datumaro export it: `obj.data`, `obj.names`,
  `obj_<subset>_data/` holding images and their .txt, `<subset>.txt` lists.

Coordinates are normalized; they become pixels in the worker, which knows the image size.
Out: Ultralytics (`images/<split>/`, `labels/<split>/`, `data.yaml` without `path:` so
Ultralytics finds the folders beside it from any working directory, and always with `train:`
and `val:`), or Darknet when the source was Darknet.
"""

from __future__ import annotations

import json
from pathlib import Path, PurePosixPath

from mediasynth.core.errors import ConfigError
from mediasynth.io.atomic import write_bytes_atomic
from mediasynth.io.layouts.base import (
    IMAGE_SUFFIXES,
    LayoutRead,
    media_files,
    name_below,
    normal_subset,
    rel,
    stratum,
)
from mediasynth.io.layouts.contract import LayoutBase
from mediasynth.io.layouts.media_links import place, split_images_path
from mediasynth.io.layouts.outlines import object_outline

YAMLS = ("data.yaml", "dataset.yaml")
SPLIT_KEYS = ("train", "val", "valid", "validation", "test")


def _read_yaml(path: Path) -> dict:
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: not readable YAML ({exc})") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: not a YOLO dataset YAML (no mapping at its top)")
    return data


def _names_from_yaml(data: dict) -> list[str]:
    names = data.get("names") or []
    if isinstance(names, dict):
        names = _indexed({int(k): v for k, v in names.items()})
    return [str(n) for n in names]


def _indexed(by_id: dict[int, str]) -> list[str]:
    """Names in id order; an id nothing names is named by its number."""
    return [str(by_id.get(i, i)) for i in range(max(by_id, default=-1) + 1)]


def _lines(path: Path) -> list[str]:
    return [line.strip() for line in path.read_text(encoding="utf-8-sig").splitlines()
            if line.strip()]


def _names_from_files(src: Path, result: LayoutRead) -> list[str]:
    """Class names from Label Studio's notes.json (category ids and names), obj.names or
    classes.txt (labelImg, Label Studio): the first that names any; all are consumed."""
    names: list[str] = []
    notes = src / "notes.json"
    if notes.is_file():
        result.consumed.add("notes.json")
        try:
            categories = json.loads(notes.read_text(encoding="utf-8")).get("categories") or []
            names = _indexed({int(c["id"]): str(c["name"]) for c in categories})
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise ConfigError(f"{notes}: not Label Studio's notes.json ({exc})") from None
    for name in ("obj.names", "classes.txt"):
        if (src / name).is_file():
            result.consumed.add(name)
            names = names or _lines(src / name)
    return names


def _beside_labels(src: Path) -> bool:
    """A labelImg folder: classes.txt, and images with their .txt beside them."""
    return (src / "classes.txt").is_file() and any(
        p.with_suffix(".txt").is_file() for p in media_files(src))


class YoloLayout(LayoutBase):
    name = "yolo"

    def detect(self, src: Path) -> list[str]:
        evidence = [n for n in (*YAMLS, "obj.data", "obj.names") if (src / n).is_file()]
        if (src / "labels").is_dir() and (src / "images").is_dir():
            evidence.append("labels/")
        if not evidence and _beside_labels(src):
            evidence.append("classes.txt")
        return evidence

    def media_folder(self, split: str | None, meta: dict) -> str:
        if meta.get("format") == "darknet":
            return f"obj_{split or 'default'}_data"
        return f"images/{split or 'default'}"

    def read(self, src: Path) -> LayoutRead:
        if (src / "obj.names").is_file() or (src / "obj.data").is_file():
            result = self._read_darknet(src)
        elif not any((src / n).is_file() for n in YAMLS) and not (src / "labels").is_dir() \
                and _beside_labels(src):
            result = self._read_beside(src)
        else:
            result = self._read_ultralytics(src)
        _name_every_id(result)
        return result

    def _read_ultralytics(self, src: Path) -> LayoutRead:
        yaml_path = next((src / n for n in YAMLS if (src / n).is_file()), None)
        data = _read_yaml(yaml_path) if yaml_path else {}
        result = LayoutRead(meta={"names": [], "kpt_shape": data.get("kpt_shape"),
                                  "format": "yolo"})
        names = _names_from_files(src, result)
        if yaml_path:
            result.consumed.add(rel(yaml_path, src))
            result.meta["yaml_name"] = yaml_path.name
            names = _names_from_yaml(data) or names
        result.meta["names"] = names
        declared = _yaml_subsets(src, yaml_path, data, result) if yaml_path else {}
        for image in _ultralytics_images(src, declared):
            key = rel(image, src)
            label_file = src / _label_of(key)
            self._add(src, result, key, label_file, names, result.meta["kpt_shape"],
                      name_below(key, rel(image.parent, src)),
                      declared.get(key) or _subset_of_path(key))
        for labels in (src / "labels", *sorted(src.glob("*/labels"))):
            _orphans(src, result, labels)
        return result

    def _read_darknet(self, src: Path) -> LayoutRead:
        result = LayoutRead(meta={"names": [], "kpt_shape": None, "format": "darknet"})
        names = _names_from_files(src, result)
        result.meta["names"] = names
        result.consumed |= {n for n in ("obj.names", "obj.data") if (src / n).is_file()}
        result.consumed |= {rel(p, src) for p in src.glob("*.txt")}
        folders = sorted(src.glob("obj_*_data"))
        listed = src / "images.txt"  # FiftyOne's YOLOv4: images.txt + data/ (labels beside)
        if folders:
            images = [(image, folder) for folder in folders for image in media_files(folder)]
        elif listed.is_file():
            images = []
            for line in _lines(listed):
                path = src / line
                if path.is_file():
                    images.append((path, path.parent))
                else:
                    result.missing.append(line)
        else:
            images = [(image, src / "data") for image in media_files(src / "data")]
        for image, folder in images:
            key = rel(image, src)
            subset = folder.name[4:-5] if folder.name.startswith("obj_") and \
                folder.name.endswith("_data") else None
            self._add(src, result, key, image.with_suffix(".txt"), names, None,
                      name_below(key, rel(folder, src)), normal_subset(subset))
        return result

    def _read_beside(self, src: Path) -> LayoutRead:
        result = LayoutRead(meta={"names": [], "kpt_shape": None, "format": "yolo"})
        names = _names_from_files(src, result)
        result.meta["names"] = names
        for image in media_files(src):
            key = rel(image, src)
            self._add(src, result, key, image.with_suffix(".txt"), names, None,
                      name_below(key, rel(image.parent, src)), None)
        return result

    def _add(self, src: Path, result: LayoutRead, key: str, label_file: Path, names: list,
             kpt_shape, name: str, subset: str | None = None) -> None:
        objects = []
        if label_file.is_file():
            result.consumed.add(rel(label_file, src))
            for number, line in enumerate(label_file.read_text(encoding="utf-8").splitlines(), 1):
                if line.strip():
                    objects.append(parse_line(line, names, kpt_shape, f"{label_file}:{number}"))
        annotation = {"normalized": True, "objects": objects}
        result.items[key] = {"label": stratum(annotation), "annotation": annotation,
                             "name": name, "subset": subset}

    def export(self, out: Path, splits: dict[str, list[dict]], meta: dict, *,
               primary: bool) -> list[str]:
        """Labels per split and the index (data.yaml, or Darknet's obj.* files). In the
        Ultralytics layout every image is in `images/<split>/` with its label at the same
        place under `labels/`: outputs kept elsewhere (a VOC source's `JPEGImages/`) are
        hard-linked there. A segment dataset has one polygon a line for every object (RLE
        traced, boxes as rectangles): Ultralytics refuses a file that mixes box lines and
        polygon lines."""
        names = list(meta.get("names") or [])
        for entries in splits.values():
            for entry in entries:
                for obj in entry["annotation"].get("objects", []):
                    if obj["category"] not in names:
                        names.append(obj["category"])
        written = []
        task = _task(splits)
        points = max((len(o.get("keypoints") or []) for e in sum(splits.values(), [])
                      for o in e["annotation"].get("objects", [])), default=0)
        meta = {**meta, "kpt_shape": [points, 3]} if task == "pose" else meta
        darknet = meta.get("format") == "darknet"
        for split, entries in sorted(splits.items()):
            for entry in entries:
                image = entry["file"] if darknet else split_images_path(entry["file"], split)
                if image != entry["file"]:
                    written.append(place(out, entry["file"], image))
                dest = _label_path(image, split, meta.get("format"))
                text = "".join(format_line(o, names, entry["annotation"], task, points) + "\n"
                               for o in entry["annotation"].get("objects", []))
                write_bytes_atomic(out / dest, text.encode())
                written.append(dest)
        written += self._write_index(out, splits, names, meta, task)
        return written

    def _write_index(self, out: Path, splits: dict, names: list, meta: dict, task: str
                     ) -> list[str]:
        import yaml

        if meta.get("format") == "darknet":
            write_bytes_atomic(out / "obj.names", "".join(n + "\n" for n in names).encode())
            lines = [f"classes = {len(names)}", "names = obj.names", "backup = backup/"]
            lines += [f"{s} = {s}.txt" for s in sorted(splits)]
            write_bytes_atomic(out / "obj.data", ("\n".join(lines) + "\n").encode())
            for split, entries in splits.items():
                listing = "".join(e["file"] + "\n" for e in entries)
                write_bytes_atomic(out / f"{split}.txt", listing.encode())
            return ["obj.names", "obj.data", *(f"{s}.txt" for s in sorted(splits))]
        keys, _ = split_keys(splits)
        data = {**{k: f"images/{s}" for k, s in keys.items()}, "names": dict(enumerate(names))}
        if task == "pose" and meta.get("kpt_shape"):
            data["kpt_shape"] = meta["kpt_shape"]
        dest = meta.get("yaml_name") or "data.yaml"  # FiftyOne imports the name it wrote
        write_bytes_atomic(out / dest, yaml.safe_dump(data, sort_keys=False).encode())
        return [dest]


def _label_of(image_rel: str) -> str:
    """Ultralytics' rule: the label of `.../images/...x.jpg` is `.../labels/...x.txt` (the
    last `images` folder becomes `labels`)."""
    parts = list(PurePosixPath(image_rel).parts)
    at = len(parts) - 2 - parts[-2::-1].index("images")
    parts[at] = "labels"
    return PurePosixPath(*parts).with_suffix(".txt").as_posix()


def _subset_of_path(image_rel: str) -> str | None:
    """images/<subset>/x.jpg or <subset>/images/x.jpg (Roboflow)."""
    parts = PurePosixPath(image_rel).parts
    if len(parts) > 2 and parts[0] == "images":
        return normal_subset(parts[1])
    if len(parts) > 2 and parts[1] == "images":
        return normal_subset(parts[0])
    return None


def _ultralytics_images(src: Path, declared: dict[str, str]) -> list[Path]:
    """Images below SRC's `images/` or a `<subset>/images/` (Roboflow), and those the YAML
    declares below an `images` folder."""
    found = set(media_files(src / "images"))
    for folder in sorted(src.iterdir()):
        if folder.is_dir() and not folder.name.startswith("."):
            found |= set(media_files(folder / "images"))
    found |= {src / key for key in declared
              if "images" in PurePosixPath(key).parts[:-1]}
    return sorted(found)


def _yaml_subsets(src: Path, yaml_path: Path, data: dict, result: LayoutRead
                  ) -> dict[str, str]:
    """{image (relative to SRC): subset} from the YAML's split keys: folders or .txt lists,
    relative to its `path` (or to the YAML's folder when `path` is elsewhere, as after a
    move)."""
    root = yaml_path.parent
    base = root / str(data.get("path") or ".")
    bases = [base, root] if base.is_dir() else [root]
    subsets: dict[str, str] = {}
    for key in SPLIT_KEYS:
        values = data.get(key)
        for value in values if isinstance(values, list) else [values] if values else []:
            target = next((b / str(value) for b in bases if (b / str(value)).exists()), None)
            if target is None or not target.resolve().is_relative_to(src.resolve()):
                continue  # a path outside SRC (the machine it was exported on) declares none
            subset = normal_subset(key)
            if target.is_dir():
                for image in media_files(target):
                    subsets.setdefault(rel(image, src), subset)
            elif target.suffix == ".txt":
                result.consumed.add(rel(target, src))
                for line in _lines(target):
                    image = next((b / line for b in (target.parent, *bases)
                                  if (b / line).is_file()), None)
                    if image is None or not image.resolve().is_relative_to(src.resolve()):
                        result.missing.append(line)
                    elif image.suffix.lower() in IMAGE_SUFFIXES:
                        subsets.setdefault(rel(image, src), subset)
    return subsets


def _orphans(src: Path, result: LayoutRead, labels: Path) -> None:
    """Label files under `labels` whose image is not in SRC: consumed, and counted missing."""
    if not labels.is_dir():
        return
    for path in sorted(labels.rglob("*.txt")):
        key = rel(path, src)
        if key not in result.consumed:
            result.consumed.add(key)
            result.missing.append(key)


def _name_every_id(result: LayoutRead) -> None:
    """Class ids are kept: an id no file names is named by its number (and said once), so an
    output never renumbers a class."""
    names = result.meta["names"]
    ids = {int(o["category"]) for item in result.items.values()
           for o in item["annotation"]["objects"] if o.get("unnamed")}
    for item in result.items.values():
        for obj in item["annotation"]["objects"]:
            obj.pop("unnamed", None)
    if not ids:
        return
    where = ("data.yaml names, notes.json, obj.names or classes.txt"
             if result.meta["format"] != "darknet" else "obj.names")
    if names:
        result.warnings.append(f"class ids {sorted(ids)} have no name in {where} (of "
                               f"{len(names)}); named by their number")
    else:
        result.warnings.append(f"no class names ({where}): classes are named by their ids "
                               f"0..{max(ids)}")
    result.meta["names"] = names + [str(i) for i in range(len(names), max(ids) + 1)]


def split_keys(splits: dict) -> tuple[dict[str, str], list[str]]:
    """data.yaml's split keys -> OUT's splits, and the warnings the choice needs.

    Ultralytics refuses a data.yaml without `train:` and `val:` and resolves them against
    the yaml's folder when `path:` is absent (so no `path:` is written: `path: .` would be
    the current directory). Without a val split, `val:` names the train images and a
    warning says so; other splits keep their own names (`test:`, `holdout:`)."""
    present = [s for s in splits if splits[s]]
    train = "train" if "train" in present else "default" if "default" in present else (
        sorted(present)[0] if present else "train")
    keys = {"train": train}
    warnings = []
    if "val" in present:
        keys["val"] = "val"
    else:
        keys["val"] = train
        if train == "default":
            warnings.append("no split was asked: data.yaml's val: is the training set "
                            f"(images/{train}); validation metrics will be on training images")
        else:
            warnings.append(f"the val split has no annotated outputs: data.yaml's val: names "
                            f"the training images (images/{train}); validation metrics will "
                            "be on training images")
    keys.update({s: s for s in sorted(present) if s not in keys.values()})
    return keys, warnings


def parse_line(line: str, names: list[str], kpt_shape, where: str) -> dict:
    """One label line as a normalized object."""
    parts = line.split()
    try:
        cls, values = int(parts[0]), [float(v) for v in parts[1:]]
    except (ValueError, IndexError):
        raise ConfigError(f"{where}: not a YOLO label line: {line.strip()!r}") from None
    if cls < 0:
        raise ConfigError(f"{where}: negative class id {cls}")
    category = names[cls] if cls < len(names) else str(cls)
    obj = _shape(category, values, kpt_shape, where)
    if cls >= len(names):
        obj["unnamed"] = True  # until the read names every id (see YoloLayout.read)
    return obj


def _shape(category: str, values: list[float], kpt_shape, where: str) -> dict:
    if kpt_shape:
        return _pose(category, values, kpt_shape)
    if len(values) == 4:
        cx, cy, w, h = values
        return {"category": category, "bbox": [cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2],
                "iscrowd": 0, "extra": {}}
    if len(values) < 6 or len(values) % 2:
        raise ConfigError(f"{where}: {len(values)} numbers after the class: neither a box (4) "
                          "nor a polygon (x y pairs); pose labels need kpt_shape in data.yaml")
    xs, ys = values[0::2], values[1::2]
    return {"category": category, "bbox": [min(xs), min(ys), max(xs), max(ys)],
            "polygons": [values], "iscrowd": 0, "extra": {}}


def _pose(category: str, values: list[float], kpt_shape) -> dict:
    cx, cy, w, h = values[:4]
    dims = int(kpt_shape[1]) if kpt_shape else 3
    rest = values[4:]
    points = [rest[i:i + dims] for i in range(0, len(rest), dims)]
    keypoints = [[p[0], p[1], int(p[2]) if dims == 3 else 2] for p in points]
    return {"category": category, "bbox": [cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2],
            "keypoints": keypoints, "iscrowd": 0, "extra": {}}


def _task(splits: dict[str, list[dict]]) -> str:
    objects = [o for entries in splits.values() for e in entries
               for o in e["annotation"].get("objects", [])]
    if any(o.get("keypoints") for o in objects):
        return "pose"
    if any(o.get("polygons") or o.get("rle") for o in objects):
        return "segment"
    return "detect"


def format_line(obj: dict, names: list[str], annotation: dict, task: str, points: int = 0
                ) -> str:
    """One object as a normalized YOLO line for `task` (detect | segment | pose). Segment
    lines are one polygon for every object (parts joined, RLE traced, a box as its
    rectangle); pose lines are padded with invisible points to `points` keypoints, as
    Ultralytics needs."""
    w, h = float(annotation["width"]), float(annotation["height"])
    x0, y0, x1, y1 = obj["bbox"]
    head = f"{names.index(obj['category'])}"
    if task == "segment":
        outline = object_outline(obj, w, h) / (w, h)
        return head + "".join(f" {x:.6f} {y:.6f}" for x, y in outline.clip(0.0, 1.0))
    box = (f"{(x0 + x1) / 2 / w:.6f} {(y0 + y1) / 2 / h:.6f} {(x1 - x0) / w:.6f} "
           f"{(y1 - y0) / h:.6f}")
    if task == "pose":
        kps = list(obj.get("keypoints") or [])
        kps += [[0.0, 0.0, 0]] * (points - len(kps))
        text = " ".join(f"{x / w:.6f} {y / h:.6f} {int(v)}" for x, y, v in kps)
        return f"{head} {box} {text}"
    return f"{head} {box}"


def _label_path(image_rel: str, split: str, fmt: str | None) -> str:
    path = Path(image_rel)
    if fmt == "darknet":
        return path.with_suffix(".txt").as_posix()
    parts = path.parts
    below = Path(*parts[2:]) if parts[:1] == ("images",) and len(parts) > 2 else Path(
        path.name)
    return (Path("labels") / split / below).with_suffix(".txt").as_posix()


LAYOUT = YoloLayout()
