"""The items `mediasynth evaluate` trains and tests on, read from an OUT's manifest or from a
real test folder through the same discovery and layout readers `expand` uses.

An item is one media file with its class and the source it belongs to: an augmented
variant follows its source (learning curves draw sources, never single variants), a copied
original or a file read from SRC is its own source's real item, a generated item is its own
source.

Annotated datasets are classified region by region: every object of a detection layout
(COCO, YOLO, VOC, CVAT, Label Studio...) is the crop of its box (`Item.box`, pixels), every
event of an event table (DCASE `filename, onset, offset, event_label`) is the window of the
recording between its onset and offset (`Item.window_s`, seconds), with the object's
category or the event's label as its class. Regions follow their file's source. Boxes under
MIN_BOX_PX a side and windows under MIN_WINDOW_S are left out; overlapping events each get
their own window (which holds the other's sound too, as it does in the recording).
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from mediasynth.core.errors import ConfigError, MediasynthError
from mediasynth.engine import manifest as M
from mediasynth.engine.worker import file_sha256

REAL, AUGMENTED, GENERATED = "real", "augmented", "generated"


@dataclass(frozen=True)
class Item:
    path: Path
    cls: str
    source: str  # the group a learning-curve fraction draws (a source's key)
    origin: str  # REAL, AUGMENTED or GENERATED
    kind: str
    sha256: str | None = None
    name: str = ""  # how messages name it: its path under OUT or the test folder
    box: tuple[float, float, float, float] | None = None  # an object's crop, pixels x0 y0 x1 y1
    window_s: tuple[float, float] | None = None  # an event's window, seconds onset offset

    @property
    def key(self) -> tuple:
        """What its features are cached by: the file and the crop or window."""
        return (self.path, self.box, self.window_s)

    @property
    def whole_file(self) -> bool:
        """The item is its whole file (no object crop, no event window)."""
        return self.box is None and self.window_s is None


@dataclass
class OutItems:
    """What one OUT offers: its train items, its test originals and how it was made."""

    out: Path
    synthetic: bool  # made by `synth`: every item generated
    train: list[Item]
    test: list[Item]
    notes: list[str] = field(default_factory=list)


def _pipeline_dataset(out: Path) -> dict:
    import yaml

    path = out / "pipeline.yaml"
    if not path.is_file():
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return {}
    return data.get("dataset") or {} if isinstance(data, dict) else {}


def read_out(out: str | Path) -> OutItems:
    """The train and test items of OUT. MediasynthError when OUT is not a mediasynth OUT, is
    a webdataset OUT, was made with --augment-eval (its test split is not real), or when the
    real arm's originals are neither in OUT nor at SRC's recorded path unchanged."""
    out = Path(out)
    rows = [r for r in M.read_manifest(out) if r.get("status") == "ok" and r.get("output")]
    if not (out / M.MANIFEST).is_file():
        raise MediasynthError(f"{out} is not a mediasynth OUT (no {M.MANIFEST})")
    if not rows:
        raise MediasynthError(f"{out}/{M.MANIFEST} lists no finished output")
    if any("member" in r for r in rows):
        raise MediasynthError(f"{out} is a webdataset OUT (tar shards); evaluate reads folder "
                              "OUTs: expand again with --format folder")
    unlabelled = [r for r in rows if not r.get("class")]
    if unlabelled and all(_regions(r) is not None for r in unlabelled):
        return _read_region_out(out, rows)
    if unlabelled:
        raise MediasynthError(f"{len(unlabelled)} output(s) of {out} have no class (first: "
                              f"{unlabelled[0]['output']}) and no object or event annotation; "
                              "evaluate classifies files, object crops or event windows, so "
                              "every item needs a class")
    if all(r.get("source") is None for r in rows):
        train = [Item(out / r["output"], r["class"], f"generated:{r['id']}", GENERATED,
                      r["kind"], r.get("output_sha256"), r["output"]) for r in rows]
        return OutItems(out, True, train, [])
    if _pipeline_dataset(out).get("augment_eval"):
        raise MediasynthError(f"{out} was made with --augment-eval: its test split holds "
                              "augmented items, and a model must be scored on real ones. "
                              "Expand again without --augment-eval, or pass --test DIR")
    train_rows = [r for r in rows if r.get("split") in ("train", None)]
    test = [Item(out / r["output"], r["class"], r["source"], REAL, r["kind"],
                 r.get("source_sha256") or r.get("output_sha256"), r["output"])
            for r in rows if r.get("split") == "test" and _is_original(r)]
    train = [Item(out / r["output"], r["class"], r["source"],
                  REAL if _is_original(r) else AUGMENTED, r["kind"], r.get("output_sha256"),
                  r["output"])
             for r in train_rows]
    train += _originals_from_src(out, train_rows, {i.source for i in train if i.origin == REAL})
    return OutItems(out, False, train, test)


MIN_BOX_PX = 2.0
MIN_WINDOW_S = 0.02


def _regions(row: dict) -> list[dict] | None:
    """The regions of an annotated row (object boxes in pixels, event windows in seconds);
    None when the row has neither objects nor events."""
    annotation = row.get("annotation")
    if not isinstance(annotation, dict):
        return None
    if "objects" in annotation:
        return object_boxes(annotation)
    if "events" in annotation:
        return event_windows(annotation)
    return None


def regions(annotation: dict | None) -> list[dict]:
    """`object_boxes` or `event_windows` of an annotation, whichever it holds ([] for none)."""
    if not isinstance(annotation, dict):
        return []
    if "objects" in annotation:
        return object_boxes(annotation)
    return event_windows(annotation) if "events" in annotation else []


def object_boxes(annotation: dict) -> list[dict]:
    """[{"category", "box": (x0, y0, x1, y1) in pixels}] of an annotation (normalised
    coordinates scaled by its width and height); boxes under MIN_BOX_PX a side are left
    out."""
    scale_x = scale_y = 1.0
    if annotation.get("normalized"):
        scale_x, scale_y = float(annotation["width"]), float(annotation["height"])
    out = []
    for obj in annotation.get("objects") or []:
        x0, y0, x1, y1 = (float(v) for v in obj["bbox"])
        box = (x0 * scale_x, y0 * scale_y, x1 * scale_x, y1 * scale_y)
        if box[2] - box[0] >= MIN_BOX_PX and box[3] - box[1] >= MIN_BOX_PX \
                and obj.get("category"):
            out.append({"category": str(obj["category"]), "box": box})
    return out


def event_windows(annotation: dict) -> list[dict]:
    """[{"category", "window_s": (onset, offset)}] of an event annotation ({"events":
    [{"label", "onset_s", "offset_s"}]}); events without a label or shorter than
    MIN_WINDOW_S are left out."""
    out = []
    for event in annotation.get("events") or []:
        label = event.get("label")
        try:
            onset, offset = float(event["onset_s"]), float(event["offset_s"])
        except (KeyError, TypeError, ValueError):
            continue
        if label and offset - max(onset, 0.0) >= MIN_WINDOW_S:
            out.append({"category": str(label), "window_s": (max(onset, 0.0), offset)})
    return out


def region_name(name: str, region: dict) -> str:
    """How messages name a region: `file#x0,y0,x1,y1` (a box) or `file@onset-offset s`."""
    if "box" in region:
        return f"{name}#{','.join(f'{v:g}' for v in region['box'])}"
    onset, offset = region["window_s"]
    return f"{name}@{onset:g}-{offset:g}s"


def region_item(path: Path, region: dict, source: str, origin: str, kind: str,
                sha256: str | None, name: str) -> Item:
    return Item(path, region["category"], source, origin, kind, sha256,
                region_name(name, region), region.get("box"), region.get("window_s"))


def _read_region_out(out: Path, rows: list[dict]) -> OutItems:
    """An annotated OUT (COCO/YOLO/VOC... objects, or event tables): every object's box crop
    and every event's window is an item of its category; a region follows its row's source.
    The real arm needs the copied originals (--keep-originals): their annotation is in OUT.
    A synth OUT's regions are generated items, whatever their split."""
    events = any("events" in (r.get("annotation") or {}) for r in rows)
    what = ("event table: every event's window is classified" if events else
            "annotated dataset: every object's box crop is classified")
    if all(r.get("source") is None for r in rows):
        train = [region_item(out / r["output"], region, f"generated:{r['id']}", GENERATED,
                             r["kind"], r.get("output_sha256"), r["output"])
                 for r in rows for region in _regions(r) or []]
        return OutItems(out, True, train, [], [what])
    if _pipeline_dataset(out).get("augment_eval"):
        raise MediasynthError(f"{out} was made with --augment-eval: its test split holds "
                              "augmented items; expand again without it, or pass --test DIR")
    train, test = [], []
    for r in rows:
        if r.get("split") not in ("train", "test", None):
            continue
        original = _is_original(r)
        if r.get("split") == "test" and not original:
            continue
        origin = REAL if original else AUGMENTED
        items = [region_item(out / r["output"], region, r["source"], origin, r["kind"],
                             r.get("output_sha256"), r["output"])
                 for region in _regions(r) or []]
        (test if r.get("split") == "test" else train).extend(items)
    if train and not any(i.origin == REAL for i in train):
        raise MediasynthError(f"the real arm of an annotated OUT needs its originals with "
                              f"their annotations: expand with --keep-originals ({out})")
    return OutItems(out, False, train, test, [what])


