"""What an EXIF block says about people, and the one tag a stripped copy keeps.

Policy (io/metadata_strip.py): EXIF is removed entirely from copied originals except the
orientation (0x0112), which decides how the pixels are shown and so how the dataset's
annotations (in upright pixels, io/image_io.py) line up with them. `personal_fields` names
what a removed block held, for the manifest row's `metadata_removed`.
"""

from __future__ import annotations

import struct

EXIF_PREFIX = b"Exif\x00\x00"
ORIENTATION_TAG = 0x0112
GPS_IFD_TAG = 0x8825
EXIF_IFD_TAG = 0x8769

# tag -> the name recorded when an EXIF block holding it is removed (IFD0 or the Exif IFD)
_NAMED_TAGS = {
    0x013B: "exif.owner",  # Artist
    0x8298: "exif.owner",  # Copyright
    0xA430: "exif.owner",  # CameraOwnerName
    0x9C9D: "exif.owner",  # XPAuthor
    0xA431: "exif.serial_number",  # BodySerialNumber
    0xA435: "exif.serial_number",  # LensSerialNumber
    0xC62F: "exif.serial_number",  # CameraSerialNumber (DNG)
    0xA420: "exif.serial_number",  # ImageUniqueID
    0x927C: "exif.maker_note",  # MakerNote (serials, lens and body data)
    0x010E: "exif.description",  # ImageDescription
    0x9286: "exif.comment",  # UserComment
    0x9C9C: "exif.comment",  # XPComment
    0x9003: "exif.datetime",  # DateTimeOriginal
    0x0132: "exif.datetime",  # DateTime
}


def personal_fields(tiff_or_exif: bytes) -> set[str]:
    """Names of the personal parts of an EXIF block ("exif.gps", "exif.owner",
    "exif.serial_number", "exif.thumbnail"...); empty when it holds none or does not parse
    (the caller names the block itself, e.g. "jpeg.exif")."""
    from PIL import ExifTags
    from PIL import Image as PILImage

    found: set[str] = set()
    exif = PILImage.Exif()
    try:
        exif.load(tiff_or_exif)
        tags = dict(exif)
        if GPS_IFD_TAG in tags and exif.get_ifd(GPS_IFD_TAG):
            found.add("exif.gps")
        tags.update(exif.get_ifd(EXIF_IFD_TAG))
        if exif.get_ifd(ExifTags.IFD.IFD1):
            found.add("exif.thumbnail")
    except Exception:  # noqa: BLE001 - a broken block is removed all the same
        return found
    found.update(name for tag, name in _NAMED_TAGS.items() if tag in tags)
    return found


def orientation_of(tiff_or_exif: bytes) -> int:
    """The orientation (1-8) an EXIF block gives, as io/image_io.py reads it (1 when absent
    or broken)."""
    from PIL import Image as PILImage

    exif = PILImage.Exif()
    try:
        exif.load(tiff_or_exif)
        value = int(exif.get(ORIENTATION_TAG, 1) or 1)
    except Exception:  # noqa: BLE001 - broken EXIF reads as upright, as image_io does
        return 1
    return value if 1 <= value <= 8 else 1


def orientation_only(orientation: int) -> bytes:
    """A big-endian TIFF block whose IFD0 holds only the orientation tag (no "Exif" prefix:
    JPEG's APP1 adds it, PNG eXIf and WebP EXIF go without)."""
    entry = struct.pack(">HHIHH", ORIENTATION_TAG, 3, 1, orientation, 0)
    return b"MM\x00\x2a" + struct.pack(">I", 8) + struct.pack(">H", 1) + entry + b"\x00" * 4
