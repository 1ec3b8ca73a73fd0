"""Procedural generators (`synth.shapes`, `synth.tones`, `synth.video`) and composition from
real assets (`synth.scenes`). Importing this package registers the generators.

`scenes(out, objects=..., backgrounds=...)` runs `synth.scenes` (`mediasynth.api.scenes`)."""

import importlib

from mediasynth.synth import scenes_generator, shapes, tones, video  # noqa: F401


def scenes(out, **options):
    """`mediasynth.api.scenes`: pasted-object scenes into `out` (see its doc)."""
    return importlib.import_module("mediasynth.api").scenes(out, **options)
