"""Procedural generators (`synth.shapes`, `synth.tones`, `synth.video`), the soundscape
generator from real recordings (`synth.soundscape`), and their runner.

Importing this package registers the generators."""

from mediasynth.synth import shapes, soundscape, tones, video  # noqa: F401
