"""Personal metadata out of TIFF files without moving a byte: the tags of _TIFF_DROP are
taken out of every image IFD (the IFD rewritten where it is) and their values, sub-IFDs
(EXIF, GPS, interoperability) included, overwritten with zeros where they lie; strips,
tiles, ICC profile and orientation are untouched. Same contract as io/metadata_image.py.
"""

from __future__ import annotations

import struct

from mediasynth.core.errors import MediaError
from mediasynth.io.metadata_image import Piece

# TIFF tags removed (and their values zeroed in place): descriptive, personal or EXIF
_TIFF_DROP = {0x010D: "tiff.document_name", 0x010E: "exif.description",
              0x0131: "tiff.software", 0x0132: "exif.datetime", 0x013B: "exif.owner",
              0x013C: "tiff.host_computer", 0x02BC: "tiff.xmp", 0x83BB: "tiff.iptc",
              0x8649: "tiff.photoshop", 0x8298: "exif.owner", 0x8769: "tiff.exif",
              0x8825: "exif.gps", 0x927C: "exif.maker_note", 0x9286: "exif.comment",
              0xA420: "exif.serial_number", 0xA430: "exif.owner",
              0xA431: "exif.serial_number", 0xA435: "exif.serial_number",
              0xC62F: "exif.serial_number", **{t: "exif.xp" for t in range(0x9C9B, 0x9CA0)}}
_TIFF_TYPE_SIZE = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8,
                   13: 4}
_SUB_IFDS = {0x8769, 0x8825, 0xA005}


def strip_tiff(buf) -> tuple[list[Piece], set[str]]:
    """Tags of _TIFF_DROP taken out of every IFD and their values (sub-IFDs included)
    overwritten with zeros where they lie: no offset moves, strips and tiles are untouched.
    BigTIFF is refused as `unsupported`."""
    out = bytearray(buf)
    end = "<" if out[:2] == b"II" else ">"
    if struct.unpack(end + "H", out[2:4])[0] != 42:
        raise MediaError("unsupported", "BigTIFF metadata cannot be removed "
                         "(--keep-metadata copies it as it is)")
    removed: set[str] = set()
    offset = struct.unpack(end + "I", out[4:8])[0]
    seen: set[int] = set()
    while offset and offset not in seen and offset + 2 <= len(out):
        seen.add(offset)
        offset = _tiff_filter_ifd(out, offset, end, removed)
    return [bytes(out)], removed


def _tiff_entries(out: bytearray, ifd: int, end: str) -> list[tuple[int, int, int, int]]:
    count = struct.unpack(end + "H", out[ifd:ifd + 2])[0]
    entries = []
    for i in range(count):
        at = ifd + 2 + 12 * i
        if at + 12 > len(out):
            break
        tag, kind, n = struct.unpack(end + "HHI", out[at:at + 8])
        entries.append((at, tag, kind, n))
    return entries


def _tiff_zero_value(out: bytearray, at: int, kind: int, n: int, end: str) -> None:
    nbytes = _TIFF_TYPE_SIZE.get(kind, 1) * n
    if nbytes > 4:
        value_at = struct.unpack(end + "I", out[at + 8:at + 12])[0]
        stop = min(len(out), value_at + nbytes)
        out[value_at:stop] = bytes(max(0, stop - value_at))


def _tiff_zero_ifd(out: bytearray, ifd: int, end: str, seen: set[int]) -> None:
    """Zero a sub-IFD (EXIF, GPS, interoperability) and every value it points to."""
    if ifd in seen or ifd + 2 > len(out):
        return
    seen.add(ifd)
    entries = _tiff_entries(out, ifd, end)
    for at, tag, kind, n in entries:
        if tag in _SUB_IFDS:
            _tiff_zero_ifd(out, struct.unpack(end + "I", out[at + 8:at + 12])[0], end, seen)
        _tiff_zero_value(out, at, kind, n, end)
    stop = min(len(out), ifd + 2 + 12 * len(entries) + 4)
    out[ifd:stop] = bytes(stop - ifd)


def _tiff_filter_ifd(out: bytearray, ifd: int, end: str, removed: set[str]) -> int:
    """Drop _TIFF_DROP entries of one image IFD in place; the next IFD's offset."""
    entries = _tiff_entries(out, ifd, end)
    next_at = ifd + 2 + 12 * len(entries)
    following = struct.unpack(end + "I", out[next_at:next_at + 4])[0] \
        if next_at + 4 <= len(out) else 0
    kept = []
    for at, tag, kind, n in entries:
        if tag not in _TIFF_DROP:
            kept.append(bytes(out[at:at + 12]))
            continue
        removed.add(_TIFF_DROP[tag])
        if tag in (0x8769, 0x8825):
            sub = struct.unpack(end + "I", out[at + 8:at + 12])[0]
            if tag == 0x8769:
                removed.update(_exif_ifd_names(out, sub, end))
            _tiff_zero_ifd(out, sub, end, set())
        else:
            _tiff_zero_value(out, at, kind, n, end)
    block = struct.pack(end + "H", len(kept)) + b"".join(kept) + struct.pack(end + "I", following)
    out[ifd:next_at + 4] = block + bytes(next_at + 4 - ifd - len(block))
    return following


def _exif_ifd_names(out: bytearray, ifd: int, end: str) -> set[str]:
    if ifd + 2 > len(out):
        return set()
    return {_TIFF_DROP[tag] for _, tag, _, _ in _tiff_entries(out, ifd, end)
            if tag in _TIFF_DROP}
