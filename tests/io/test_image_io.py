"""Reading real-world image files: modes, bit depths, orientation, damage, budgets."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image as PILImage
from PIL import ImageOps

from mediasynth.core.errors import MediaError
from mediasynth.core.media import Image
from mediasynth.io.image_io import read_image, write_image


def _photo(w=40, h=30):
    yy, xx = np.mgrid[0:h, 0:w]
    return np.stack([xx * 6, yy * 8, (xx + yy) * 3], axis=2).astype(np.uint8)


@pytest.mark.parametrize("orientation", range(1, 9))
def test_exif_orientation_matches_pillow_exif_transpose(tmp_path, orientation):
    im = PILImage.fromarray(_photo())
    exif = im.getexif()
    exif[0x0112] = orientation
    path = tmp_path / "o.jpg"
    im.save(path, exif=exif, quality=95)
    ref = np.asarray(ImageOps.exif_transpose(PILImage.open(path)).convert("RGB"))
    ours = read_image(path).pixels
    assert ours.shape == ref.shape
    assert np.abs(ours.astype(int) - ref.astype(int)).mean() < 1.5


@pytest.mark.parametrize("mode,channels", [("L", 1), ("LA", 4), ("RGB", 3), ("RGBA", 4), ("P", 3),
                                           ("1", 1), ("CMYK", 3)])
def test_modes_come_out_as_1_3_or_4_channels(tmp_path, mode, channels):
    im = PILImage.fromarray(_photo()).convert(mode)
    fmt = "jpg" if mode == "CMYK" else "png"
    if mode == "CMYK":
        path = tmp_path / "x.jpg"
        im.save(path)
    else:
        path = tmp_path / f"x.{fmt}"
        im.save(path)
    img = read_image(path)
    assert img.pixels.shape == (30, 40, channels) and img.pixels.dtype == np.uint8


def test_palette_with_transparency_keeps_alpha(tmp_path):
    im = PILImage.fromarray(_photo()).convert("P")
    path = tmp_path / "t.png"
    im.save(path, transparency=0)
    assert read_image(path).channels == 4


def test_16_bit_png_stays_16_bit_through_a_round_trip(tmp_path):
    import cv2

    arr = (np.arange(30 * 40 * 3).reshape(30, 40, 3) * 37 % 65535).astype(np.uint16)
    path = tmp_path / "deep.png"
    cv2.imwrite(str(path), arr[:, :, ::-1])
    img = read_image(path)
    assert img.pixels.dtype == np.uint16 and np.array_equal(img.pixels, arr)
    write_image(img, tmp_path / "again.png")
    assert np.array_equal(read_image(tmp_path / "again.png").pixels, arr)
    gray = PILImage.fromarray(arr[:, :, 0].astype(np.uint16))
    gray.save(tmp_path / "g16.tif")
    g = read_image(tmp_path / "g16.tif")
    assert g.pixels.dtype == np.uint16 and g.channels == 1
    assert np.array_equal(g.pixels[:, :, 0], arr[:, :, 0])


def test_multi_frame_gif_uses_the_first_frame(tmp_path):
    frames = [PILImage.fromarray(np.full((8, 8, 3), v, np.uint8)) for v in (10, 200)]
    frames[0].save(tmp_path / "a.gif", save_all=True, append_images=frames[1:])
    img = read_image(tmp_path / "a.gif")
    assert img.meta["frames"] == 2 and img.pixels.mean() < 50


def test_tiny_image(tmp_path):
    PILImage.fromarray(np.full((1, 1, 3), 9, np.uint8)).save(tmp_path / "px.png")
    assert read_image(tmp_path / "px.png").pixels.shape == (1, 1, 3)


def test_truncated_jpeg_is_refused_not_greyed(tmp_path):
    path = tmp_path / "t.jpg"
    PILImage.fromarray(np.random.default_rng(0).integers(0, 255, (200, 200, 3), np.uint8)).save(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(MediaError) as info:
        read_image(path)
    assert info.value.code == "truncated"


def test_truncated_png_is_refused(tmp_path):
    path = tmp_path / "t.png"
    PILImage.fromarray(np.random.default_rng(0).integers(0, 255, (200, 200, 3), np.uint8)).save(path)
    path.write_bytes(path.read_bytes()[:3000])
    with pytest.raises(MediaError) as info:
        read_image(path)
    assert info.value.code == "truncated"


def test_decompression_bomb_is_refused_from_the_header(tmp_path):
    # a tiny PNG that declares 20000 x 20000 pixels
    path = tmp_path / "bomb.png"
    PILImage.new("L", (20000, 20000)).save(path, optimize=True)
    assert path.stat().st_size < 1_000_000
    with pytest.raises(MediaError) as info:
        read_image(path, max_pixels=50_000_000)
    assert info.value.code == "too_large" and "budget" in info.value.message


def test_garbage_is_unreadable(tmp_path):
    path = tmp_path / "g.jpg"
    path.write_bytes(b"\xff\xd8\xff" + bytes(range(256)) * 4)
    with pytest.raises(MediaError):
        read_image(path)


@pytest.mark.parametrize("fmt", ["jpg", "png", "webp", "bmp", "tif", "gif"])
def test_written_files_decode_elsewhere(tmp_path, fmt):
    img = Image(_photo())
    path = write_image(img, tmp_path / f"o.{fmt}")
    back = np.asarray(PILImage.open(path).convert("RGB"))
    tol = {"jpg": 6, "webp": 8, "gif": 40}.get(fmt, 0)
    assert np.abs(back.astype(int) - img.pixels.astype(int)).mean() <= tol


def test_alpha_is_flattened_over_white_for_jpeg(tmp_path):
    px = np.zeros((10, 10, 4), np.uint8)  # fully transparent black
    write_image(Image(px), tmp_path / "a.jpg")
    back = np.asarray(PILImage.open(tmp_path / "a.jpg"))
    assert back.min() > 240
    write_image(Image(px), tmp_path / "a.png")
    assert PILImage.open(tmp_path / "a.png").mode == "RGBA"


def test_no_temp_files_left_after_a_failed_encode(tmp_path):
    with pytest.raises(ValueError):
        write_image(Image(_photo()), tmp_path / "o.xyz")
    assert list(tmp_path.iterdir()) == []


def test_probing_a_png_decodes_no_pixels(tmp_path, monkeypatch):
    """Pillow's PNG getexif() decodes the whole image to look for an eXIf chunk behind the
    pixel data; the header probe must not."""
    from mediasynth.io.image_io import probe_image

    path = tmp_path / "p.png"
    PILImage.fromarray(_photo()).save(path)

    def no_decoding(self, *args, **kwargs):
        raise AssertionError("pixel data decoded while probing the header")

    monkeypatch.setattr(PILImage.Image, "load", no_decoding)
    monkeypatch.setattr("PIL.ImageFile.ImageFile.load", no_decoding)
    header = probe_image(path)
    assert (header.width, header.height, header.orientation) == (40, 30, 1)


def test_png_exif_orientation_before_the_pixels_is_applied(tmp_path):
    im = PILImage.fromarray(_photo())
    exif = im.getexif()
    exif[0x0112] = 6
    path = tmp_path / "o.png"
    im.save(path, exif=exif)
    assert read_image(path).pixels.shape == (40, 30, 3)


@pytest.mark.parametrize("make,expected", [
    (lambda p: PILImage.fromarray(_photo()).save(p / "rgb.png"), 30 * 40 * 3),
    (lambda p: PILImage.fromarray(_photo()).convert("P").save(p / "p.png", transparency=0),
     30 * 40 * 4),
    (lambda p: PILImage.fromarray(_photo()[:, :, 0].astype(np.uint16) * 250).save(p / "g.tif"),
     30 * 40 * 2),
    (lambda p: PILImage.fromarray(_photo()[:, :, 0].astype(np.float32) / 255).save(p / "f.tif"),
     30 * 40 * 4),
])
def test_decoded_bytes_from_the_header_match_the_decoded_array(tmp_path, make, expected):
    from mediasynth.io.image_io import probe_image

    make(tmp_path)
    (path,) = tmp_path.iterdir()
    assert probe_image(path).decoded_bytes == expected == read_image(path).pixels.nbytes
