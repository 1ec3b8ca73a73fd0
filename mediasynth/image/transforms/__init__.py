"""Image transforms; importing this package registers them."""

from mediasynth.image.transforms import color, geometric  # noqa: F401
