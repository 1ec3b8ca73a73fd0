"""Personal metadata out of image files, losslessly (io/metadata_image.py through
io/metadata_strip.py's entry point): EXIF GPS, serials and owner names, XMP, IPTC, comments,
PNG text chunks are gone from the bytes; pixels, ICC profile and orientation are not."""

from __future__ import annotations

import io
import re
from pathlib import Path

import numpy as np
import pytest
from PIL import Image as PILImage
from PIL import ImageCms
from PIL.PngImagePlugin import PngInfo

from mediasynth.io.image_io import read_image
from mediasynth.io.metadata_strip import strip_metadata

PERSONAL = (b"Jane Doe", b"SN-BODY-778899", b"LENS-4455", b"Owner Name", b"48.8577",
            b"GPSLatitude")
ICC = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def personal_exif(orientation: int = 6) -> PILImage.Exif:
    exif = PILImage.Exif()
    exif[0x0112] = orientation
    exif[0x013B] = "Jane Doe"  # Artist
    exif[0x8298] = "(c) Jane Doe"  # Copyright
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2], gps[3], gps[4] = "N", (48.0, 51.0, 27.72), "E", (2.0, 17.0, 40.2)
    sub = exif.get_ifd(0x8769)
    sub[0xA430] = "Owner Name"  # CameraOwnerName
    sub[0xA431] = "SN-BODY-778899"  # BodySerialNumber
    sub[0xA435] = "LENS-4455"  # LensSerialNumber
    return exif


def photo(height: int = 480, width: int = 640, channels: int = 3) -> np.ndarray:
    rng = np.random.default_rng(7)
    yy, xx = np.mgrid[0:height, 0:width]
    base = ((xx * 3 + yy * 2) % 256).astype(np.int16)[:, :, None]
    noisy = base + rng.integers(-20, 20, (height, width, channels))
    return np.clip(noisy, 0, 255).astype(np.uint8)


def _xmp_app1(text: bytes) -> bytes:
    payload = b"http://ns.adobe.com/xap/1.0/\x00" + text
    return b"\xff\xe1" + (len(payload) + 2).to_bytes(2, "big") + payload


def _iptc_app13(text: bytes) -> bytes:
    payload = b"Photoshop 3.0\x008BIM\x04\x04\x00\x00" + len(text).to_bytes(4, "big") + text
    return b"\xff\xed" + (len(payload) + 2).to_bytes(2, "big") + payload


def tagged_jpeg(path: Path, *, progressive: bool, channels: int = 3) -> bytes:
    """A camera-like JPEG: EXIF (GPS, serials, owner, orientation 6), ICC, comment, XMP,
    IPTC and trailing bytes after the end marker (as secondary MPF images leave)."""
    pixels = photo(channels=channels)
    im = PILImage.fromarray(pixels[:, :, 0] if channels == 1 else pixels)
    buf = io.BytesIO()
    im.save(buf, "JPEG", exif=personal_exif(), icc_profile=ICC, quality=90,
            progressive=progressive, comment=b"shot by Jane Doe")
    data = buf.getvalue()
    extra = _xmp_app1(b"<x:xmpmeta><dc:creator>Jane Doe</dc:creator></x:xmpmeta>") + \
        _iptc_app13(b"Jane Doe, 48.8577")
    data = data[:2] + extra + data[2:] + b"\xff\xd8Jane Doe secondary image\xff\xd9"
    path.write_bytes(data)
    return data


def _scans(data: bytes, end: int | None = None) -> bytes:
    """From the first start-of-scan to `end`: the coded pixels (and the tables between the
    scans of a progressive JPEG)."""
    return data[data.index(b"\xff\xda"):end]


