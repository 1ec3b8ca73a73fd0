"""Procedural generators (`synth.shapes`, `synth.tones`, `synth.video`) and their runner.

Importing this package registers the generators."""

from mediasynth.synth import shapes, tones, video  # noqa: F401
