"""Files written by `albumentations.save` (JSON or YAML), read as mediasynth pipelines.

A pipeline file that is such a file runs as the image chain of the bundled default pipeline
(`saved_pipeline`), its top-level `bbox_params` box filters becoming dataset options; a
pipeline's image chain may also be `{albumentations: FILE}` (`chain_of_file`). The top-level
Compose's children become bridged steps (image/albumentations_bridge.py), nested composites
(OneOf, SomeOf...) stay whole albumentations steps. core/config.py reaches this module by
name when it reads a pipeline; albumentations itself loads only when a step runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mediasynth.core import config
from mediasynth.core.errors import ConfigError

PREFIX = "albumentations."
_SEQUENCES = ("Compose", "Sequential")


def is_saved_transform(data: Any) -> bool:
    """Whether `data` is the content of an `albumentations.save` file."""
    return (isinstance(data, dict) and isinstance(data.get("transform"), dict)
            and "__class_fullname__" in data["transform"]
            and set(data) <= {"__version__", "transform"})


def saved_pipeline(data: dict, path: Path) -> config.Pipeline:
    """The bundled default pipeline with the saved transform as its image chain and the
    saved box filters (bbox_params min_visibility, min_area) as dataset options."""
    image = config._chain(saved_steps(data), "image")
    return config.load_pipeline(config.DEFAULT_PIPELINE).with_overrides(
        image=image, dataset=saved_dataset_options(data), path=str(path))


def chain_of_file(cfg: dict, where: str, base_dir: Path):
    """The image chain of `{albumentations: FILE}` (FILE relative to the pipeline's folder);
    ConfigError naming the file and the line of the key."""
    config._check_keys(cfg, ("albumentations",), where)
    file = base_dir / str(cfg["albumentations"])
    line = config._line(cfg, "albumentations")
    try:
        data = config._read_document(file)
        if not is_saved_transform(data):
            raise ConfigError("not a file written by albumentations.save")
        return config._chain(saved_steps(data), "image", where)
    except ConfigError as exc:
        raise ConfigError(f"{where}: {file}: {exc.message}", line=line) from None


def saved_steps(data: dict[str, Any]) -> list[dict[str, Any]]:
    """Step configs of an image chain equivalent to a saved albumentations transform: the
    top-level Compose's children in order (as one `compose` step when its p is below 1), or
    the single saved transform."""
    top = data["transform"]
    name = _short(top["__class_fullname__"])
    if name not in _SEQUENCES:
        return [_step_config(top)]
    steps = [_step_config(child) for child in top.get("transforms", [])]
    p = float(top.get("p", 1.0))
    return steps if p >= 1.0 or not steps else [{"type": "compose", "steps": steps, "p": p}]


def saved_dataset_options(data: dict[str, Any]) -> dict[str, float]:
    """Dataset options carrying the box filters of the saved top-level `bbox_params`
    (min_visibility, min_area) when they are set (above 0)."""
    params = data["transform"].get("bbox_params") or {}
    out = {}
    if float(params.get("min_visibility") or 0) > 0:
        out["min_box_visibility"] = float(params["min_visibility"])
    if float(params.get("min_area") or 0) > 0:
        out["min_box_area_px"] = float(params["min_area"])
    return out


def _step_config(spec: dict[str, Any]) -> dict[str, Any]:
    if not isinstance(spec, dict) or "__class_fullname__" not in spec:
        raise ConfigError(f"not a saved albumentations transform: {spec!r}")
    args = {k: v for k, v in spec.items() if k != "__class_fullname__"}
    return {"type": PREFIX + _short(spec["__class_fullname__"]), **args}


def _short(class_fullname: str) -> str:
    return str(class_fullname).rsplit(".", 1)[-1]
