"""io/exif_policy.py: what an EXIF block tells about people (named in manifest rows when it
is removed) and the orientation-only block a stripped copy keeps."""

from __future__ import annotations

import pytest
from PIL import ExifTags
from PIL import Image as PILImage

from mediasynth.io.exif_policy import (
    EXIF_PREFIX,
    orientation_of,
    orientation_only,
    personal_fields,
)


def _exif(tags: dict, exif_ifd: dict | None = None, gps: dict | None = None) -> bytes:
    exif = PILImage.Exif()
    for tag, value in tags.items():
        exif[tag] = value
    if exif_ifd:
        exif.get_ifd(ExifTags.IFD.Exif).update(exif_ifd)
    if gps:
        exif.get_ifd(ExifTags.IFD.GPSInfo).update(gps)
    return exif.tobytes()


def test_a_camera_block_names_each_personal_part():
    block = _exif({0x013B: "Ann Example", 0x0110: "Camera X", 0x0112: 6,
                   0x0132: "2024:01:01 10:00:00"},
                  exif_ifd={0xA431: "SN123456", 0x9286: b"ASCII\x00\x00\x00hello"},
                  gps={1: "N", 2: (52.0, 31.0, 12.0)})
    assert personal_fields(block) == {"exif.owner", "exif.datetime", "exif.serial_number",
                                      "exif.comment", "exif.gps"}


def test_a_block_without_personal_parts_names_none_and_a_broken_one_is_tolerated():
    assert personal_fields(_exif({0x0112: 3, 0x0110: "Camera X"})) == set()
    assert personal_fields(b"MM\x00*garbage") == set()
    assert personal_fields(b"") == set()


def test_an_embedded_thumbnail_is_named():
    block = _exif({0x0112: 1})
    assert "exif.thumbnail" not in personal_fields(block)
    assert "exif.thumbnail" in personal_fields(_with_ifd1(block))


def _with_ifd1(block: bytes) -> bytes:
    """The TIFF block of `block` (either byte order) with an IFD1
    (JPEGInterchangeFormat and its length) linked after IFD0: a camera's thumbnail."""
    import struct

    tiff = block.removeprefix(EXIF_PREFIX)
    e = {b"II": "<", b"MM": ">"}[tiff[:2]]
    first = struct.unpack(e + "I", tiff[4:8])[0]
    count = struct.unpack(e + "H", tiff[first:first + 2])[0]
    next_ptr_at = first + 2 + 12 * count
    ifd1 = struct.pack(e + "H", 2) + struct.pack(e + "HHII", 0x0201, 4, 1, 0) + \
        struct.pack(e + "HHII", 0x0202, 4, 1, 0) + b"\x00" * 4
    return (tiff[:next_ptr_at] + struct.pack(e + "I", len(tiff)) + tiff[next_ptr_at + 4:]
            + ifd1)


@pytest.mark.parametrize("orientation", range(1, 9))
def test_orientation_only_blocks_read_back_and_hold_nothing_else(orientation):
    block = orientation_only(orientation)
    assert orientation_of(block) == orientation
    assert orientation_of(EXIF_PREFIX + block) == orientation  # as JPEG's APP1 holds it
    assert personal_fields(block) == set()
    exif = PILImage.Exif()
    exif.load(block)
    assert dict(exif) == {0x0112: orientation}


def test_missing_broken_or_out_of_range_orientations_read_as_upright():
    assert orientation_of(_exif({0x0110: "Camera X"})) == 1
    assert orientation_of(b"not exif") == 1
    assert orientation_of(_exif({0x0112: 9})) == 1
    assert orientation_of(_exif({0x0112: 8})) == 8
