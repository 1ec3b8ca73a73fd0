"""Modules the worker fork server imports once, so each worker starts warm: the engine,
every modality's handler, every registered transform (unpickling a pipeline needs them) and
the codec and probing libraries."""

from mediasynth.core import modality, registry
from mediasynth.engine import worker  # noqa: F401

for _m in modality.modalities():
    modality.handler_for(_m.kind)
registry.load_all()

try:  # the codec and probing libraries, if installed
    import av  # noqa: F401
    import cv2  # noqa: F401
    import soundfile  # noqa: F401
except ImportError:  # pragma: no cover - all are dependencies
    pass
