"""Personal metadata out of JPEG, PNG, WebP and GIF files, losslessly: the coded pixel
data is copied byte for byte, only metadata segments, chunks and blocks are left out (TIFF:
io/metadata_tiff.py).

Each function takes the file's bytes (a memoryview or mmap) and returns (pieces, removed):
pieces are bytes to write or (start, end) ranges of the input to copy, in order; removed
names what was left out ("jpeg.xmp", "png.text", "exif.gps"...). An EXIF orientation other
than 1 is kept as the only EXIF tag (io/exif_policy.py), in the same place.
"""

from __future__ import annotations

import re
import struct
import zlib

from mediasynth.core.errors import MediaError
from mediasynth.io import exif_policy as X

Piece = bytes | tuple[int, int]

# JPEG markers without a length; every other marker has one
_STANDALONE = {0x01, *range(0xD0, 0xD8)}
# a marker ending entropy-coded data: 0xFF then neither a stuffed 0x00, a restart marker
# nor another fill 0xFF
_SCAN_END = re.compile(rb"\xff[^\x00\xd0-\xd7\xff]")


def _jpeg_app(marker: int, payload: bytes) -> str | None:
    """The name a JPEG APPn/COM segment is removed under; None to keep it (what decoding
    needs: JFIF, ICC profile, Adobe colour transform)."""
    if marker == 0xE0:
        return None if payload.startswith(b"JFIF\x00") else (
            "jpeg.jfxx_thumbnail" if payload.startswith(b"JFXX\x00") else "jpeg.app0")
    if marker == 0xE1:
        if payload.startswith(X.EXIF_PREFIX):
            return "jpeg.exif"
        return "jpeg.xmp" if payload.startswith(b"http://ns.adobe.com/") else "jpeg.app1"
    if marker == 0xE2:
        if payload.startswith(b"ICC_PROFILE\x00"):
            return None
        return "jpeg.mpf" if payload.startswith(b"MPF\x00") else "jpeg.app2"
    if marker == 0xED:
        return "jpeg.iptc"
    if marker == 0xEE:
        return None if payload.startswith(b"Adobe") else "jpeg.app14"
    if marker == 0xFE:
        return "jpeg.comment"
    if 0xE0 <= marker <= 0xEF:
        return f"jpeg.app{marker - 0xE0}"
    return None


def strip_jpeg(buf) -> tuple[list[Piece], set[str]]:
    """Segments before and between scans filtered; scans and tables copied as they are;
    anything after the end marker (secondary MPF images, trailers) left out."""
    size = len(buf)
    if bytes(buf[:2]) != b"\xff\xd8":
        raise MediaError("damaged", "JPEG without its start marker")
    pieces: list[Piece] = [b"\xff\xd8"]
    removed: set[str] = set()
    orientation_done = False
    pos = 2
    while pos + 1 < size:
        if buf[pos] != 0xFF:
            raise MediaError("damaged", f"JPEG segment expected at byte {pos}")
        if buf[pos + 1] == 0xFF:  # fill byte
            pos += 1
            continue
        marker = buf[pos + 1]
        if marker == 0xD9:
            pieces.append(b"\xff\xd9")
            pos += 2
            break
        if marker in _STANDALONE:
            pieces.append((pos, pos + 2))
            pos += 2
            continue
        end = min(size, pos + 2 + int.from_bytes(bytes(buf[pos + 2:pos + 4]), "big"))
        name = _jpeg_app(marker, bytes(buf[pos + 4:min(end, pos + 4 + 32)]))
        if name is None:
            pieces.append((pos, end))
        else:
            removed.add(name)
            if name == "jpeg.exif":
                payload = bytes(buf[pos + 4:end])
                removed |= X.personal_fields(payload)
                orientation = X.orientation_of(payload)
                if not orientation_done and orientation != 1:
                    block = X.EXIF_PREFIX + X.orientation_only(orientation)
                    pieces.append(b"\xff\xe1" + struct.pack(">H", len(block) + 2) + block)
                orientation_done = True  # only the first EXIF block counts, as in Pillow
        pos = end
        if marker == 0xDA:  # entropy-coded data up to the next real marker
            found = _SCAN_END.search(buf, pos)
            scan_end = found.start() if found else size
            pieces.append((pos, scan_end))
            pos = scan_end
    if pos < size and bytes(buf[pos:]).strip(b"\x00"):
        removed.add("jpeg.trailer")
    return pieces, removed


# PNG ancillary chunks kept: how the pixels look (colour, transparency, aspect, animation)
_PNG_KEEP = {b"tRNS", b"cHRM", b"gAMA", b"iCCP", b"sBIT", b"sRGB", b"cICP", b"mDCV", b"cLLI",
             b"bKGD", b"hIST", b"pHYs", b"sPLT", b"acTL", b"fcTL", b"fdAT", b"oFFs", b"sCAL"}
_PNG_NAMES = {b"tEXt": "png.text", b"zTXt": "png.text", b"iTXt": "png.text",
              b"eXIf": "png.exif", b"tIME": "png.time"}


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))


