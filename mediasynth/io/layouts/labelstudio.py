"""Label Studio's JSON export: a list of tasks, each with `data` naming its media
(`image`, `audio`, `video`, or the key the results' `to_name` gives) and `annotations`
(else `predictions`) holding `result` lists. A `*.json` file at SRC's top, in annotations/
or in labelstudio/ that is such a list is this layout.

Media paths are resolved from what Label Studio writes: `/data/local-files/?d=<path>`
(local storage), `/data/upload/<project>/<hash>-<name>` (uploads; the 8-hex prefix is
dropped), URLs and `s3://`/`gs://` keys (their path): relative to SRC, to the JSON's folder,
then by base name when one file under SRC has it. A task's first annotation that is not
cancelled is read (ground truth first); a task with others gets a warning naming them.

Results (coordinates in percent of `original_width`/`original_height`):
- `rectanglelabels` -> box (a `rotation` about the top-left corner, as Label Studio turns
  it, becomes the polygon of the corners); `polygonlabels` -> polygon; `ellipselabels` ->
  a 32-vertex polygon (its source values in `extra.labelstudio.ellipse`); `keypointlabels`
  -> one object with one keypoint; `brushlabels` -> RLE mask (its RGBA RLE decoded, see
  ls_brush.py); `choices` -> the task's class (`extra.choices`; a task without objects is
  stratified by its first choice; when no task has a region at all, outputs go to class
  folders of the first choice, as for a classification dataset);
- audio `labels` (`start`/`end` in seconds) -> events (the schema of events.py), retimed
  like event tables;
- `videorectangle` (keyframes of percent boxes; Label Studio interpolates linearly between
  enabled keyframes, an enabled last keyframe lasts to `framesCount`) -> per-frame tracks
  (video/tracks.py), moved and retimed like MOT tracks;
- `textarea`, `rating`, `taxonomy`, `number`, `datetime`, `pairwise` and `relation`
  results are image-level and passed through; any other region type is refused.
Result ids, `from_name`/`to_name`, `origin`, `score`, `meta` and extra labels travel in
each object's `extra.labelstudio`.

Out: `labelstudio/<split>.json` per split, tasks with `annotations` (or `predictions` when
the source had predictions), data paths as `/data/local-files/?d=<path in OUT>`: start
Label Studio with `LOCAL_FILES_SERVING_ENABLED=true` and
`LOCAL_FILES_DOCUMENT_ROOT=<OUT's absolute path>`, add a Local Storage whose path is OUT
(or a folder inside it) and import the JSON. Brush masks are re-encoded in Label Studio's
RLE; coordinates are percents of the output's size.
"""

from __future__ import annotations

import functools
import json
import math
import re
from pathlib import Path, PurePosixPath
from urllib.parse import parse_qs, quote, unquote, urlparse

import numpy as np

from mediasynth.core.errors import ConfigError
from mediasynth.io.atomic import write_bytes_atomic
from mediasynth.io.layouts import ls_brush
from mediasynth.io.layouts.base import LayoutRead, files_by_name, name_below, rel, stratum
from mediasynth.io.layouts.contract import LayoutBase
from mediasynth.io.layouts.shapes import ellipse_polygon
from mediasynth.io.sniff import extension_kind

MEDIA_KEYS = ("image", "audio", "video", "img", "url", "file")
PASSED_TYPES = {"textarea", "rating", "taxonomy", "number", "datetime", "pairwise",
                "relation"}
KEPT_FIELDS = ("id", "from_name", "to_name", "origin", "score", "meta", "parentID",
               "readonly", "hidden")
UPLOAD_PREFIX = re.compile(r"^[0-9a-f]{8}-")
LOCAL_FILES = "/data/local-files/?d="
HEAD_BYTES = 1 << 16


# --- finding the files ----------------------------------------------------------------------

def export_files(src: Path) -> list[Path]:
    """Label Studio JSON exports at SRC's top, in annotations/ or labelstudio/ (an OUT's)."""
    found = [p for folder in ("", "annotations/", "labelstudio/")
             for p in sorted(src.glob(f"{folder}*.json"))]
    return [p for p in found if p.is_file() and not p.name.startswith(".")
            and _looks_like_export(p) and isinstance(_tasks(p), list)]


