"""Image kernels (`functional/`) and sampling transforms (`transforms/`); the image modality.

Also the public namespace of its transform classes: `from mediasynth.image import Rotate`
(loaded on first use, the registry's own class; `HorizontalFlip`/`VerticalFlip` are
albumentations' names of FlipHorizontal/FlipVertical)."""

from mediasynth.core.modality import Modality, register_modality
from mediasynth.core.namespaces import transform_namespace

register_modality(Modality(
    kind="image", handler="mediasynth.image.handler:ImageHandler", chains={"image": "image"},
    extensions=(".jpg", ".jpeg", ".png", ".gif", ".tif", ".tiff", ".bmp", ".webp"),
    transforms="mediasynth.image.transforms", stats_keys=("luma_mean", "luma_std"),
    report_tile="mediasynth.image.thumbnails:report_tile"), __name__)


__getattr__, __dir__ = transform_namespace(__name__, "image")