@pytest.mark.parametrize("progressive", [False, True])
@pytest.mark.parametrize("channels", [3, 1])
def test_jpeg_loses_exif_gps_serials_owner_xmp_iptc_comment_but_not_a_pixel(
        tmp_path, progressive, channels):
    src, dest = tmp_path / "cam.jpg", tmp_path / "out.jpg"
    data = tagged_jpeg(src, progressive=progressive, channels=channels)
    assert all(s in data for s in PERSONAL[:4])
    removed = strip_metadata(src, dest)
    out = dest.read_bytes()
    assert [s for s in PERSONAL if s in out] == []
    assert {"jpeg.exif", "exif.gps", "exif.serial_number", "exif.owner", "jpeg.xmp",
            "jpeg.iptc", "jpeg.comment", "jpeg.trailer"} <= set(removed)
    # lossless: the coded scans are the same bytes, so are the decoded pixels
    assert _scans(out) == _scans(data, data.rindex(b"\xff\xd8"))  # the secondary left out
    src_im, out_im = PILImage.open(src), PILImage.open(dest)
    assert np.array_equal(np.asarray(src_im), np.asarray(out_im))
    assert out_im.info.get("icc_profile") == ICC
    # the orientation stays, so the copy is upright the way its annotations are
    assert out_im.getexif().get(0x0112) == 6 and dict(out_im.getexif()) == {0x0112: 6}
    assert np.array_equal(read_image(src).pixels, read_image(dest).pixels)


def test_jpeg_without_orientation_keeps_no_exif_at_all(tmp_path):
    src, dest = tmp_path / "a.jpg", tmp_path / "b.jpg"
    PILImage.fromarray(photo(120, 160)).save(src, exif=personal_exif(orientation=1))
    strip_metadata(src, dest)
    out = dest.read_bytes()
    assert b"Exif\x00\x00" not in out and b"Jane" not in out
    assert np.array_equal(np.asarray(PILImage.open(src)), np.asarray(PILImage.open(dest)))


def test_jpeg_segment_of_64_kib_and_a_second_exif_block(tmp_path):
    """XMP near the 64 KiB segment limit and a second APP1 EXIF (ignored by readers)."""
    src, dest = tmp_path / "big.jpg", tmp_path / "out.jpg"
    buf = io.BytesIO()
    PILImage.fromarray(photo()).save(buf, "JPEG", exif=personal_exif(8))
    data = buf.getvalue()
    xmp = _xmp_app1(b"<x>" + b"Jane Doe " * 7000 + b"</x>")
    assert len(xmp) > 60_000
    second = personal_exif(3).tobytes()
    app1 = b"\xff\xe1" + (len(second) + 8).to_bytes(2, "big") + b"Exif\x00\x00" + second
    src.write_bytes(data[:2] + xmp + data[2:].replace(b"\xff\xdb", app1 + b"\xff\xdb", 1))
    strip_metadata(src, dest)
    out = dest.read_bytes()
    assert b"Jane" not in out
    assert PILImage.open(dest).getexif().get(0x0112) == 8
    assert np.array_equal(np.asarray(PILImage.open(src)), np.asarray(PILImage.open(dest)))


@pytest.mark.parametrize("mode", ["RGB", "L", "I;16", "RGBA"])
def test_png_loses_text_itxt_ztxt_time_exif_keeps_icc_and_orientation(tmp_path, mode):
    src, dest = tmp_path / "a.png", tmp_path / "b.png"
    pixels = photo(300, 400)
    if mode == "L":
        im = PILImage.fromarray(pixels[:, :, 0])
    elif mode == "I;16":
        im = PILImage.fromarray(pixels[:, :, 0].astype(np.uint16) * 257)
    elif mode == "RGBA":
        im = PILImage.fromarray(np.dstack([pixels, pixels[:, :, :1]]))
    else:
        im = PILImage.fromarray(pixels)
    info = PngInfo()
    info.add_text("Author", "Jane Doe")
    info.add_itxt("Comment", "taken at 48.8577 by Jane Doe", lang="en", tkey="Kommentar")
    info.add_text("Copyright", "Jane Doe", zip=True)
    im.save(src, pnginfo=info, exif=personal_exif(3), icc_profile=ICC)
    removed = strip_metadata(src, dest)
    out = dest.read_bytes()
    assert b"Jane" not in out and b"tEXt" not in out and b"iTXt" not in out \
        and b"zTXt" not in out and b"SN-BODY" not in out
    assert {"png.text", "png.exif", "exif.gps", "exif.owner"} <= set(removed)
    out_im = PILImage.open(dest)
    assert np.array_equal(np.asarray(PILImage.open(src)), np.asarray(out_im))
    assert out_im.info.get("icc_profile") == ICC
    assert out_im.getexif().get(0x0112) == 3
    assert np.array_equal(read_image(src).pixels, read_image(dest).pixels)


