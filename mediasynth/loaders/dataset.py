"""`MediaDataset`: a map-style dataset that reads media and augments it on the fly.

Randomness is a pure function of (seed, epoch, index): every item of every epoch gets its own
generator from `SeedSequence(seed, spawn_key=(epoch, index))`. Nothing depends on a global or
per-worker random state, so DataLoader workers cannot repeat each other's augmentations
(pytorch #5059), epochs differ, and a rerun reproduces every epoch exactly.
"""

from __future__ import annotations

import csv
import json
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from mediasynth.core import modality, output_format
from mediasynth.core.errors import MediaError, MediasynthError


@dataclass(frozen=True)
class Item:
    path: str
    label: str  # "" for an annotated image (its objects carry the labels)
    kind: str
    annotation: dict | None = None
    soft_labels: dict | None = None  # {class: share} of an output mixed from several classes


class MediaDataset:
    """Map-style dataset over media files with labels.

    Args:
        root_or_manifest: a class-folder tree (`root/<class>/...`), an expanded OUT folder
            (read through its labels.csv), a manifest.jsonl/labels.csv path, or a list of
            (path, label) pairs.
        pipeline: a Pipeline, the path of a pipeline YAML (or albumentations.save file), a
            bundled pipeline name ("image_classification"), or None (no augmentation).
        split: keep only this split (for an expanded OUT).
        fold: with an OUT made with `--folds K`, serve fold `fold` (0..K-1) of the
            cross-validation: split="train" gives every train row of the other folds
            (variants and originals), split="val" the originals of this fold.
        kinds: media kinds to include (default: every registered modality).
        seed: root seed; call `set_epoch(e)` before each epoch.
        on_error: "raise" (MediaError naming the file) or "skip" (warn and return the next
            readable item, with that item's own label).
        return_record: include the applied operations (`record`) in each sample.
        clip_frames / clip_stride: for video, the number of frames returned and the step
            between them (a random start per item, in the clip after its temporal edits).
        clip_audio: video samples also carry the soundtrack under their frames.
        budgets: input limits (defaults of the pipeline, or mediasynth's).
        instance_masks: annotated images also return "masks", (N, H, W) uint8.
        mode: the pixel mode every image is converted to when read, before the pipeline,
            as Pillow's `convert` makes it (image/modes.py): "RGB" (default, as
            torchvision's ImageFolder: gray, gray + alpha, palette, RGBA, CMYK and 16-bit
            files all become (H, W, 3) uint8, alpha dropped), "L" ((H, W, 1) uint8 luma),
            "RGBA" ((H, W, 4) uint8), or None (what the file holds: 1, 3 or 4 channels,
            uint8/uint16/float32; such a folder may not stack into one batch).

    Video items go through the whole video section of the pipeline (temporal edits, frame
    chain, audio chain) as `mediasynth expand` renders them (video.clips.read_clip): the
    same generator gives the same frames, and a sample's record replays to them.

    Each sample is a dict: "image" (H x W x C in `mode`) or "audio" ((C, N)
    float32) + "sample_rate" or "video" ((T, H, W, C) uint8) + "fps" + "frame_indices"
    (positions in the edited clip) [+ "audio" ((C, N) float32, (1, 0) for a clip without
    sound) + "sample_rate" with clip_audio]; plus "label" (int; -1 for annotated images),
    "class" (str), "path", "index" and optionally "record". Annotated images (an annotated
    source layout such as COCO/YOLO/VOC/mask pairs, or an expanded OUT of one) also carry
    their moved targets: "boxes", "labels" (indexes into `categories`), "keypoints", "mask",
    "masks" (see image/samples.py). When some output of an OUT was mixed from several classes
    (`partners_from: any_class`), every sample also has "soft_label": shares over `classes`.
    """

    def __init__(self, root_or_manifest, pipeline=None, *, split: str | None = None,
                 fold: int | None = None,
                 kinds: tuple[str, ...] | None = None, seed: int = 0, on_error: str = "raise",
                 return_record: bool = False, clip_frames: int = 8, clip_stride: int = 2,
                 clip_audio: bool = False, budgets=None, instance_masks: bool = False,
                 mode: str | None = "RGB"):
        if on_error not in ("raise", "skip"):
            raise ValueError("on_error must be 'raise' or 'skip'")
        from mediasynth.image.modes import check_mode

        self.mode = check_mode(mode)
        self.pipeline = _load_pipeline(pipeline)
        if fold is not None and split not in ("train", "val"):
            raise ValueError("fold= needs split='train' or split='val'")
        self.items = _items(root_or_manifest, split=split, fold=fold,
                            kinds=tuple(kinds) if kinds else modality.kinds())
        self.classes = sorted({item.label for item in self.items if item.label}
                              | {c for item in self.items for c in (item.soft_labels or {})})
        from mediasynth.loaders.targets import category_names

        self.categories = category_names([i.annotation for i in self.items])
        self.instance_masks = bool(instance_masks)
        self.class_to_idx = {name: i for i, name in enumerate(self.classes)}
        self.seed = int(seed)
        self.epoch = 0
        self.on_error = on_error
        self.return_record = return_record
        self.clip_frames = int(clip_frames)
        self.clip_stride = int(clip_stride)
        self.clip_audio = bool(clip_audio)
        if budgets is None:
            from mediasynth.core.config import Budgets

            budgets = self.pipeline.budgets if self.pipeline is not None else Budgets()
        self.budgets = budgets

    @property
    def soft(self) -> bool:
        """Whether samples carry "soft_label" (some item was mixed from several classes);
        worked out once per item list (it was a walk over every item per sample)."""
        cached = getattr(self, "_soft", None)
        if cached is None or cached[0] is not self.items:
            cached = (self.items, any(item.soft_labels for item in self.items))
            self._soft = cached
        return cached[1]

    def _soft_label(self, item: Item) -> np.ndarray:
        """The item's label as shares over `classes` (one-hot for an unmixed item)."""
        vector = np.zeros(len(self.classes), np.float32)
        for cls, share in (item.soft_labels or {item.label: 1.0}).items():
            if cls in self.class_to_idx:
                vector[self.class_to_idx[cls]] += share
        return vector

    def __len__(self) -> int:
        return len(self.items)

    def set_epoch(self, epoch: int) -> None:
        """Select the epoch whose augmentations `__getitem__` returns. (DataLoader workers get
        a fresh copy of the dataset per epoch unless persistent_workers=True.)"""
        self.epoch = int(epoch)

    def rng(self, index: int) -> np.random.Generator:
        """The generator of item `index` in the current epoch."""
        ss = np.random.SeedSequence(self.seed, spawn_key=(self.epoch, int(index)))
        return np.random.Generator(np.random.PCG64(ss))

    def sample(self, index: int, *, rng: np.random.Generator | None = None,
               record: dict | None = None) -> dict[str, Any]:
        """Item `index` rendered from `rng` (default: the epoch's generator of the item)
        or replayed from `record` (a sample's "record", or the "record" of an expanded
        OUT's manifest row: with the row's record, the same pixels as `expand`'s output
        before encoding, see image/render.py; replaying a record is for image items, a
        ValueError for others). Errors are raised, never skipped."""
        from mediasynth.core.transform import OpRecord

        index = int(index) % len(self)
        if record is not None and self.items[index].kind != "image":
            raise ValueError(f"replaying a record is for image items, not "
                             f"{self.items[index].kind}")
        return self._load(index, rng=rng,
                          record=OpRecord.from_dict(record) if record is not None else None)

    def __getitem__(self, index: int) -> dict[str, Any]:
        if not -len(self) <= index < len(self):
            raise IndexError(index)
        index %= len(self)
        tried = 0
        while True:
            try:
                return self._load(index)
            except (MediasynthError, OSError, ValueError) as exc:
                if self.on_error == "raise":
                    raise MediaError("unreadable", f"cannot load item {index}: {exc}",
                                     path=self.items[index].path) from exc
                warnings.warn(f"mediasynth: skipping {self.items[index].path}: {exc}",
                              stacklevel=2)
                tried += 1
                if tried >= len(self):
                    raise MediaError("unreadable", "no item of the dataset can be read") from exc
                index = (index + 1) % len(self)

    def _load(self, index: int, rng: np.random.Generator | None = None, record=None
              ) -> dict[str, Any]:
        item = self.items[index]
        sample: dict[str, Any] = {"label": self.class_to_idx.get(item.label, -1),
                                  "class": item.label, "path": item.path, "index": index}
        if self.soft:
            sample["soft_label"] = self._soft_label(item)
        handler = modality.handler_for(item.kind)
        if record is not None:
            fields, record = handler.sample(item, self.pipeline, None, self, record=record)
        else:
            fields, record = handler.sample(item, self.pipeline, rng or self.rng(index), self)
        sample.update(fields)
        if self.return_record:
            sample["record"] = record.to_dict() if record is not None else None
        return sample


