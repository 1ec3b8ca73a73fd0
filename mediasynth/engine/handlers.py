"""The engine's access to modality handlers. The interface itself is the `Handler`
Protocol of core/handler.py (checked when a modality registers); handlers come from the
registered modalities (core/modality.py)."""

from __future__ import annotations

from mediasynth.core.handler import Handler, HandlerDefaults
from mediasynth.core.modality import handler_for

__all__ = ["Handler", "HandlerDefaults", "handler_for", "output_extension"]


def output_extension(kind: str, source_format: str, output_options) -> str:
    return handler_for(kind).output_extension(source_format, output_options)