def _looks_like_export(path: Path) -> bool:
    try:
        with open(path, "rb") as fh:
            head = fh.read(HEAD_BYTES)
    except OSError:
        return False
    head = head.lstrip(b"\xef\xbb\xbf").lstrip()
    return head.startswith(b"[") and any(k in head for k in (b'"data"', b'"annotations"',
                                                              b'"predictions"'))


def _tasks(path: Path) -> list[dict] | None:
    stat = path.stat()
    return _parsed(str(path), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=8)
def _parsed(path: str, _mtime_ns: int, _size: int) -> list[dict] | None:
    """The tasks of an export (None when the file is not one)."""
    try:
        with open(path, "rb") as fh:
            doc = json.loads(fh.read().decode("utf-8-sig"))
    except (OSError, ValueError):
        return None
    if not isinstance(doc, list) or not doc or not all(
            isinstance(t, dict) and isinstance(t.get("data"), dict) for t in doc):
        return None
    return doc


class _MediaLookup:
    def __init__(self, src: Path):
        self.src = src
        self.by_name = files_by_name(src)

    def find(self, json_path: Path, reference: str) -> Path | None:
        path = media_path(reference)
        if not path:
            return None
        root = self.src.resolve()
        for folder in (self.src, json_path.parent):
            candidate = folder / path
            if candidate.is_file() and candidate.resolve().is_relative_to(root):
                return candidate
        name = PurePosixPath(path).name
        for key in (name, UPLOAD_PREFIX.sub("", name)):
            same = self.by_name.get(key, [])
            if len(same) == 1:
                return same[0]
        return None


def media_path(reference: str) -> str:
    """The file path a task's data value names (see the module's docstring)."""
    parsed = urlparse(reference)
    query = parse_qs(parsed.query, errors="surrogateescape")  # as Label Studio (Django) reads
    if "d" in query and parsed.path.rstrip("/").endswith("/local-files"):
        path = query["d"][0]
    elif parsed.scheme in ("http", "https", "s3", "gs", "azure-blob", "file"):
        path = unquote(parsed.path)
    else:
        path = unquote(reference)
    return path.replace("\\", "/").lstrip("/")


# --- reading --------------------------------------------------------------------------------

class LabelStudioLayout(LayoutBase):
    name = "labelstudio"
    exports = ("objects", "events", "tracks")  # what an OUT of another layout can be written as

    def detect(self, src: Path) -> list[str]:
        return [rel(p, src) for p in export_files(src)]

    def media_folder(self, split: str | None, meta: dict) -> str:
        kinds = meta.get("kinds") or ["image"]
        folder = {"image": "images", "audio": "audio", "video": "videos"}.get(kinds[0]) \
            if len(kinds) == 1 else "media"
        return f"{folder}/{split or 'default'}"

    def read(self, src: Path) -> LayoutRead:
        result = LayoutRead(meta={"format": "labelstudio", "notes": []})
        lookup = _MediaLookup(src)
        kinds: set[str] = set()
        for json_path in export_files(src):
            result.consumed.add(rel(json_path, src))
            for index, task in enumerate(_tasks(json_path)):
                where = f"{rel(json_path, src)} task {task.get('id', index)}"
                key_name, reference = _media_reference(task, where)
                media = lookup.find(json_path, reference)
                if media is None:
                    result.missing.append(reference)
                    continue
                key = rel(media, src)
                if key in result.items:
                    continue
                kind = extension_kind(media.name) or "image"
                kinds.add(kind)
                results, origin = _chosen_results(task, where, result.meta["notes"])
                if origin == "predictions":
                    result.meta["target"] = "predictions"
                annotation, label = _annotation(task, key_name, kind, results, media, where)
                result.items[key] = {"label": label, "annotation": annotation,
                                     "name": name_below(key, rel(media.parent, src))}
        result.meta["kinds"] = sorted(kinds)
        if result.items and all(_classification_only(i) for i in result.items.values()):
            result.annotated = False  # choices only: outputs go to class folders
        return result

    def export(self, out: Path, splits: dict[str, list[dict]], meta: dict, *,
               primary: bool) -> list[str]:
        written = []
        target = meta.get("target", "annotations")
        for split, entries in sorted(splits.items()):
            tasks = [task_of(entry, index + 1, target, out) for index, entry in enumerate(entries)]
            dest = f"labelstudio/{split}.json"
            write_bytes_atomic(out / dest, (json.dumps(tasks, ensure_ascii=False,
                                                       separators=(",", ":")) + "\n").encode())
            written.append(dest)
        return written


