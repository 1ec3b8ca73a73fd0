"""io/metadata_tiff.py: personal tags out of TIFF files without moving a byte: the pixels,
the orientation and the file length stay; the personal strings are gone from the bytes."""

from __future__ import annotations

import io
import struct

import numpy as np
import pytest
from PIL import Image as PILImage
from PIL import TiffImagePlugin

from mediasynth.core.errors import MediaError
from mediasynth.io.metadata_tiff import strip_tiff

SECRETS = {0x013B: "Ann Example", 0x0131: "EditorPro 9.1", 0x010E: "At home, 12 Elm St",
           0x0132: "2024:05:06 07:08:09", 0x8298: "(c) Ann"}


def _tiff(pages: int = 1, compression: str | None = None, sub_ifds: bool = True) -> bytes:
    rng = np.random.default_rng(0)
    frames = [PILImage.fromarray(rng.integers(0, 255, (40, 50, 3), dtype=np.uint8))
              for _ in range(pages)]
    info = TiffImagePlugin.ImageFileDirectory_v2()
    for tag, value in SECRETS.items():
        info[tag] = value
    info[0x0112] = 6  # orientation: kept
    if sub_ifds:  # Pillow writes them uncompressed only, and right for one page only
        info[0x8769] = {0xA431: "BODY-SN-998877"}  # EXIF sub-IFD: a body serial number
        info[0x8825] = {1: "N", 2: (52.0, 31.0, 12.0)}  # GPS sub-IFD
    buf = io.BytesIO()
    frames[0].save(buf, "TIFF", tiffinfo=info, save_all=pages > 1, append_images=frames[1:],
                   compression=compression)
    return buf.getvalue()


def _pages(data: bytes) -> list[np.ndarray]:
    img = PILImage.open(io.BytesIO(data))
    out = []
    for i in range(getattr(img, "n_frames", 1)):
        img.seek(i)
        out.append(np.asarray(img.convert("RGB")))
    return out


@pytest.mark.parametrize(("pages", "compression", "sub_ifds"), [
    (1, None, True), (3, None, False), (1, "tiff_lzw", False)])
def test_personal_tags_go_and_nothing_moves(pages, compression, sub_ifds):
    data = _tiff(pages, compression, sub_ifds)
    secrets = [*SECRETS.values(), *(["BODY-SN-998877"] if sub_ifds else [])]
    assert all(secret.encode() in data for secret in secrets)
    pieces, removed = strip_tiff(data)
    stripped = b"".join(pieces)
    assert len(stripped) == len(data)
    for secret in secrets:
        assert secret.encode() not in stripped, secret
    assert {"exif.owner", "tiff.software", "exif.description", "exif.datetime"} <= removed
    if sub_ifds:
        assert {"exif.gps", "tiff.exif", "exif.serial_number"} <= removed
    assert all(np.array_equal(a, b) for a, b in zip(_pages(stripped), _pages(data)))
    assert len(_pages(stripped)) == pages
    tags = PILImage.open(io.BytesIO(stripped)).getexif()
    assert tags.get(0x0112) == 6
    assert not set(SECRETS) & set(tags) and 0x8825 not in tags and 0x8769 not in tags


def test_a_plain_tiff_loses_nothing():
    buf = io.BytesIO()
    PILImage.fromarray(np.zeros((8, 8), np.uint8)).save(buf, "TIFF")
    pieces, removed = strip_tiff(buf.getvalue())
    assert removed == set() and b"".join(pieces) == buf.getvalue()


def test_bigtiff_is_refused_as_unsupported():
    with pytest.raises(MediaError) as refused:
        strip_tiff(b"II+\x00\x08\x00\x00\x00" + bytes(32))
    assert refused.value.code == "unsupported"


def test_an_ifd_chain_that_loops_ends():
    entry = struct.pack("<HHII", 0x0131, 2, 4, 0x00414141)  # Software, inline "AAA"
    data = b"II*\x00" + struct.pack("<I", 8) + struct.pack("<H", 1) + entry + struct.pack("<I", 8)
    pieces, removed = strip_tiff(data)
    assert removed == {"tiff.software"} and len(b"".join(pieces)) == len(data)
