"""Image signatures on real photos: edited copies match, distinct photos do not."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from mediasynth.image.signature import image_signature, near_pairs
from tests.photos import edits, quarters, real_photos


def _signature(image, tmp_path, name) -> bytes:
    path = tmp_path / name
    if isinstance(image, bytes):
        path.write_bytes(image)
    else:
        image.save(path)
    return image_signature(path)


def test_edited_copies_are_near_duplicates(tmp_path):
    photos = real_photos()
    for name in ("astronaut", "chelsea", "rocket", "camera", "china", "flower", "coins"):
        photo = photos[name]
        signatures = {"orig.png": _signature(photo, tmp_path, f"{name}.png")}
        for kind, edited in edits(photo).items():
            ext = ".jpg" if isinstance(edited, bytes) else ".png"
            signatures[kind + ext] = _signature(edited, tmp_path, f"{name}_{kind}{ext}")
        linked = {frozenset(p[:2]) for p in near_pairs(signatures)}
        for kind in signatures:
            if kind != "orig.png":
                assert frozenset(("orig.png", kind)) in linked, (name, kind)


def test_distinct_photos_and_their_quarters_are_never_grouped(tmp_path):
    photos = real_photos()
    signatures = {}
    for name, photo in photos.items():
        signatures[f"{name}.png"] = _signature(photo, tmp_path, f"{name}.png")
        for q, part in enumerate(quarters(photo)):
            signatures[f"{name}_q{q}.png"] = _signature(part, tmp_path, f"{name}_q{q}.png")
    assert len(signatures) >= 60
    assert near_pairs(signatures) == []


def test_jpeg_is_decoded_at_reduced_scale_and_orientation_applied(tmp_path):
    photo = real_photos()["astronaut"]
    buf = io.BytesIO()
    exif = Image.Exif()
    exif[0x0112] = 6  # rotated 90 degrees: the upright image is the transpose's mirror
    photo.rotate(90, expand=True).save(buf, "JPEG", quality=90, exif=exif)
    (tmp_path / "rotated.jpg").write_bytes(buf.getvalue())
    photo.save(tmp_path / "upright.png")
    a = np.unpackbits(np.frombuffer(image_signature(tmp_path / "rotated.jpg"), np.uint8))
    b = np.unpackbits(np.frombuffer(image_signature(tmp_path / "upright.png"), np.uint8))
    assert (a != b).sum() <= 16


def test_loading_the_image_handler_leaves_scipy_unimported():
    """The run's parent loads the image handler (needs_ffmpeg, statistics) but never signs:
    scipy.fft is imported by the first signature, in a worker, not at import."""
    import subprocess
    import sys

    code = ("import sys; import mediasynth.image.handler; "
            "print('scipy.fft' in sys.modules)")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True).stdout.strip()
    assert loaded == "False"