def _load_pipeline(pipeline):
    """A Pipeline as it is; a path or a bundled pipeline name ("image_classification") read
    as `mediasynth -p` reads it (ConfigError naming the bundled names when neither)."""
    if pipeline is None or hasattr(pipeline, "image"):
        return pipeline
    from mediasynth.core.config import load_pipeline, resolve_pipeline_path

    return load_pipeline(resolve_pipeline_path(str(pipeline)))


def _items(source, *, split: str | None, kinds: tuple[str, ...],
           fold: int | None = None) -> list[Item]:
    from mediasynth.io.sniff import sniff_path

    if isinstance(source, (list, tuple)):
        items = []
        for path, label in source:
            kind = sniff_path(path).kind
            if kind is None:
                raise MediaError("unsupported", "not a recognised media file", path=str(path))
            items.append(Item(str(path), str(label), kind))
        return [i for i in items if i.kind in kinds]
    root = Path(source)
    if root.is_dir() and (root / "manifest.jsonl").exists():
        root = root / "manifest.jsonl"
    elif root.is_dir() and (root / "labels.csv").exists():
        root = root / "labels.csv"
    if root.is_file():
        return _from_labels(root, split=split, kinds=kinds, fold=fold)
    if fold is not None:
        raise ValueError("fold= needs an OUT made with --folds (its manifest or labels.csv)")
    if not root.is_dir():
        raise FileNotFoundError(f"{root}: no such folder or labels file")
    from mediasynth.loaders.targets import layout_items

    annotated = layout_items(root)
    if annotated is not None:  # images with objects, recordings with events, clips with tracks
        items = [Item(path, "", sniff_path(path).kind or "image", annotation)
                 for path, annotation in annotated[0]]
        return [i for i in items if i.kind in kinds]
    from mediasynth.io.discover import discover

    return [Item(str(f.path), f.class_name, f.kind) for f in discover(root)
            if f.kind in kinds and f.problem is None and f.class_name is not None]


