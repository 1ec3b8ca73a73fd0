"""The image modality's engine interface (see engine/handlers.py)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from mediasynth.core.handler import HandlerDefaults
from mediasynth.core.transform import OpRecord
from mediasynth.image import signature as image_signatures
from mediasynth.image.annotations import Limits, denormalized
from mediasynth.image.render import DecodedSource, FileSource
from mediasynth.image.render import render as render_image
from mediasynth.image.samples import annotated_fields
from mediasynth.image.thumbnails import thumbnail_png
from mediasynth.io.image_io import (
    check_header,
    encode_image,
    normalize_format,
    output_extension,
    read_image,
    verify_image,
)

_EQUAL_WEIGHTS = np.full((1, 3), 1.0 / 3.0, np.float32)


def image_stats(pixels: np.ndarray) -> dict:
    """Luma mean and standard deviation (0-255; luma here: the mean of R, G and B) and a
    64-bit difference hash, computed on a copy halved by 2 x 2 means (OpenCV's fast path)
    until it is under 128 pixels a side: 0.2 ms for a 640x480 image (a resampling to a
    fixed size by a non-integer factor costs more than all of it)."""
    import cv2

    small = pixels
    while max(small.shape[:2]) >= 128 and min(small.shape[:2]) >= 32:
        half = (small.shape[1] // 2, small.shape[0] // 2)
        small = cv2.resize(small[: half[1] * 2, : half[0] * 2], half,
                           interpolation=cv2.INTER_AREA)
    if small.ndim == 2:
        small = small[:, :, None]
    full = {np.dtype(np.uint8): 1.0, np.dtype(np.uint16): 255.0 / 65535.0}.get(small.dtype, 255.0)
    channels = small[:, :, : min(3, small.shape[2])].astype(np.float32)
    if channels.shape[2] == 3:
        gray = cv2.transform(channels, _EQUAL_WEIGHTS * np.float32(full))
    else:
        gray = channels[:, :, 0] * np.float32(full)
    tiny = cv2.resize(gray, (9, 8), interpolation=cv2.INTER_AREA)
    bits = np.packbits((tiny[:, 1:] > tiny[:, :-1]).flatten())
    mean, std = cv2.meanStdDev(gray)
    return {"luma_mean": round(float(mean[0, 0]), 3), "luma_std": round(float(std[0, 0]), 3),
            "dhash": bits.tobytes().hex()}


def _limits(pipeline) -> Limits:
    opts = pipeline.dataset
    return Limits(min_visibility=opts.min_box_visibility, min_area_px=opts.min_box_area_px)


class ImageHandler(HandlerDefaults):
    kind = "image"
    makes_previews = True  # render(..., previews=...): the report's tiles, from the pixels

    def output_extension(self, source_format: str, output) -> str:
        fmt = source_format if output.image_format == "same" else output.image_format
        return output_extension(fmt)

    def check(self, path: Path, budgets) -> None:
        """Header-only checks (raise MediaError): readable header; pixel budget and memory
        budget ("too_large": file plus 4 working copies of the decoded first frame over
        budgets.max_worker_memory_bytes, see image_io.check_memory); a JPEG, PNG or WebP cut
        short by its own structure ("truncated")."""
        check_header(path, max_pixels=budgets.max_image_pixels,
                     max_memory_bytes=budgets.max_worker_memory_bytes)

    def signature(self, path: Path, budgets) -> bytes:
        """Near-duplicate signature (image/signature.py), from a 1/8-scale decode."""
        return image_signatures.image_signature(path)

    def near_pairs(self, signatures: dict[str, bytes]) -> list[tuple[str, str, float]]:
        return image_signatures.near_pairs(signatures)

    def verify(self, path: Path, budgets) -> None:
        """Decode every frame in full (for originals copied byte for byte, which are never
        decoded otherwise): MediaError "truncated" for a file cut short, "damaged" for other
        decode errors, and the errors of `check`."""
        verify_image(path, max_pixels=budgets.max_image_pixels,
                     max_memory_bytes=budgets.max_worker_memory_bytes)

    def load(self, path: Path, budgets):
        """The first frame, upright (MediaError as in `check`, or "damaged" when the pixel
        data does not decode)."""
        return read_image(path, max_pixels=budgets.max_image_pixels,
                          max_memory_bytes=budgets.max_worker_memory_bytes)

    def sample(self, item, pipeline, rng, dataset, record: OpRecord | None = None
               ) -> tuple[dict, OpRecord | None]:
        """A data loader's sample (loaders/dataset.py) and its record: "image" (converted
        to `dataset.mode` before the chain, see image/modes.py) and, for an annotated item,
        its moved targets (image/samples.py). The same render path as `render` (the
        pipeline's box limits included), from the file: a JPEG is decoded at the size the
        chain's first step needs. For an expand row's `record`, the pixels of its output
        before encoding; for its generator, the same draws and record (but for
        "decode_scale"), pixels within the decode-at-size tolerance."""
        source = FileSource.open(item.path, dataset.budgets, getattr(dataset, "mode", None))
        chain = pipeline.chain("image") if pipeline is not None else None
        if chain is None and item.annotation is None:
            return {"image": source.decode(1).pixels}, None
        annotation = None
        if item.annotation is not None:
            annotation = denormalized(item.annotation, source.width, source.height)
        made = render_image(chain, source, rng=rng, record=record, annotation=annotation,
                            limits=_limits(pipeline) if pipeline is not None else None)
        if annotation is None:
            return {"image": made.image.pixels}, made.record
        return annotated_fields(made, dataset.categories, dataset.instance_masks), made.record

    def render(self, image, pipeline, rng, dest: Path, annotation: dict | None = None,
               previews: tuple[str, ...] = ()):
        """Run the image chain and write the result (image/render.py, from the pixels in
        hand: the engine decodes a source once for all its outputs and its statistics, and
        decoding it again smaller per output would cost more than resizing it, see
        docs/benchmarks.md); with an `annotation` (see
        image/annotations.py) its objects and mask move with the pixels and info carries
        "annotation", "dropped_objects" and "side" (the moved mask's PNG bytes). With
        `previews` ("output", "source"), info["previews"] holds the report's tiles of
        them (PNG thumbnails, engine/previews.py), made from the pixels in hand."""
        made = render_image(pipeline.image, DecodedSource(image), rng=rng,
                            annotation=annotation, limits=_limits(pipeline))
        info = self._info(made, pipeline, dest)
        if previews:
            shown = {"output": made.image, "source": image}
            info["previews"] = {what: thumbnail_png(shown[what].pixels) for what in previews}
        return made.record, info

    def replay(self, image, pipeline, record: OpRecord, dest: Path,
               annotation: dict | None = None):
        made = render_image(pipeline.image, DecodedSource(image), record=record,
                            annotation=annotation, limits=_limits(pipeline))
        return self._info(made, pipeline, dest)

    def _info(self, made, pipeline, dest: Path) -> dict:
        info = self._write(made.image, pipeline, dest)
        if made.annotation is None:
            return info
        return {**info, "annotation": made.annotation, "dropped_objects": made.dropped,
                "side": made.side}

    def _write(self, image, pipeline, dest: Path) -> dict:
        opts = pipeline.output
        fmt = normalize_format(dest.suffix)
        data = encode_image(image, fmt, jpeg_quality=opts.jpeg_quality,
                            png_compression=opts.png_compression)
        dest.write_bytes(data)
        return {"width": image.width, "height": image.height, "channels": image.channels,
                "stats": self.describe(image), "sha256": hashlib.sha256(data).hexdigest()}

    def embed(self, image):
        """The vector `balance: synthesize` finds neighbours in (image/mixing.py)."""
        from mediasynth.image.mixing import embed

        return embed(image)

    def mix(self, image, partners: list, lam: float):
        """lam * image + (1 - lam) * partner (image/mixing.py)."""
        from mediasynth.image.mixing import interpolate

        return interpolate(image, partners[0], lam)

    def describe(self, image) -> dict:
        """Cheap statistics for the report: mean and standard deviation of luma (0-255) and
        a 64-bit difference hash, from a small copy."""
        return image_stats(image.pixels)