def _classification_only(item: dict) -> bool:
    """An item whose task gives a class (choices) and no region at all."""
    ann = item["annotation"]
    return bool(item["label"]) and bool((ann.get("extra") or {}).get("choices")) and not (
        ann.get("objects") or ann.get("events") or ann.get("tracks"))


def _media_reference(task: dict, where: str) -> tuple[str, str]:
    """(data key, value) of the task's media."""
    data = task["data"]
    named = [r.get("to_name") for a in (task.get("annotations") or [])
             + (task.get("predictions") or []) if isinstance(a, dict)
             for r in a.get("result") or [] if isinstance(r, dict)]
    for key in [*named, *MEDIA_KEYS]:
        if isinstance(data.get(key), str) and data[key]:
            return key, data[key]
    for key, value in data.items():
        if isinstance(value, str) and extension_kind(PurePosixPath(media_path(value)).name):
            return key, value
    raise ConfigError(f"{where}: its data names no media file ({', '.join(data) or 'empty'})")


def _chosen_results(task: dict, where: str, notes: list[str]) -> tuple[list[dict], str]:
    for origin in ("annotations", "predictions"):
        kept = [a for a in task.get(origin) or [] if isinstance(a, dict)
                and not a.get("was_cancelled")]
        if kept:
            kept.sort(key=lambda a: not a.get("ground_truth"))
            if len(kept) > 1:
                notes.append(f"{where}: {len(kept)} {origin}, read the first "
                             f"(id {kept[0].get('id')}); ids {[a.get('id') for a in kept[1:]]}"
                             " not read")
            return [r for r in kept[0].get("result") or [] if isinstance(r, dict)], origin
    return [], "annotations"


def _labels(value: dict, kind: str) -> list[str]:
    labels = value.get(kind)
    if labels is None:
        labels = next((v for k, v in value.items() if k.endswith("labels")
                       and isinstance(v, list)), [])
    return [str(v) for v in labels]


def _kept(result: dict) -> dict:
    return {k: result[k] for k in KEPT_FIELDS if k in result}


def _annotation(task: dict, key_name: str, kind: str, results: list[dict], media: Path,
                where: str) -> tuple[dict, str | None]:
    """(annotation in the schema of the media's kind, the item's stratum)."""
    choices = [c for r in results if r.get("type") == "choices"
               for c in (r.get("value") or {}).get("choices") or []]
    passed = [r for r in results if r.get("type") in PASSED_TYPES or r.get("type") ==
              "choices"]
    extra = {"labelstudio": {"data_key": key_name, **{k: v for k, v in task.items()
                                                     if k in ("id", "meta")}}}
    if choices:
        extra["choices"] = [str(c) for c in choices]
    if passed:
        extra["labelstudio"]["results"] = passed
    regions = [r for r in results if r not in passed]
    if kind == "audio":
        events = [_event(r, where) for r in regions]
        annotation = {"events": events, "duration_s": None, "extra": extra}
        label = min((e["label"] for e in events), default=None)
        return annotation, label or (extra.get("choices") or [None])[0]
    if kind == "video":
        tracks = []
        for number, r in enumerate(regions, start=1):
            tracks += _video_track(r, number, media, where)
        annotation = {"tracks": tracks, "fps": None, "extra": extra}
        label = min((t["category"] for t in tracks if t["category"]), default=None)
        return annotation, label or (extra.get("choices") or [None])[0]
    sizes = [(r["original_width"], r["original_height"]) for r in regions
             if r.get("original_width") and r.get("original_height")]
    width, height = sizes[0] if sizes else (None, None)
    objects = [_object(r, width, height, where) for r in regions]
    annotation = {"width": width, "height": height, "objects": objects, "extra": extra}
    if width is None and objects:
        annotation["normalized"] = True
    return annotation, stratum(annotation, (extra.get("choices") or [None])[0])


def _scale(result: dict, width, height) -> tuple[float, float]:
    """Percent -> pixels (or fractions when the task gives no size)."""
    w = result.get("original_width") or width
    h = result.get("original_height") or height
    return ((w or 1) / 100.0, (h or 1) / 100.0)


