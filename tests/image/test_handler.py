"""The image handler's header check (memory budget, truncation), full verification and load."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image as PILImage
from PIL import ImageFile

from mediasynth.core.config import Budgets
from mediasynth.core.errors import MediaError
from mediasynth.image.handler import ImageHandler
from mediasynth.io.image_io import WORKING_COPIES, probe_image

MiB = 2**20


def _gradient(h=120, w=160, channels=3) -> np.ndarray:
    yy, xx = np.mgrid[0:h, 0:w]
    planes = [xx * 255 // w, yy * 255 // h, (xx * yy) % 256, np.full_like(xx, 200)]
    noise = np.random.default_rng(0).integers(0, 40, (h, w))
    return np.stack([(p + noise) % 256 for p in planes[:channels]], axis=2).astype(np.uint8)


def _png16_rgba(path, side: int) -> None:
    import cv2

    rgba = (np.random.default_rng(1).integers(0, 65536, (side, side, 4))).astype(np.uint16)
    cv2.imwrite(str(path), rgba)


def _code(fn, path, budgets=None) -> str:
    try:
        fn(path, budgets or Budgets())
    except MediaError as exc:
        return exc.code
    return "ok"


def test_memory_budget_counts_16_bit_samples_from_the_header(tmp_path):
    """Pillow calls a 16-bit RGBA PNG "RGBA" like an 8-bit one; the check reads the raw mode
    and refuses the 16-bit file once its WORKING_COPIES decoded copies exceed the budget,
    while the 8-bit file of the same size passes."""
    deep, flat = tmp_path / "deep.png", tmp_path / "flat.png"
    _png16_rgba(deep, 512)
    PILImage.fromarray(_gradient(512, 512, 4), "RGBA").save(flat)
    assert probe_image(deep).decoded_bytes == 512 * 512 * 4 * 2
    assert probe_image(flat).decoded_bytes == 512 * 512 * 4
    budget = Budgets(max_worker_memory_bytes=WORKING_COPIES * 512 * 512 * 6)
    handler = ImageHandler()
    with pytest.raises(MediaError) as info:
        handler.check(deep, budget)
    assert info.value.code == "too_large" and "max_worker_memory_bytes" in info.value.message
    handler.check(flat, budget)
    assert _code(handler.load, deep, budget) == "too_large"
    assert handler.load(flat, budget).pixels.shape == (512, 512, 4)
    handler.check(deep, Budgets(max_worker_memory_bytes=64 * MiB))


def test_animated_gif_is_budgeted_and_decoded_by_its_first_frame(tmp_path):
    """read_image decodes only the first frame, so the budget counts one frame: a 12-frame
    GIF whose frames together would not fit passes and loads its first frame."""
    path = tmp_path / "anim.gif"
    frames = [PILImage.fromarray(np.full((200, 300, 3), v, np.uint8)) for v in range(0, 240, 20)]
    frames[0].save(path, save_all=True, append_images=frames[1:])
    header = probe_image(path)
    assert header.frames == 12 and header.decoded_bytes == 200 * 300 * 3
    budget = Budgets(max_worker_memory_bytes=WORKING_COPIES * 200 * 300 * 3 * 2)
    ImageHandler().check(path, budget)
    assert ImageHandler().load(path, budget).pixels.mean() < 5


def _encoded(fmt: str, **options) -> bytes:
    buf = io.BytesIO()
    PILImage.fromarray(_gradient()).save(buf, fmt, **options)
    return buf.getvalue()


CUTS = [0.02, 0.3, 0.7, 0.97]
FORMATS = {"jpg": ("JPEG", {"quality": 90}), "progressive.jpg": ("JPEG", {"progressive": True}),
           "png": ("PNG", {}), "webp": ("WEBP", {"quality": 80}),
           "lossless.webp": ("WEBP", {"lossless": True})}


@pytest.mark.parametrize("name", list(FORMATS))
@pytest.mark.parametrize("cut", CUTS)
def test_truncated_files_are_truncated_for_check_verify_and_load(tmp_path, name, cut):
    fmt, options = FORMATS[name]
    data = _encoded(fmt, **options)
    path = tmp_path / f"cut.{name}"
    path.write_bytes(data[: int(len(data) * cut)])
    handler = ImageHandler()
    assert [_code(f, path) for f in (handler.check, handler.verify, handler.load)] == \
        ["truncated"] * 3


@pytest.mark.parametrize("name", ["jpg", "png", "gif", "bmp", "tif"])
def test_truncation_is_refused_even_with_load_truncated_images(tmp_path, monkeypatch, name):
    """Pillow's global LOAD_TRUNCATED_IMAGES (set by some other library) would decode a cut
    file with a grey or black rest; loading and verifying still refuse it."""
    fmt = {"jpg": "JPEG", "png": "PNG", "gif": "GIF", "bmp": "BMP", "tif": "TIFF"}[name]
    data = _encoded(fmt)
    path = tmp_path / f"cut.{name}"
    path.write_bytes(data[: int(len(data) * 0.6)])
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    handler = ImageHandler()
    assert _code(handler.verify, path) == "truncated"
    assert _code(handler.load, path) == "truncated"
    assert ImageFile.LOAD_TRUNCATED_IMAGES is True  # restored


def test_verify_decodes_every_frame(tmp_path):
    """A multi-page TIFF cut inside its last page loads (only the first page is decoded) but
    does not verify."""
    path = tmp_path / "pages.tif"
    pages = [PILImage.fromarray(_gradient() // (k + 1)) for k in range(3)]
    pages[0].save(path, save_all=True, append_images=pages[1:])
    data = path.read_bytes()
    handler = ImageHandler()
    assert _code(handler.verify, path) == "ok"
    path.write_bytes(data[: len(data) - 20_000])
    assert probe_image(path).frames == 3
    assert _code(handler.load, path) == "ok"
    assert _code(handler.verify, path) == "truncated"


def test_damaged_pixel_data_is_damaged(tmp_path):
    data = bytearray(_encoded("PNG"))
    idat = data.index(b"IDAT")
    data[idat + 40 : idat + 56] = bytes(range(16))
    path = tmp_path / "damaged.png"
    path.write_bytes(bytes(data))
    handler = ImageHandler()
    assert _code(handler.check, path) == "ok"  # the header and end marker are sound
    assert _code(handler.verify, path) == "damaged"
    assert _code(handler.load, path) == "damaged"


@pytest.mark.parametrize("fmt", ["jpg", "png", "webp", "bmp", "tif", "gif"])
def test_sound_files_pass_every_check(tmp_path, fmt):
    from mediasynth.core.media import Image
    from mediasynth.io.image_io import write_image

    path = write_image(Image(_gradient()), tmp_path / f"ok.{fmt}")
    handler = ImageHandler()
    handler.check(path, Budgets())
    handler.verify(path, Budgets())
    assert handler.load(path, Budgets()).pixels.shape[:2] == (120, 160)


def test_a_jpeg_with_junk_after_its_end_marker_is_sound(tmp_path):
    path = tmp_path / "junk.jpg"
    path.write_bytes(_encoded("JPEG") + b"camera trailer" * 10)
    handler = ImageHandler()
    handler.check(path, Budgets())
    handler.verify(path, Budgets())
    assert handler.load(path, Budgets()).pixels.shape == (120, 160, 3)