def _is_original(row: dict) -> bool:
    return row.get("variant") in (-1, None) and not row.get("mix")


def _originals_from_src(out: Path, rows: list[dict], have: set[str]) -> list[Item]:
    """The real items of train sources whose originals OUT does not hold, read from SRC."""
    needed: dict[str, dict] = {}
    for r in rows:
        if r["source"] not in have:
            needed.setdefault(r["source"], r)
    if not needed:
        return []
    try:
        src = Path(json.loads((out / "run.json").read_text())["src"])
    except (OSError, ValueError, KeyError):
        src = None
    how = ("expand with --keep-originals, or keep SRC at its recorded path "
           f"({src})" if src else "expand with --keep-originals")
    items = []
    for source, r in sorted(needed.items()):
        path = src / source if src else None
        if path is None or not path.is_file():
            raise MediasynthError(f"the real arm needs the train originals, and {source} is "
                                  f"neither in {out} nor in SRC: {how}")
        if r.get("source_sha256") and file_sha256(path) != r["source_sha256"]:
            raise MediasynthError(f"{path} changed since {out} was made (sha256 differs): the "
                                  f"real arm would not be the data the variants came from; {how}")
        items.append(Item(path, r["class"], source, REAL, r["kind"], r.get("source_sha256"),
                          f"SRC/{source}"))
    return items


