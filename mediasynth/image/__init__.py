"""Image kernels (`functional/`) and sampling transforms (`transforms/`); the image modality."""

from mediasynth.core.modality import Modality, register_modality

register_modality(Modality(
    kind="image", handler="mediasynth.image.handler:ImageHandler", chains={"image": "image"},
    extensions=(".jpg", ".jpeg", ".png", ".gif", ".tif", ".tiff", ".bmp", ".webp"),
    transforms="mediasynth.image.transforms", stats_keys=("luma_mean", "luma_std")), __name__)