def _object(result: dict, width, height, where: str) -> dict:
    kind, value = result.get("type", ""), result.get("value") or {}
    labels = _labels(value, kind)
    ls = _kept(result)
    if len(labels) > 1:
        ls["labels"] = labels
    obj = {"category": labels[0] if labels else "", "iscrowd": 0,
           "extra": {"labelstudio": ls}}
    if float(result.get("image_rotation") or 0) % 360:
        raise ConfigError(f"{where}: result {result.get('id')} was drawn on the image turned "
                          f"by {result['image_rotation']} degrees; its coordinates are not "
                          "the file's (reset the rotation in Label Studio and export again)")
    sx, sy = _scale(result, width, height)
    try:
        if kind == "rectanglelabels":
            x, y = float(value["x"]) * sx, float(value["y"]) * sy
            w, h = float(value["width"]) * sx, float(value["height"]) * sy
            angle = float(value.get("rotation") or 0)
            if angle % 360:
                a = math.radians(angle)
                c, s = math.cos(a), math.sin(a)
                corners = np.array([[0, 0], [w, 0], [w, h], [0, h]]) @ np.array(
                    [[c, s], [-s, c]]) + (x, y)
                obj["polygons"] = [corners.ravel().round(4).tolist()]
                obj["bbox"] = _bounds(corners)
                ls["rotation"] = angle
            else:
                obj["bbox"] = [x, y, x + w, y + h]
        elif kind == "polygonlabels":
            points = np.asarray(value["points"], np.float64).reshape(-1, 2) * (sx, sy)
            if len(points) < 3:
                raise ConfigError(f"{where}: a polygon with {len(points)} points")
            obj["polygons"] = [points.ravel().tolist()]
            obj["bbox"] = _bounds(points)
        elif kind == "keypointlabels":
            x, y = float(value["x"]) * sx, float(value["y"]) * sy
            obj["keypoints"] = [[x, y, 2]]
            pad = 0.5 if width else 0.005  # a point keeps an area: 1 px (or 1 %)
            obj["bbox"] = [x - pad, y - pad, x + pad, y + pad]
            if value.get("width") is not None:
                ls["width"] = value["width"]
        elif kind == "ellipselabels":
            points = ellipse_polygon(float(value["x"]) * sx, float(value["y"]) * sy,
                                     float(value["radiusX"]) * sx, float(value["radiusY"]) * sy,
                                     float(value.get("rotation") or 0))
            obj["polygons"] = [points.ravel().round(4).tolist()]
            obj["bbox"] = _bounds(points)
            ls["ellipse"] = {k: value[k] for k in ("x", "y", "radiusX", "radiusY")}
        elif kind == "brushlabels":
            obj["rle"], obj["bbox"] = _brush(result, value, where)
        else:
            raise ConfigError(f"{where}: Label Studio result type {kind!r} is not read "
                              "(read: rectanglelabels, polygonlabels, ellipselabels, "
                              "keypointlabels, brushlabels, choices, labels, videorectangle, "
                              f"{', '.join(sorted(PASSED_TYPES))})")
    except (KeyError, TypeError, ValueError) as exc:
        raise ConfigError(f"{where}: unreadable {kind} result ({exc})") from None
    return obj


def _brush(result: dict, value: dict, where: str) -> tuple[dict, list[float]]:
    from pycocotools import mask as mask_utils

    width, height = result.get("original_width"), result.get("original_height")
    if not (width and height) or value.get("format", "rle") != "rle" or "rle" not in value:
        raise ConfigError(f"{where}: a brush result needs format rle, rle, original_width "
                          "and original_height")
    try:
        mask = ls_brush.decode_mask(value["rle"], int(width), int(height))
    except ValueError as exc:
        raise ConfigError(f"{where}: {exc}") from None
    ys, xs = np.nonzero(mask)
    enc = mask_utils.encode(np.asfortranarray(mask.astype(np.uint8)))
    box = [float(xs.min()), float(ys.min()), float(xs.max()) + 1, float(ys.max()) + 1] \
        if len(xs) else [0.0, 0.0, 0.0, 0.0]
    return {"size": [int(height), int(width)], "counts": enc["counts"].decode()}, box


def _bounds(points: np.ndarray) -> list[float]:
    return [float(points[:, 0].min()), float(points[:, 1].min()),
            float(points[:, 0].max()), float(points[:, 1].max())]


