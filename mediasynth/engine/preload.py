"""Modules the worker fork server imports once, so each worker starts warm: the engine,
every modality handler, every registered transform (unpickling a pipeline needs them) and
the codec and probing libraries."""

from mediasynth.audio import handler as _audio_handler  # noqa: F401
from mediasynth.core import registry
from mediasynth.engine import worker  # noqa: F401
from mediasynth.image import handler as _image_handler  # noqa: F401
from mediasynth.video import handler as _video_handler  # noqa: F401

registry.load_all()

try:  # the codec and probing libraries, if installed
    import av  # noqa: F401
    import cv2  # noqa: F401
    import soundfile  # noqa: F401
except ImportError:  # pragma: no cover - all are dependencies
    pass
