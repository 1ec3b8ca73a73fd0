"""Image transforms; importing this package registers them."""

from mediasynth.image.transforms import color, crop, filters, geometric, mixing  # noqa: F401
