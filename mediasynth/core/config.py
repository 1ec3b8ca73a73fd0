"""Pipeline files: strict, versioned YAML with line numbers in errors.

A pipeline holds per-modality chains (`image`, `audio`, `video.frames|temporal|audio`), the
dataset options, output options and input budgets; see pipelines/default.yaml. Unknown keys
anywhere are errors naming the file, the line and the closest valid key.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from mediasynth.core import modality, output_format, registry
from mediasynth.core.balance import balance_spec
from mediasynth.core.compose import Compose
from mediasynth.core.errors import ConfigError

SUPPORTED_VERSIONS = (1,)
VIDEO_OUTPUT_KEYS = ("codec", "crf", "preset", "audio_codec", "audio_bitrate", "threads", "path")


class _LineDict(dict):
    """A dict that remembers the 1-based line of itself and of each key."""

    line: int | None = None
    key_lines: dict[str, int]


def _yaml_loader():
    import yaml

    class LineLoader(yaml.SafeLoader):
        def construct_mapping(self, node, deep=False):
            mapping = super().construct_mapping(node, deep=True)
            out = _LineDict(mapping)
            out.line = node.start_mark.line + 1
            out.key_lines = {
                k.value: k.start_mark.line + 1 for k, _ in node.value if hasattr(k, "value")
            }
            return out

    LineLoader.add_constructor(
        yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, LineLoader.construct_mapping
    )
    return LineLoader


@dataclass(frozen=True)
class Budgets:
    """Limits checked from headers before decoding.

    Fields:
        max_image_pixels: refuse images with more pixels (width * height).
        max_audio_duration_s: refuse longer audio files.
        max_video_duration_s: refuse longer video files.
        max_file_bytes: refuse larger files of any kind.
        ffmpeg_timeout_s: wall-clock limit of one FFmpeg process.
        file_timeout_s: wall-clock limit for all outputs of one source in a worker.
        max_video_pixels: refuse video whose frames have more pixels (width * height).
        max_worker_memory_bytes: refuse a source whose working memory, estimated from its
            header (image: the file plus pixels x channels x bytes per sample x the chain's
            working copies; audio: frames x channels x float32 x working copies; video: a
            few RGB frames plus FFmpeg's decoder and encoder buffers), would exceed this in
            one worker (io/image_io.py, io/audio_io.py, video/probe.py).
    """

    max_image_pixels: int = 100_000_000
    max_audio_duration_s: float = 3600.0
    max_video_duration_s: float = 3 * 3600.0
    max_file_bytes: int = 4 * 1024**3
    ffmpeg_timeout_s: float = 600.0
    file_timeout_s: float = 1800.0
    max_video_pixels: int = 40_000_000
    max_worker_memory_bytes: int = 2 * 1024**3


@dataclass(frozen=True)
class DatasetOptions:
    """How expansion balances and splits.

    Fields:
        balance: none | oversample | undersample | synthesize, or a mapping
            {strategy, sampling_strategy, k_neighbors, count: items | objects} (see
            core/balance.py; `objects` balances annotated objects per category).
        class_targets: explicit number of train outputs per class (overrides balance).
        split: fractions per split name, e.g. {train: 0.8, val: 0.1, test: 0.1}; None = no split.
        augment_eval: also augment val/test sources (default: originals only).
        keep_originals: copy each original into its split too.
        unchained: what sources of a kind the pipeline has no chain for become: copy (each
            copied once, as an original) | skip (left out, with a reason row).
        layout: how SRC says what its files are: auto | folders | coco | yolo | voc | cvat |
            labelstudio | masks | labels | events | tracks (see mediasynth/io/layouts).
        annotations: further annotation formats to write besides the source's own, e.g.
            [coco, yolo, voc, cvat, labelstudio].
        min_box_visibility: drop a transformed object whose visible share of its outline
            falls below this (0-1).
        min_box_area_px: drop a transformed object whose box is smaller than this (pixels).
        empty_outputs: keep | redraw an augmented output whose objects all left the frame.
        group_by: a regular expression searched in each source's path relative to SRC; its
            first capture group (or the whole match) names the source's group, and a group
            never spans two splits or folds (e.g. 'spk\\d+', '(.+)_frame\\d+').
        near_duplicates: group (near-identical sources form a group, the default) | warn
            (reported only) | off.
        folds: K >= 2 deals the non-test sources into K stratified, grouped folds (0: none);
            the val share then joins train (the folds provide validation).
        resplit: re-split a source tree that declares its own splits (default: keep them).
        license: the sources' licence as the dataset card states it (an SPDX id such as
            cc-by-4.0, or other); None: "unknown" unless SRC's LICENSE file says.
    """

    balance: str = "none"
    class_targets: dict[str, int] | None = None
    split: dict[str, float] | None = None
    augment_eval: bool = False
    keep_originals: bool = False
    unchained: str = "copy"
    layout: str = "auto"
    annotations: tuple[str, ...] = ()
    min_box_visibility: float = 0.0
    min_box_area_px: float = 1.0
    empty_outputs: str = "keep"
    group_by: str | None = None
    near_duplicates: str = "group"
    folds: int = 0
    resplit: bool = False
    license: str | None = None


@dataclass(frozen=True)
class OutputOptions:
    """Output formats.

    Fields:
        image_format: same | jpg | png | webp | tiff | bmp.
        audio_format: same | wav | flac | ogg | mp3.
        jpeg_quality: 1-100.
        png_compression: 0-9 (1 is fast and still small).
        audio_subtype: WAV/FLAC sample format: same (as the source) | PCM_16 | PCM_24 | FLOAT.
        format: a registered output format (core/output_format.py): folder (files in
            class or layout folders) | webdataset (tar shards OUT/<split>/shard-NNNNNN.tar
            holding each sample's media and .json) | one a plugin registers.
        shard_max_bytes: a webdataset shard is closed before it would grow past this.
        video: codec (libx264), crf (23), preset (veryfast), audio_codec (aac),
            audio_bitrate (e.g. 160k; default: the codec's own, ~64 kb/s a channel for
            AAC), threads (2; fixed for reproducible bytes) and path (auto | fused |
            frames) for video outputs.
        keep_metadata: copy originals with their metadata (EXIF, GPS, tags...) as they
            are; by default it is removed losslessly (io/metadata_strip.py).
    """

    image_format: str = "same"
    audio_format: str = "same"
    format: str = "folder"
    shard_max_bytes: int = 512 * 1024**2
    jpeg_quality: int = 95
    png_compression: int = 1
    audio_subtype: str = "same"
    keep_metadata: bool = False
    video: dict[str, Any] = field(
        default_factory=lambda: {
            "codec": "libx264",
            "crf": 23,
            "preset": "veryfast",
            "audio_codec": "aac",
            "threads": 2,
            "path": "auto",
        }
    )


@dataclass(frozen=True)
class Pipeline:
    """A whole pipeline file, parsed and validated. `chains` maps each modality's chain keys
    ("image", "audio", "video.frames", ..., see core/modality.py) to its Compose (None when
    the file has none); `pipeline.image` and `pipeline.video.frames` read them too."""

    version: int = 1
    seed: int = 0
    variants: int = 4
    chains: dict[str, Compose | None] = field(default_factory=dict)
    dataset: DatasetOptions = field(default_factory=DatasetOptions)
    output: OutputOptions = field(default_factory=OutputOptions)
    budgets: Budgets = field(default_factory=Budgets)
    source: dict[str, Any] | None = None
    path: str | None = field(default=None, compare=False)

    def __getattr__(self, name: str):
        """A modality's chain by its key (`image`), or its chains by slot (`video.frames`)."""
        keys = modality.chain_kinds() if not name.startswith("_") else {}
        slots = {k.partition(".")[2]: k for k in keys if k.startswith(name + ".")}
        if slots:
            return SimpleNamespace(**{slot: self.chain(k) for slot, k in slots.items()})
        if name in keys:
            return self.chain(name)
        raise AttributeError(name)

    def chain(self, key: str) -> Compose | None:
        return self.chains.get(key)

    def has_chain(self, kind: str) -> bool:
        """Whether the pipeline transforms media of `kind` at all (any step in any slot)."""
        return any(c is not None and c.steps for k, c in self.chains.items()
                   if k == kind or k.startswith(kind + "."))

    def to_config(self) -> dict[str, Any]:
        cfg: dict[str, Any] = {"version": self.version, "seed": self.seed, "variants": self.variants}
        for key in modality.chain_kinds():
            chain = self.chain(key)
            if chain is not None:
                top, _, slot = key.partition(".")
                steps = [s.to_config() for s in chain.steps]
                if slot:
                    cfg.setdefault(top, {})[slot] = steps
                else:
                    cfg[top] = steps
        cfg["dataset"] = _plain(dataclasses.asdict(self.dataset))
        cfg["output"] = _plain(dataclasses.asdict(self.output))
        cfg["budgets"] = dataclasses.asdict(self.budgets)
        if self.source is not None:
            cfg["source"] = builtin(self.source)
        return cfg

    def sha256(self) -> str:
        """Hash of the canonical config: equal pipelines hash equal whatever their YAML layout."""
        text = json.dumps(self.to_config(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()

    def to_yaml(self) -> str:
        import yaml

        return yaml.safe_dump(self.to_config(), sort_keys=False)

    def save(self, path: str | Path) -> Path:
        """Write the pipeline as YAML to `path` (replaced whole: a reader never sees half a
        file); `load_pipeline(path)` gives back an equal pipeline with the same `sha256()`."""
        import os

        path = Path(path)
        tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
        tmp.write_text(self.to_yaml(), encoding="utf-8")
        os.replace(tmp, path)
        return path

    def with_overrides(self, **changes: Any) -> Pipeline:
        """A copy with top-level fields replaced; `dataset`/`budgets` take dicts of changes,
        a chain key (`image=...`) replaces that chain."""
        chains = {k: changes.pop(k) for k in list(changes) if k in modality.chain_kinds()}
        if chains:
            changes["chains"] = {**self.chains, **chains}
        for name in ("dataset", "budgets", "output"):
            if name in changes and isinstance(changes[name], dict):
                changes[name] = dataclasses.replace(getattr(self, name), **changes[name])
        return dataclasses.replace(self, **changes)


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if v is not None}
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return value


def builtin(value: Any) -> Any:
    """`value` with the parser's line-tracking mappings made plain dicts and lists (YAML
    writers refuse subclasses), None values kept."""
    if isinstance(value, dict):
        return {k: builtin(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [builtin(v) for v in value]
    return value


_TOP_KEYS = ("version", "seed", "variants", "dataset", "output", "budgets", "source",
             "description")


def load_pipeline(path: str | Path) -> Pipeline:
    """Read and validate a pipeline YAML file, or a file written by `albumentations.save`
    (JSON or YAML), which runs as the image chain of the bundled default pipeline."""
    path = Path(path)
    data = _read_document(path)
    try:
        files = _albumentations_files()
        if files.is_saved_transform(data):
            return files.saved_pipeline(data, path)
        return pipeline_from_config(data or {}, path=str(path))
    except ConfigError as exc:
        raise ConfigError(exc.message, source=str(path), line=exc.line) from None


PIPELINES_DIR = Path(__file__).resolve().parent.parent / "pipelines"


def resolve_pipeline_path(name: str | None) -> Path:
    """The file of a pipeline given by path or by the name of a bundled pipeline (`default`,
    `speech`, ..., with or without `.yaml`); None is the bundled default. An existing path
    wins over a bundled name; neither raises ConfigError listing the bundled names."""
    if name is None:
        return DEFAULT_PIPELINE
    path = Path(name)
    if path.exists():
        return path
    bundled = PIPELINES_DIR / f"{name.removesuffix('.yaml')}.yaml"
    if bundled.exists():
        return bundled
    names = sorted(p.stem for p in PIPELINES_DIR.glob("*.yaml"))
    raise ConfigError(f"no pipeline file {name!r} (bundled pipelines: {', '.join(names)})")


MAX_PIPELINE_BYTES = 1024 * 1024


def read_pipeline_text(path: Path, *, max_bytes: int = MAX_PIPELINE_BYTES) -> str:
    """The text of a pipeline file, read defensively: a regular file only (a FIFO, device or
    folder is refused without blocking), at most `max_bytes`, UTF-8. Anything else raises
    a one-line ConfigError naming the file."""
    import os
    import stat

    where = str(path)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise ConfigError(f"cannot read pipeline: {exc.strerror}", source=where) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ConfigError("not a regular file (a pipeline is a YAML or JSON file)",
                              source=where)
        if info.st_size > max_bytes:
            raise ConfigError(f"{info.st_size:,} bytes is too large for a pipeline (at most "
                              f"{max_bytes:,})", source=where)
        with os.fdopen(os.dup(fd), "rb") as fh:
            data = fh.read(max_bytes + 1)
    except OSError as exc:
        raise ConfigError(f"cannot read pipeline: {exc.strerror}", source=where) from None
    finally:
        os.close(fd)
    if len(data) > max_bytes:  # grew while being read
        raise ConfigError(f"too large for a pipeline (at most {max_bytes:,} bytes)",
                          source=where)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ConfigError(f"not UTF-8 text (byte {exc.start}): is it a pipeline file?",
                          source=where, line=line) from None
    if "\x00" in text:
        raise ConfigError("binary data (a NUL byte): is it a pipeline file?", source=where,
                          line=text.count("\n", 0, text.index("\x00")) + 1)
    return text


def _read_document(path: Path) -> Any:
    """The parsed content of a YAML (mappings with line numbers) or JSON file; ConfigError
    naming the file when it cannot be read or parsed."""
    import yaml

    text = read_pipeline_text(path)
    if path.suffix.lower() == ".json" or text.lstrip().startswith("{"):
        try:  # JSON first: YAML 1.1 would read a float such as 1e-05 as a string
            return json.loads(text)
        except json.JSONDecodeError as exc:
            if path.suffix.lower() == ".json":
                raise ConfigError(f"invalid JSON: {exc.msg}", source=str(path),
                                  line=exc.lineno) from None
    try:
        return yaml.load(text, Loader=_yaml_loader())  # noqa: S506 - SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise ConfigError(
            f"invalid YAML: {getattr(exc, 'problem', exc)}",
            source=str(path),
            line=mark.line + 1 if mark else None,
        ) from None


def pipeline_from_config(data: dict[str, Any], *, path: str | None = None) -> Pipeline:
    """Build a Pipeline from a parsed mapping (strict)."""
    if not isinstance(data, dict):
        raise ConfigError("a pipeline file must be a mapping at top level")
    tops = {k.partition(".")[0]: None for k in modality.chain_kinds()}
    _check_keys(data, (*_TOP_KEYS[:3], *tops, *_TOP_KEYS[3:]), "pipeline")
    version = data.get("version", 1)
    if version not in SUPPORTED_VERSIONS:
        raise ConfigError(
            f"unsupported pipeline version {version!r}; this mediasynth reads {SUPPORTED_VERSIONS}",
            line=_line(data, "version"),
        )
    seed = _int(data, "seed", 0, low=0)
    variants = _int(data, "variants", 4, low=0)
    chains = _chains(data, Path(path).parent if path else Path())
    dataset = _section(data, "dataset", DatasetOptions)
    try:
        balance_spec(dataset.balance)
    except ConfigError as exc:
        raise ConfigError(exc.message, line=_line(data.get("dataset"), "balance")) from None
    if dataset.unchained not in ("copy", "skip"):
        raise ConfigError(f"dataset.unchained must be copy or skip, got {dataset.unchained!r}",
                          line=_line(data.get("dataset"), "unchained"))
    _check_dataset_annotations(dataset, data.get("dataset"))
    if dataset.split is not None:
        validate_split(dataset.split)
    check_grouping(dataset, data.get("dataset"))
    output = _section(data, "output", OutputOptions)
    _check_keys(output.video, VIDEO_OUTPUT_KEYS, "output.video")
    formats = output_format.names()
    if output.format not in formats:
        raise ConfigError(f"output.format must be one of {', '.join(formats)}, got "
                          f"{output.format!r}", line=_line(data.get("output"), "format"))
    if output.video.get("path", "auto") not in ("auto", "fused", "frames"):
        raise ConfigError("output.video.path must be auto, fused or frames",
                          line=_line(data.get("output"), "video"))
    budgets = check_section_numbers("budgets", _section(data, "budgets", Budgets),
                                    data.get("budgets"))
    dataset = check_section_numbers("dataset", dataset, data.get("dataset"))
    output = check_section_numbers("output", output, data.get("output"))
    source = data.get("source")
    if source is not None and not isinstance(source, dict):
        raise ConfigError("source must be a mapping with a 'type' key", line=_line(data, "source"))
    return Pipeline(
        version=version,
        seed=seed,
        variants=variants,
        chains=chains,
        dataset=dataset,
        output=dataclasses.replace(output, video={**OutputOptions().video, **output.video}),
        budgets=budgets,
        source=dict(source) if source else None,
        path=path,
    )


def _check_dataset_annotations(dataset: DatasetOptions, node) -> None:
    layouts = importlib.import_module("mediasynth.io.layouts")  # by name: a layer above core
    names = ("auto", *layouts.LAYOUTS)
    if dataset.layout not in names:
        raise ConfigError(f"dataset.layout must be one of {', '.join(names)}, got "
                          f"{dataset.layout!r}", line=_line(node, "layout"))
    bad = [f for f in dataset.annotations if f not in layouts.EXPORT_FORMATS]
    if bad:
        raise ConfigError(f"dataset.annotations: unknown format {bad[0]!r} (formats: "
                          f"{', '.join(layouts.EXPORT_FORMATS)})", line=_line(node, "annotations"))
    if not 0 <= dataset.min_box_visibility <= 1:
        raise ConfigError("dataset.min_box_visibility must be within [0, 1]",
                          line=_line(node, "min_box_visibility"))
    if dataset.empty_outputs not in ("keep", "redraw"):
        raise ConfigError("dataset.empty_outputs must be keep or redraw",
                          line=_line(node, "empty_outputs"))
    if dataset.license is not None and (not isinstance(dataset.license, str)
                                        or not dataset.license.strip()):
        raise ConfigError("dataset.license must be a licence name such as cc-by-4.0",
                          line=_line(node, "license"))


def check_grouping(dataset: DatasetOptions, node) -> None:
    if dataset.group_by is not None:
        try:
            re.compile(dataset.group_by)
        except (re.error, TypeError) as exc:
            raise ConfigError(f"dataset.group_by is not a valid regular expression: {exc}",
                              line=_line(node, "group_by")) from None
    if dataset.near_duplicates not in ("group", "warn", "off"):
        raise ConfigError("dataset.near_duplicates must be group, warn or off",
                          line=_line(node, "near_duplicates"))
    if not isinstance(dataset.folds, int) or dataset.folds == 1 or not 0 <= dataset.folds <= 100:
        raise ConfigError("dataset.folds must be 0 (none) or 2-100", line=_line(node, "folds"))


# (low, high, low excluded) of every numeric option; an int default means whole numbers
NUMBER_RANGES: dict[str, dict[str, tuple[float, float, bool]]] = {
    "budgets": {name: (0, math.inf, True) for name in (
        "max_image_pixels", "max_audio_duration_s", "max_video_duration_s", "max_file_bytes",
        "ffmpeg_timeout_s", "file_timeout_s", "max_video_pixels", "max_worker_memory_bytes")},
    "dataset": {"min_box_visibility": (0, 1, False), "min_box_area_px": (0, math.inf, False)},
    "output": {"shard_max_bytes": (0, math.inf, True), "jpeg_quality": (1, 100, False),
               "png_compression": (0, 9, False)},
}


def check_number(value: Any, what: str, low: float, high: float = math.inf, *,
                 low_excluded: bool = False, integer: bool = False,
                 line: int | None = None) -> float | int:
    """`value` when it is a finite number within [low, high] (or (low, high]), a whole
    number if `integer`; else ConfigError naming `what` (NaN and infinities never pass)."""
    ok = not isinstance(value, bool) and isinstance(value, (int, float)) and \
        math.isfinite(value) and (value > low if low_excluded else value >= low) and \
        value <= high and (not integer or float(value).is_integer())
    if not ok:
        kind = "a whole number" if integer else "a finite number"
        bound = f"> {low:g}" if low_excluded else f">= {low:g}"
        if high != math.inf:
            bound = f"within {'(' if low_excluded else '['}{low:g}, {high:g}]"
        raise ConfigError(f"{what} must be {kind} {bound}, got {value!r}", line=line)
    return int(value) if integer else value


def check_section_numbers(section: str, options: Any, node: Any = None) -> Any:
    """`options` (Budgets, DatasetOptions or OutputOptions) with every numeric field checked
    against NUMBER_RANGES (whole-number fields made int); ConfigError names the first bad
    one, with its line in `node` when the values came from a file."""
    changes = {}
    for name, (low, high, low_excluded) in NUMBER_RANGES.get(section, {}).items():
        integer = isinstance(getattr(type(options)(), name), int)
        value = check_number(getattr(options, name), f"{section}.{name}", low, high,
                             low_excluded=low_excluded, integer=integer,
                             line=_line(node, name) if node is not None else None)
        if value is not getattr(options, name):
            changes[name] = value
    return dataclasses.replace(options, **changes) if changes else options


def validate_split(split: dict[str, float]) -> None:
    if not isinstance(split, dict) or not split:
        raise ConfigError(f"split must map split names to fractions, got {split!r}")
    for name, frac in split.items():
        if isinstance(frac, bool) or not isinstance(frac, (int, float)) or \
                not math.isfinite(frac) or not 0 <= frac <= 1:
            raise ConfigError(f"split fraction for {name!r} must be a number within [0, 1], "
                              f"got {frac!r}")
    total = sum(split.values())
    if abs(total - 1.0) > 1e-6:
        raise ConfigError(f"split fractions must sum to 1, got {total:g}")


def _chains(data: dict, base_dir: Path) -> dict[str, Compose | None]:
    """Every modality's chains from the top-level keys of a pipeline mapping: `image: [...]`
    or, for a modality with slots, `video: {frames: [...], ...}`."""
    keys = modality.chain_kinds()
    chains = {}
    for key, kind in keys.items():
        top, _, slot = key.partition(".")
        node = data.get(top)
        if slot:
            _check_keys(node or {}, [k.partition(".")[2] for k in keys
                                     if k.startswith(top + ".")], top)
            node = (node or {}).get(slot)
        chains[key] = (_image_chain(node, key, base_dir) if kind == "image"
                       else _chain(node, kind, key))
    return chains


def _chain(cfg: Any, kind: str, where: str | None = None) -> Compose | None:
    where = where or kind
    if cfg is None:
        return None
    if not isinstance(cfg, list):
        raise ConfigError(f"{where} must be a list of transforms", line=getattr(cfg, "line", None))
    steps = []
    for i, step_cfg in enumerate(cfg):
        step = registry.build(step_cfg)
        if str(step.kind) != kind:
            raise ConfigError(
                f"{where}[{i}] ({step.name}) works on {step.kind} media, not {kind}",
                line=getattr(step_cfg, "line", None),
            )
        if i and getattr(step, "partners_needed", 0):
            raise ConfigError(f"{where}[{i}] ({step.name}) mixes in other sources and must be "
                              f"the first step of {where}", line=getattr(step_cfg, "line", None))
        steps.append(step)
    return Compose(steps) if steps else None


# --- files written by albumentations.save: image/albumentations_files.py ------------------

DEFAULT_PIPELINE = PIPELINES_DIR / "default.yaml"
ALBUMENTATIONS_FILES = "mediasynth.image.albumentations_files"


def _albumentations_files():
    """The module that reads `albumentations.save` files (imported by name: core has no
    static import of the modality packages; albumentations loads only when a step needs it)."""
    return importlib.import_module(ALBUMENTATIONS_FILES)


def _image_chain(cfg: Any, where: str, base_dir: Path) -> Compose | None:
    """An image chain: a list of steps, or `{albumentations: FILE}` (the steps of a file
    written by albumentations.save, image/albumentations_files.py)."""
    if not (isinstance(cfg, dict) and "albumentations" in cfg):
        return _chain(cfg, "image", where)
    return _albumentations_files().chain_of_file(cfg, where, base_dir)


def _section(data: dict, key: str, cls: type):
    cfg = data.get(key) or {}
    if not isinstance(cfg, dict):
        raise ConfigError(f"{key} must be a mapping", line=_line(data, key))
    valid = [f.name for f in dataclasses.fields(cls)]
    _check_keys(cfg, valid, key)
    defaults = cls()
    kwargs = {}
    for name in valid:
        if name in cfg:
            value = cfg[name]
            default = getattr(defaults, name)
            wants_number = isinstance(default, (int, float)) and not isinstance(default, bool)
            if wants_number and (isinstance(value, bool) or not isinstance(value, (int, float))):
                raise ConfigError(
                    f"{key}.{name} must be a number, got {value!r}", line=_line(cfg, name)
                )
            if isinstance(default, bool) and not isinstance(value, bool):
                raise ConfigError(f"{key}.{name} must be true or false, got {value!r}",
                                  line=_line(cfg, name))
            if isinstance(default, tuple):
                if not isinstance(value, (list, tuple)):
                    raise ConfigError(f"{key}.{name} must be a list, got {value!r}",
                                      line=_line(cfg, name))
                value = tuple(value)
            kwargs[name] = dict(value) if isinstance(value, dict) else value
    return cls(**kwargs)


def _check_keys(cfg: Any, valid, where: str) -> None:
    if not isinstance(cfg, dict):
        raise ConfigError(f"{where} must be a mapping, got {cfg!r}")
    for key in cfg:
        if key not in valid:
            raise ConfigError(
                f"unknown key {key!r} in {where}{registry.did_you_mean(key, valid)}; "
                f"valid: {', '.join(valid)}",
                line=_line(cfg, key),
            )


def _int(data: dict, key: str, default: int, *, low: int) -> int:
    value = data.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise ConfigError(f"{key} must be an integer >= {low}, got {value!r}", line=_line(data, key))
    return value


_line = registry.key_line  # the line of a key in a mapping read from a pipeline file
