"""Core abstractions: media containers, transforms, composition, randomness, registry, config.

The names below load on first use (PEP 562), so importing a light submodule such as
`mediasynth.core.errors` does not pull in NumPy: the CLI starts its workers first."""

import importlib

_EXPORTS = {
    "Compose": "compose", "OneOf": "compose", "RandomApply": "compose", "SomeOf": "compose",
    "ConfigError": "errors", "MediaError": "errors", "MediasynthError": "errors",
    "Audio": "media", "Image": "media", "MediaKind": "media", "Video": "media",
    "OpRecord": "transform", "Transform": "transform",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(importlib.import_module(f"mediasynth.core.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module 'mediasynth.core' has no attribute {name!r}")
