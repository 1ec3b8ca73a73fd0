"""Procedural generators (`synth.shapes`, `synth.tones`, `synth.video`) and composition from
real assets (`synth.scenes`: pasted-object scenes, `synth.soundscape`: sound events on
recorded backgrounds). Importing this package registers the generators.

`scenes(out, objects=..., backgrounds=...)` runs `synth.scenes` (`mediasynth.api.scenes`),
`soundscape(out, foreground=..., background=...)` runs `synth.soundscape`
(`mediasynth.api.soundscape`)."""

import importlib

from mediasynth.synth import (  # noqa: F401
    scenes_generator,
    shapes,
    soundscape_generator,
    tones,
    video,
)


def scenes(out, **options):
    """`mediasynth.api.scenes`: pasted-object scenes into `out` (see its doc)."""
    return importlib.import_module("mediasynth.api").scenes(out, **options)


def soundscape(out, **options):
    """`mediasynth.api.soundscape`: soundscapes into `out` (see its doc)."""
    return importlib.import_module("mediasynth.api").soundscape(out, **options)
