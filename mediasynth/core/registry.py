"""Registry of transforms and generators under stable, explicit names.

Names are registered by decorator (`@register("image.rotate")`). The modules that register
are plugins: `load_all()` imports them by module name (the composites, the generators and
each registered modality's `transforms` module), so the registry has no static import of
them (neither of the modality packages above core nor of core.compose, which imports the
registry to register itself).
"""

from __future__ import annotations

import dataclasses
import difflib
import importlib
import inspect
from typing import Any

from mediasynth.core import modality
from mediasynth.core.errors import ConfigError
from mediasynth.core.params import field_docs
from mediasynth.core.transform import Configurable

_REGISTRY: dict[str, type] = {}

PLUGIN_MODULES = (
    "mediasynth.core.compose",  # compose, one_of, some_of, random_apply (it imports us)
    "mediasynth.synth",
)

# Names under a prefix resolved on demand by a plugin module's `resolve(name) -> type`
# (never listed by `names()`): `albumentations.CLAHE` is albumentations' CLAHE, bridged.
PREFIX_RESOLVERS = {"albumentations.": "mediasynth.image.albumentations_bridge"}

_loaded = False


def register(name: str):
    """Class decorator: register `cls` under `name` and set `cls.name`."""

    def decorator(cls: type) -> type:
        if isinstance(cls, type) and issubclass(cls, Configurable):
            cls.check_contract()
        existing = _REGISTRY.get(name)
        if existing is not None and existing.__qualname__ != cls.__qualname__:
            raise ValueError(f"{name!r} is already registered by {existing.__qualname__}")
        cls.name = name
        fields = field_docs(cls) if dataclasses.is_dataclass(cls) else ""
        if fields and "Fields:" not in (cls.__doc__ or ""):
            cls.__doc__ = f"{inspect.cleandoc(cls.__doc__ or '')}\n\n{fields}"
        _REGISTRY[name] = cls
        return cls

    return decorator


def load_all() -> None:
    """Import every plugin module so that all names are registered."""
    global _loaded
    if _loaded:
        return
    for module in (*PLUGIN_MODULES, *(m.transforms for m in modality.modalities()
                                       if m.transforms)):
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise
    _loaded = True


def names(kind: str | None = None) -> list[str]:
    """Sorted registered names, optionally only those of one media kind."""
    load_all()
    out = []
    for name, cls in _REGISTRY.items():
        cls_kind = getattr(cls, "kind", None)
        if kind is None or (isinstance(cls_kind, str) and str(cls_kind) == kind):
            out.append(name)
    return sorted(out)


def _load_for(name: str) -> None:
    """Import the modules that may register `name` without importing all of them: its
    modality's transforms (the part before the first dot names the kind), then the core
    plugins; every module as a last resort. (A pipeline of image steps need not import
    the audio and video transforms: 0.2 s of a run's start-up.)"""
    kind = name.split(".", 1)[0] if "." in name else None
    known = {m.kind: m.transforms for m in modality.modalities() if m.transforms}
    for module in ((known[kind],) if kind in known else ()) + PLUGIN_MODULES:
        importlib.import_module(module)
        if name in _REGISTRY:
            return
    load_all()


def lookup(name: str) -> type:
    """The class registered under `name`, or a ConfigError suggesting the closest name."""
    if isinstance(name, str) and name not in _REGISTRY and not _loaded:
        _load_for(name)
    try:
        return _REGISTRY[name]
    except KeyError:
        pass
    for prefix, module in PREFIX_RESOLVERS.items():
        if isinstance(name, str) and name.startswith(prefix):
            return importlib.import_module(module).resolve(name)
    load_all()  # the suggestion considers every name
    raise ConfigError(f"unknown transform {name!r}{did_you_mean(name, _REGISTRY)}") from None


def did_you_mean(word: str, candidates) -> str:
    close = difflib.get_close_matches(str(word), list(candidates), n=1, cutoff=0.5)
    return f" (did you mean {close[0]!r}?)" if close else ""