def _event(result: dict, where: str) -> dict:
    value = result.get("value") or {}
    if result.get("type") != "labels" or "start" not in value or "end" not in value:
        raise ConfigError(f"{where}: audio result type {result.get('type')!r} is not read "
                          "(read: labels with start and end seconds, choices)")
    labels = _labels(value, "labels")
    ls = _kept(result)
    if len(labels) > 1:
        ls["labels"] = labels
    if value.get("channel") is not None:
        ls["channel"] = value["channel"]
    return {"label": labels[0] if labels else "", "onset_s": float(value["start"]),
            "offset_s": float(value["end"]), "labelstudio": ls}


def _video_track(result: dict, number: int, media: Path, where: str) -> list[dict]:
    """A videorectangle's keyframes as per-frame boxes (0-based frames, pixels)."""
    value = result.get("value") or {}
    if result.get("type") != "videorectangle":
        raise ConfigError(f"{where}: video result type {result.get('type')!r} is not read "
                          "(read: videorectangle, choices)")
    width, height = result.get("original_width"), result.get("original_height")
    if not (width and height):
        width, height = _frame_size(media)
    labels = _labels(value, "labels")
    keys = sorted(value.get("sequence") or [], key=lambda k: k["frame"])
    last = int(value.get("framesCount") or 0)
    ls = _kept(result)
    rows = []
    for k, key in enumerate(keys):
        nxt = keys[k + 1] if k + 1 < len(keys) else None
        start = int(key["frame"])
        if not key.get("enabled", True):
            end = start
        elif nxt is not None:
            end = int(nxt["frame"]) - 1
        else:
            end = max(last, start)
        for frame in range(start, end + 1):
            t = 0.0 if nxt is None or end == start else (frame - start) / (nxt["frame"] - start)
            box = [(1 - t) * float(key[c]) + t * float((nxt or key)[c])
                   for c in ("x", "y", "width", "height")]
            x, y, w, h = box[0] * width / 100, box[1] * height / 100, box[2] * width / 100, \
                box[3] * height / 100
            rows.append({"frame": frame - 1, "id": number, "bbox": [x, y, x + w, y + h],
                         "category": labels[0] if labels else None,
                         "extra": {"keyframe": int(frame == start), "labelstudio": ls}})
    return rows


def _frame_size(media: Path) -> tuple[int, int]:
    from mediasynth.io.ffmpeg import probe

    try:
        video = next(s for s in probe(media, first_frame=False, timestamps=False)["streams"]
                     if s["type"] == "video")
        return int(video["width"]), int(video["height"])
    except Exception as exc:  # noqa: BLE001 - any probe failure is one message
        raise ConfigError(f"{media}: cannot read its frame size for its videorectangle "
                          f"results ({exc})") from None


# --- writing --------------------------------------------------------------------------------

def task_of(entry: dict, task_id: int, target: str = "annotations",
            out: Path | None = None) -> dict:
    """One Label Studio task of an output {"file": path in OUT, "annotation": {...}}; a
    clip's frame size comes from its annotation, else from the file in `out`."""
    ann = entry["annotation"]
    if "tracks" in ann and not (ann.get("width") and ann.get("height")) and out is not None:
        width, height = _frame_size(out / entry["file"])
        ann = {**ann, "width": width, "height": height}
    extra = ann.get("extra") or {}
    ls = extra.get("labelstudio") or {}
    kind = "audio" if "events" in ann else "video" if "tracks" in ann else "image"
    data_key = ls.get("data_key", kind)
    results: list[dict] = []
    if kind == "image":
        for obj in ann.get("objects") or []:
            results += _image_results(obj, ann["width"], ann["height"], data_key, len(results))
    elif kind == "audio":
        for event in ann.get("events") or []:
            results.append(_audio_result(event, data_key, len(results)))
    else:
        results += _video_results(ann, data_key)
    kept_ids = {r["id"] for r in results}
    for r in ls.get("results") or []:
        if r.get("type") == "relation" and not {r.get("from_id"), r.get("to_id")} <= kept_ids:
            continue
        results.append(r)
    if extra.get("choices") and not any(r.get("type") == "choices" for r in results):
        results.append({"id": f"c{len(results)}", "type": "choices", "from_name": "choice",
                        "to_name": data_key, "value": {"choices": extra["choices"]}})
    task = {"id": task_id, "data": {data_key: local_files_url(entry["file"])},
            target: [{"id": task_id, "result": results, "ground_truth": False}]}
    if ls.get("meta"):
        task["meta"] = ls["meta"]
    return task


