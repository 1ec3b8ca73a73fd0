"""Image kernels (`functional/`) and sampling transforms (`transforms/`); the image modality.

Also the public namespace of its transform classes: `from mediasynth.image import Rotate`
(loaded on first use, the registry's own class; `HorizontalFlip`/`VerticalFlip` are
albumentations' names of FlipHorizontal/FlipVertical)."""

from mediasynth.core.modality import Modality, register_modality

register_modality(Modality(
    kind="image", handler="mediasynth.image.handler:ImageHandler", chains={"image": "image"},
    extensions=(".jpg", ".jpeg", ".png", ".gif", ".tif", ".tiff", ".bmp", ".webp"),
    transforms="mediasynth.image.transforms", stats_keys=("luma_mean", "luma_std"),
    report_tile="mediasynth.image.thumbnails:report_tile"), __name__)


def __getattr__(name: str):
    """Every registered image transform class by its class name, loaded on first use:
    `from mediasynth.image import ...` gives the registry's own class."""
    from mediasynth.core.registry import namespace_attribute

    return namespace_attribute(__name__, "image", name)


def __dir__() -> list[str]:
    from mediasynth.core.registry import namespace_names

    return sorted({*globals(), *namespace_names("image")})
