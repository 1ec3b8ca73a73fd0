"""The image modality's engine interface (see engine/handlers.py)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from mediasynth.core.errors import MediaError
from mediasynth.core.transform import OpRecord
from mediasynth.io.image_io import (
    check_budget,
    encode_image,
    normalize_format,
    output_extension,
    probe_image,
    read_image,
)


class ImageHandler:
    kind = "image"

    def output_extension(self, source_format: str, output) -> str:
        fmt = source_format if output.image_format == "same" else output.image_format
        return output_extension(fmt)

    def check(self, path: Path, budgets) -> None:
        """Header-only checks (raise MediaError): readable header, pixel budget, and for
        JPEG/PNG an intact end marker (truncation)."""
        header = probe_image(path)
        check_budget(header, budgets.max_image_pixels)
        tail_marker = {"jpeg": b"\xff\xd9", "png": b"IEND\xaeB`\x82"}.get(header.format)
        if tail_marker is not None:
            with open(path, "rb") as fh:
                fh.seek(max(0, path.stat().st_size - 4096))
                tail = fh.read().rstrip(b"\x00")
            if not tail.endswith(tail_marker) and tail_marker not in tail:
                raise MediaError("truncated", f"{header.format.upper()} end marker missing: "
                                 "the file is cut short")

    def load(self, path: Path, budgets):
        return read_image(path, max_pixels=budgets.max_image_pixels)

    def render(self, image, pipeline, rng, dest: Path):
        chain = pipeline.image
        if chain is None:
            out, record = image, OpRecord("compose", True, {})
        else:
            out, record = chain.run(image, rng)
        return record, self._write(out, pipeline, dest)

    def replay(self, image, pipeline, record: OpRecord, dest: Path):
        out = image if pipeline.image is None else pipeline.image.replay(image, record)
        return self._write(out, pipeline, dest)

    def _write(self, image, pipeline, dest: Path) -> dict:
        opts = pipeline.output
        fmt = normalize_format(dest.suffix)
        data = encode_image(image, fmt, jpeg_quality=opts.jpeg_quality,
                            png_compression=opts.png_compression)
        dest.write_bytes(data)
        return {"width": image.width, "height": image.height, "channels": image.channels,
                "sha256": hashlib.sha256(data).hexdigest()}