def build(cfg: Any):
    """Build a transform from its config dict `{type: name, field: value, ...}`.

    A list is a Compose of its items (the class registered as "compose"). Unknown names and
    keys raise ConfigError naming the bad key and the closest valid one; `line` is set when
    the dict carries `__line__` info (see core.config).
    """
    if isinstance(cfg, (list, tuple)):
        return lookup("compose")([build(c) for c in cfg])
    line = getattr(cfg, "line", None)
    if not isinstance(cfg, dict):
        raise ConfigError(f"a transform must be a mapping with a 'type' key, got {cfg!r}", line=line)
    if "type" not in cfg:
        raise ConfigError(f"transform has no 'type' key: {dict(cfg)!r}", line=line)
    if cfg["type"] in RENAMED:
        cfg = _renamed(cfg)
    try:
        cls = lookup(cfg["type"])
    except ConfigError as exc:
        raise ConfigError(exc.message, line=key_line(cfg, "type")) from None
    valid = set(cls.config_fields())
    for key in cfg:
        if key != "type" and key not in valid:
            raise ConfigError(
                f"{cls.name}: unknown parameter {key!r}{did_you_mean(key, sorted(valid))}; "
                f"valid: {', '.join(sorted(valid))}",
                line=key_line(cfg, key),
            )
    try:
        return cls.from_config(dict(cfg), build)
    except ConfigError as exc:
        if exc.line is None:
            raise ConfigError(exc.message, line=line) from None
        raise
    except TypeError as exc:
        raise ConfigError(f"{cls.name}: {exc}", line=line) from None


# Names kept for pipelines that use them: old name -> (the transform now doing its job,
# {old parameter: new parameter}). `audio.background_noise` read its folder inside the
# transform (no split separation, no header checks, no sha256 in rows); `audio.background`
# does the same job through the engine.
RENAMED = {"audio.background_noise": ("audio.background", {"noise_dir": "folder"})}


def _renamed(cfg: Any) -> Any:
    """`cfg` of an old name as the config of the transform that does its job now (key lines
    kept, so errors still point at the pipeline's lines)."""
    new, keys = RENAMED[cfg["type"]]
    out = type(cfg)() if isinstance(cfg, dict) and type(cfg) is not dict else {}
    for key, value in cfg.items():
        out[keys.get(key, key)] = new if key == "type" else value
    for attr in ("line", "key_lines"):
        if hasattr(cfg, attr):
            value = getattr(cfg, attr)
            if attr == "key_lines" and value:
                value = {keys.get(k, k): v for k, v in value.items()}
            setattr(out, attr, value)
    return out


def key_line(cfg: Any, key: str) -> int | None:
    """The line of `key` in a mapping read from a pipeline file (else the mapping's own)."""
    lines = getattr(cfg, "key_lines", None)
    if lines and key in lines:
        return lines[key]
    return getattr(cfg, "line", None)


# Names a modality namespace also answers to: albumentations' names of our transforms.
CLASS_ALIASES = {"image": {"HorizontalFlip": "image.flip_horizontal",
                           "VerticalFlip": "image.flip_vertical"}}


def classes_of_kind(kind: str) -> dict[str, type]:
    """Every registered transform class of media `kind` by its class name: what a modality
    namespace (`mediasynth.image`, ...) exports. Imports only that modality's transforms
    (and the core plugins), not the other modalities'."""
    known = {m.kind: m.transforms for m in modality.modalities() if m.transforms}
    if kind in known:
        importlib.import_module(known[kind])
    else:
        load_all()
    return {cls.__name__: cls for cls in _REGISTRY.values()
            if isinstance(getattr(cls, "kind", None), str) and str(cls.kind) == kind}


def namespace_attribute(module: str, kind: str, name: str) -> type:
    """A modality package's `__getattr__` (PEP 562): the transform class of `kind` called
    `name` (or an alias in CLASS_ALIASES), the very class the registry holds. Anything else
    is an AttributeError naming the closest class, so `from module import submodule` still
    imports submodules."""
    if not name[:1].isupper():
        raise AttributeError(f"module {module!r} has no attribute {name!r}")
    classes = classes_of_kind(kind)
    if name in classes:
        return classes[name]
    alias = CLASS_ALIASES.get(kind, {}).get(name)
    if alias is not None:
        return lookup(alias)
    raise AttributeError(f"module {module!r} has no attribute {name!r}"
                         f"{did_you_mean(name, classes)}")


def namespace_names(kind: str) -> list[str]:
    """The class names (and aliases) a modality namespace exports, sorted."""
    return sorted({*classes_of_kind(kind), *CLASS_ALIASES.get(kind, {})})