def local_files_url(path: str) -> str:
    """The URL Label Studio's local storage serves `path` (relative to its document root)
    at; the path is percent-encoded, as Label Studio decodes it."""
    return LOCAL_FILES + quote(path, safe="/", errors="surrogateescape")


def _region(obj_ls: dict, kind: str, data_key: str, index: int, labels: list[str],
            value: dict, label_key: str | None = None) -> dict:
    result = {"id": str(obj_ls.get("id") or f"r{index}"), "type": kind,
              "from_name": obj_ls.get("from_name", "label"),
              "to_name": obj_ls.get("to_name", data_key),
              "origin": obj_ls.get("origin", "manual"),
              "value": {**value, label_key or kind: obj_ls.get("labels") or labels}}
    for key in ("score", "meta", "parentID"):
        if key in obj_ls:
            result[key] = obj_ls[key]
    return result


def _image_results(obj: dict, width: int, height: int, data_key: str, index: int
                   ) -> list[dict]:
    ls = (obj.get("extra") or {}).get("labelstudio") or {}
    size = {"original_width": width, "original_height": height, "image_rotation": 0}
    px, py = 100.0 / width, 100.0 / height

    def region(kind: str, value: dict, n: int = 0) -> dict:
        own = ls if n == 0 else {k: v for k, v in ls.items() if k != "id"}
        return {**_region(own, kind, data_key, index + n, [obj["category"]], value), **size}

    if obj.get("rle"):
        from pycocotools import mask as mask_utils

        counts = obj["rle"]["counts"]
        mask = mask_utils.decode({"size": list(obj["rle"]["size"]), "counts":
                                  counts.encode() if isinstance(counts, str) else counts})
        return [region("brushlabels", {"format": "rle", "rle": ls_brush.encode_mask(mask)})]
    if obj.get("polygons"):
        return [region("polygonlabels", {"points": [[round(x * px, 4), round(y * py, 4)]
                                                    for x, y in np.asarray(p).reshape(-1, 2)],
                                         "closed": True}, n)
                for n, p in enumerate(obj["polygons"])]
    if obj.get("keypoints"):
        return [region("keypointlabels", {"x": round(k[0] * px, 4), "y": round(k[1] * py, 4),
                                          "width": ls.get("width", 0.5)}, n)
                for n, k in enumerate(kp for kp in obj["keypoints"]
                                      if len(kp) < 3 or kp[2] > 0)]
    x0, y0, x1, y1 = obj["bbox"]
    return [region("rectanglelabels", {"x": round(x0 * px, 4), "y": round(y0 * py, 4),
                                       "width": round((x1 - x0) * px, 4),
                                       "height": round((y1 - y0) * py, 4), "rotation": 0})]


def _audio_result(event: dict, data_key: str, index: int) -> dict:
    ls = event.get("labelstudio") or {}
    value = {"start": event["onset_s"], "end": event["offset_s"]}
    if "channel" in ls:
        value["channel"] = ls["channel"]
    return _region(ls, "labels", data_key, index, [event["label"]], value)


def _video_results(ann: dict, data_key: str) -> list[dict]:
    width, height = ann.get("width"), ann.get("height")
    by_id: dict = {}
    for t in ann.get("tracks") or []:
        by_id.setdefault(t["id"], []).append(t)
    results = []
    for index, (_, rows) in enumerate(sorted(by_id.items())):
        rows.sort(key=lambda t: t["frame"])
        sequence = []
        fps = ann.get("fps") or None
        for k, row in enumerate(rows):
            x0, y0, x1, y1 = row["bbox"]
            following = rows[k + 1]["frame"] if k + 1 < len(rows) else None
            key = {"frame": row["frame"] + 1, "enabled": following == row["frame"] + 1,
                   "rotation": 0, "x": round(x0 * 100 / width, 4),
                   "y": round(y0 * 100 / height, 4), "width": round((x1 - x0) * 100 / width, 4),
                   "height": round((y1 - y0) * 100 / height, 4)}
            if fps:
                key["time"] = round(row["frame"] / fps, 6)
            sequence.append(key)
        ls = (rows[0].get("extra") or {}).get("labelstudio") or {}
        results.append(_region(ls, "videorectangle", data_key, index,
                               [rows[0].get("category") or "object"], {"sequence": sequence},
                               label_key="labels"))
    return results


LAYOUT = LabelStudioLayout()