def _from_labels(path: Path, *, split: str | None, kinds: tuple[str, ...],
                 fold: int | None = None) -> list[Item]:
    from mediasynth.io.sniff import sniff_path

    base = path.parent
    if path.suffix == ".jsonl":
        rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
        entries = [(r["output"], r["class"] or "", r["split"], r.get("annotation"),
                    r.get("soft_labels"), r.get("fold"), r.get("variant")) for r in rows
                   if r["status"] == "ok" and r["output"] and output_format.of_row(r).loose]
    else:
        with open(path, newline="") as fh:
            entries = [(r["path"], r["class"], r["split"], None,
                        json.loads(r["soft_labels"]) if r.get("soft_labels") else None,
                        int(r["fold"]) if r.get("fold") else None,
                        int(r["variant"]) if r.get("variant") not in (None, "") else None)
                       for r in csv.DictReader(fh)]
    if fold is not None and not any(e[5] is not None for e in entries):
        raise ValueError(f"{path} has no folds: expand with --folds K to use fold=")
    items = []
    for rel, label, row_split, annotation, soft, row_fold, variant in entries:
        if fold is not None:
            if row_split != "train" or row_fold is None:
                continue
            if split == "train" and row_fold == fold:
                continue
            if split == "val" and (row_fold != fold or variant != -1):
                continue
        elif split is not None and row_split != split:
            continue
        full = base / rel
        items.append(Item(str(full), label, sniff_path(full).kind or "image", annotation,
                          soft))
    return [i for i in items if i.kind in kinds]