def strip_png(buf) -> tuple[list[Piece], set[str]]:
    """Critical chunks and the ancillary chunks of _PNG_KEEP copied; text, EXIF, time and
    every other ancillary chunk left out. An eXIf before the image data (the one image_io
    honours) leaves its orientation behind."""
    size = len(buf)
    pieces: list[Piece] = [(0, 8)]
    removed: set[str] = set()
    pos, seen_data = 8, False
    while pos + 8 <= size:
        length = int.from_bytes(bytes(buf[pos:pos + 4]), "big")
        kind = bytes(buf[pos + 4:pos + 8])
        end = min(size, pos + 12 + length)
        critical = not kind[0] & 0x20
        if critical or kind in _PNG_KEEP:
            pieces.append((pos, end))
        else:
            removed.add(_PNG_NAMES.get(kind, "png." + kind.decode("latin-1")))
            if kind == b"eXIf":
                payload = bytes(buf[pos + 8:pos + 8 + length])
                removed |= X.personal_fields(payload)
                orientation = X.orientation_of(payload)
                if not seen_data and orientation != 1:
                    pieces.append(_png_chunk(b"eXIf", X.orientation_only(orientation)))
        seen_data |= kind == b"IDAT"
        pos = end
        if kind == b"IEND":
            break
    if pos < size:
        removed.add("png.trailer")
    return pieces, removed


_WEBP_KEEP = {b"VP8 ", b"VP8L", b"VP8X", b"ALPH", b"ANIM", b"ANMF", b"ICCP"}
_VP8X_EXIF, _VP8X_XMP = 0x08, 0x04


def strip_webp(buf) -> tuple[list[Piece], set[str]]:
    """RIFF chunks other than the image's own (VP8/VP8L/VP8X/ALPH/ANIM/ANMF/ICCP) left out,
    the VP8X flags and RIFF size made to match."""
    size = min(len(buf), 8 + int.from_bytes(bytes(buf[4:8]), "little"))
    body: list[bytes | tuple[int, int]] = []
    removed: set[str] = set()
    orientation = 1
    vp8x_index = None
    pos = 12
    while pos + 8 <= size:
        kind = bytes(buf[pos:pos + 4])
        length = int.from_bytes(bytes(buf[pos + 4:pos + 8]), "little")
        end = min(size, pos + 8 + length + (length & 1))
        if kind in _WEBP_KEEP:
            if kind == b"VP8X":
                vp8x_index = len(body)
                body.append(bytes(buf[pos:end]))
            else:
                body.append((pos, end))
        elif kind == b"EXIF":
            payload = bytes(buf[pos + 8:pos + 8 + length])
            removed |= {"webp.exif"} | X.personal_fields(payload)
            orientation = X.orientation_of(payload)
        else:
            removed.add("webp.xmp" if kind == b"XMP " else "webp." + kind.decode("latin-1"))
        pos = end
    if orientation != 1:
        block = X.orientation_only(orientation)
        body.append(b"EXIF" + struct.pack("<I", len(block)) + block + b"\x00" * (len(block) & 1))
    if vp8x_index is not None:
        chunk = bytearray(body[vp8x_index])
        chunk[8] &= ~(_VP8X_EXIF | _VP8X_XMP) & 0xFF
        if orientation != 1:
            chunk[8] |= _VP8X_EXIF
        body[vp8x_index] = bytes(chunk)
    total = 4 + sum(len(p) if isinstance(p, bytes) else p[1] - p[0] for p in body)
    return [b"RIFF" + struct.pack("<I", total) + b"WEBP", *body], removed


def strip_gif(buf) -> tuple[list[Piece], set[str]]:
    """Comment extensions and application extensions other than the looping ones
    (NETSCAPE2.0, ANIMEXTS1.0) left out; frames, palettes and timing copied."""
    size = len(buf)
    pos = 13
    flags = buf[10]
    if flags & 0x80:
        pos += 3 << ((flags & 7) + 1)
    pieces: list[Piece] = [(0, pos)]
    removed: set[str] = set()
    while pos < size:
        block = buf[pos]
        if block == 0x3B:
            pieces.append((pos, pos + 1))
            pos += 1
            break
        start = pos
        if block == 0x2C:
            local = buf[pos + 9]
            pos += 10 + ((3 << ((local & 7) + 1)) if local & 0x80 else 0) + 1
        elif block == 0x21:
            label = buf[pos + 1]
            pos += 2
        else:
            raise MediaError("damaged", f"GIF block expected at byte {pos}")
        pos = _gif_sub_blocks_end(buf, pos)
        name = None
        if block == 0x21 and buf[start + 1] == 0xFE:
            name = "gif.comment"
        elif block == 0x21 and label == 0xFF:
            ident = bytes(buf[start + 3:start + 14])
            if ident not in (b"NETSCAPE2.0", b"ANIMEXTS1.0"):
                name = "gif.xmp" if ident == b"XMP DataXMP" else "gif.application"
        if name:
            removed.add(name)
        else:
            pieces.append((start, pos))
    if pos < size:
        removed.add("gif.trailer")
    return pieces, removed


def _gif_sub_blocks_end(buf, pos: int) -> int:
    size = len(buf)
    while pos < size:
        length = buf[pos]
        pos += 1 + length
        if length == 0:
            break
    return min(pos, size)