def read_test_folder(folder: str | Path) -> tuple[list[Item], list[dict]]:
    """The items of a real test folder (class folders, a labels table, or an annotated
    layout whose objects' box crops are the items), and a reason row for every file that
    cannot be used."""
    from mediasynth.engine.sources import find_sources

    folder = Path(folder)
    if not folder.is_dir():
        raise ConfigError(f"--test {folder}: not a folder")
    sources = find_sources(folder, folder / ".mediasynth-evaluate-none")
    items, skipped = [], []
    for f in sources.found:
        if f.kind is None:
            continue
        if f.problem:
            skipped.append({"path": f.rel_path, "code": f.problem[0], "message": f.problem[1]})
        elif sources.read.annotated:
            found = regions((f.info or {}).get("annotation"))
            if not found:
                skipped.append({"path": f.rel_path, "code": "unlabelled",
                                "message": "no object box or event window to classify"})
            items += [region_item(f.path, region, f"test:{f.rel_path}", REAL, f.kind, None,
                                  f.rel_path) for region in found]
        elif not f.class_name:
            skipped.append({"path": f.rel_path, "code": "unlabelled",
                            "message": "not inside a class folder"})
        else:
            items.append(Item(f.path, f.class_name, f"test:{f.rel_path}", REAL, f.kind,
                              name=f.rel_path))
    if not items:
        raise MediasynthError(f"--test {folder}: no labelled media found")
    return items, skipped


def test_fingerprint(items: list[Item]) -> str:
    """sha256 over the test items' sorted (content sha256, class): equal for two OUTs of the
    same SRC and split, whatever their output names."""
    keys = sorted(f"{i.sha256 or file_sha256(i.path)}\x00{i.cls}\x00{i.box}"
                  + (f"\x00{i.window_s}" if i.window_s is not None else "") for i in items)
    return hashlib.sha256("\n".join(keys).encode("utf-8", "surrogateescape")).hexdigest()


def class_counts(items: list[Item]) -> dict[str, int]:
    return dict(sorted(Counter(i.cls for i in items).items()))


def single_kind(items: list[Item]) -> str:
    kinds = sorted({i.kind for i in items})
    if len(kinds) != 1:
        raise MediasynthError(f"evaluate takes one media kind at a time; found {', '.join(kinds)}")
    return kinds[0]
