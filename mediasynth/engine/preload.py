"""What the worker fork server imports once, so each worker starts warm: the engine's worker
side and NumPy. Modality handlers, transforms and codec libraries are imported by the
workers that need them (a handler on its kind's first source, a transform module when the
pipeline is unpickled), so an image job does not pay for PyAV or the audio transforms,
and on a machine with as many cores as workers the imports run side by side."""

from mediasynth.engine import worker  # noqa: F401
