"""Modalities: each kind of media is one registered plugin, and every layer iterates over them.

A modality package calls `register_modality(Modality(...), __name__)` when it is imported
(the built-in ones in their `__init__.py`); `load_all()` imports the built-in packages by
name. Worker processes import the packages of the others before their first task (the
engine's pools send `plugin_modules()` with each phase's context).

What a modality declares:
- `kind`: the media kind ("image"), also the `kind` of its transforms and manifest rows.
- `handler`: its engine interface (the `Handler` Protocol of core/handler.py), a class or
  "module:Class" (imported on first use, so declaring a modality stays cheap); checked
  against the Protocol when registered (a class) or first made (a name).
- `chains`: the pipeline keys of its chains and the kind of transform each holds, e.g.
  video's {"video.frames": "image", "video.temporal": "video", "video.audio": "audio"};
  a chain keyed by the kind itself ("image") is the modality's main chain, whose first step
  may mix in partner sources.
- `extensions`: file name suffixes that suggest the kind (to name mislabelled files).
- `sniff(head, suffix) -> format | None`: recognises content the built-in container
  signatures of io/sniff.py do not (new modalities).
- `transforms`: the module that registers its transforms (imported by core.registry).
- `stats_keys`: the statistics of `handler.describe` the report tabulates.
- `report_tile`: "module:function" drawing the report's tile of a file (core/report_tile.py);
  empty: the report links the file.
"""

from __future__ import annotations

import dataclasses
import importlib
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

BUILTIN_PACKAGES = ("mediasynth.image", "mediasynth.audio", "mediasynth.video")


@dataclass(frozen=True)
class Modality:
    """One kind of media; see the module doc."""

    kind: str
    handler: Any
    chains: dict[str, str]
    extensions: tuple[str, ...] = ()
    sniff: Callable[[bytes, str], str | None] | None = None
    transforms: str = ""
    stats_keys: tuple[str, ...] = ()
    report_tile: str = ""
    module: str = field(default="", compare=False)

    def make_handler(self):
        handler = self.handler
        if isinstance(handler, str):
            module, _, name = handler.partition(":")
            handler = getattr(importlib.import_module(module), name)
            _check_handler(self.kind, handler)
        return handler()


    def tile_renderer(self):
        """The modality's report tile renderer (core/report_tile.py), None without one;
        TypeError when the declared one is no renderer."""
        if not self.report_tile:
            return None
        from mediasynth.core.report_tile import check_renderer

        module, _, name = self.report_tile.partition(":")
        renderer = getattr(importlib.import_module(module), name)
        check_renderer(renderer, f"the report tile of modality {self.kind!r} "
                                 f"({self.report_tile})")
        return renderer


def _check_handler(kind: str, handler) -> None:
    """TypeError naming what a handler lacks of core/handler.py's `Handler`."""
    from mediasynth.core.contracts import check_implements
    from mediasynth.core.handler import Handler

    try:
        check_implements(handler, Handler, f"the handler of modality {kind!r}")
    except TypeError as exc:
        raise TypeError(f"{exc} (inherit mediasynth.core.handler.HandlerDefaults for the "
                        "optional ones)") from None


_MODALITIES: dict[str, Modality] = {}
_HANDLERS: dict[str, Any] = {}
_loaded = False


_LOAD_LOCK = threading.RLock()


def register_modality(modality: Modality, module: str = "") -> Modality:
    """Register `modality` (idempotent for the same declaration); `module` is the package
    that declares it, imported again by worker processes."""
    if not isinstance(modality.handler, str):
        _check_handler(modality.kind, modality.handler)
    existing = _MODALITIES.get(modality.kind)
    if existing is not None and existing != modality:
        raise ValueError(f"modality {modality.kind!r} is already registered")
    modality = dataclasses.replace(modality, module=module or modality.module)
    _MODALITIES[modality.kind] = modality
    _HANDLERS.pop(modality.kind, None)
    return modality


def load_all() -> None:
    """Import the built-in modality packages once. Thread-safe: a thread that asks while
    another is importing waits for the registry to be full (header checks run on threads)."""
    global _loaded
    if _loaded:
        return
    with _LOAD_LOCK:
        if not _loaded:
            import_modules(BUILTIN_PACKAGES)
            _loaded = True


def import_modules(modules) -> None:
    """Import modality packages by name (registering them); already imported ones cost a
    dict lookup."""
    for module in modules:
        importlib.import_module(module)


def modalities() -> list[Modality]:
    """Every registered modality: the built-in ones in BUILTIN_PACKAGES order (whatever
    imported first), then the others in registration order."""
    load_all()
    order = {m: i for i, m in enumerate(BUILTIN_PACKAGES)}
    return sorted(_MODALITIES.values(), key=lambda m: order.get(m.module, len(order)))


def kinds() -> tuple[str, ...]:
    return tuple(m.kind for m in modalities())


def get(kind: str) -> Modality:
    load_all()
    try:
        return _MODALITIES[kind]
    except KeyError:
        raise KeyError(f"no modality {kind!r} (registered: {', '.join(_MODALITIES)})") from None


def handler_for(kind: str):
    """The (cached) handler of a kind's modality."""
    if kind not in _HANDLERS:
        _HANDLERS[kind] = get(kind).make_handler()
    return _HANDLERS[kind]


def chain_kinds() -> dict[str, str]:
    """Every pipeline chain key of every modality -> the kind of transform it holds."""
    return {key: k for m in modalities() for key, k in m.chains.items()}


def kind_of_extension(suffix: str) -> str | None:
    suffix = suffix.lower()
    return next((m.kind for m in modalities() if suffix in m.extensions), None)


def sniff_plugins(head: bytes, suffix: str) -> tuple[str, str] | None:
    """(kind, format) from the first modality whose `sniff` recognises `head`, else None."""
    for m in modalities():
        if m.sniff is not None and (fmt := m.sniff(head, suffix)):
            return m.kind, fmt
    return None


def plugin_modules() -> tuple[str, ...]:
    """The packages of the modalities registered here besides the built-in ones: what a
    worker process imports to know the same modalities (`import_modules`)."""
    return tuple(m.module for m in modalities() if m.module and m.module not in BUILTIN_PACKAGES)