def test_webp_loses_exif_and_xmp_keeps_icc_and_orientation(tmp_path):
    src, dest = tmp_path / "a.webp", tmp_path / "b.webp"
    PILImage.fromarray(photo()).save(src, exif=personal_exif(6), icc_profile=ICC, lossless=True,
                                     xmp=b"<x:xmpmeta>Jane Doe</x:xmpmeta>")
    removed = strip_metadata(src, dest)
    out = dest.read_bytes()
    assert b"Jane" not in out and b"SN-BODY" not in out and b"XMP " not in out
    assert {"webp.exif", "webp.xmp", "exif.gps"} <= set(removed)
    out_im = PILImage.open(dest)
    assert out_im.getexif().get(0x0112) == 6 and out_im.info.get("icc_profile") == ICC
    assert np.array_equal(np.asarray(PILImage.open(src)), np.asarray(out_im))
    assert int.from_bytes(out[4:8], "little") == len(out) - 8


def test_gif_loses_comments_keeps_frames_and_loop(tmp_path):
    src, dest = tmp_path / "a.gif", tmp_path / "b.gif"
    frames = [PILImage.fromarray(np.roll(photo(64, 80), 5 * i, axis=1)).convert("P")
              for i in range(4)]
    frames[0].save(src, save_all=True, append_images=frames[1:], loop=0, duration=80,
                   comment=b"made by Jane Doe")
    assert strip_metadata(src, dest) == ["gif.comment"]
    assert b"Jane" not in dest.read_bytes()
    a, b = PILImage.open(src), PILImage.open(dest)
    assert b.n_frames == a.n_frames == 4 and b.info.get("loop") == 0
    for i in range(4):
        a.seek(i)
        b.seek(i)
        assert np.array_equal(np.asarray(a.convert("RGB")), np.asarray(b.convert("RGB")))


def test_tiff_tags_are_taken_out_and_their_values_zeroed_in_place(tmp_path):
    src, dest = tmp_path / "a.tif", tmp_path / "b.tif"
    exif = personal_exif(6)
    exif[0x013C] = "jane-laptop"  # HostComputer
    PILImage.fromarray(photo()).save(src, exif=exif, compression="tiff_lzw",
                                     icc_profile=ICC)
    assert b"Jane Doe" in src.read_bytes()
    removed = strip_metadata(src, dest)
    out = dest.read_bytes()
    assert len(out) == src.stat().st_size  # nothing moved
    assert b"Jane" not in out and b"jane-laptop" not in out
    assert {"exif.owner", "tiff.host_computer"} <= set(removed)
    out_im = PILImage.open(dest)  # orientation read before Pillow's TIFF load applies it
    assert out_im.getexif().get(0x0112) == 6 and out_im.info.get("icc_profile") == ICC
    assert np.array_equal(np.asarray(PILImage.open(src)), np.asarray(out_im))
    assert np.array_equal(read_image(src).pixels, read_image(dest).pixels)


def test_bmp_is_copied_as_it_is(tmp_path):
    src, dest = tmp_path / "a.bmp", tmp_path / "b.bmp"
    PILImage.fromarray(photo(40, 50)).save(src)
    assert strip_metadata(src, dest) == []
    assert dest.read_bytes() == src.read_bytes()


def test_same_input_same_bytes(tmp_path):
    src = tmp_path / "a.jpg"
    tagged_jpeg(src, progressive=False)
    strip_metadata(src, tmp_path / "1.jpg")
    strip_metadata(src, tmp_path / "2.jpg")
    assert (tmp_path / "1.jpg").read_bytes() == (tmp_path / "2.jpg").read_bytes()
    assert not re.search(rb"Jane|SN-BODY", (tmp_path / "1.jpg").read_bytes())
