"""Video (temporal) transforms; importing this package registers them."""

from mediasynth.video.transforms import temporal  # noqa: F401
