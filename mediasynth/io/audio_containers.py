"""Byte-level facts about audio containers that libsndfile hides or leaves random.

- `find_truncation(path)`: is the file shorter than its own header says? libsndfile quietly
  shrinks a WAV/AIFF whose data chunk runs past the end of the file (a header declaring
  130,052 data bytes over 13,636 present decodes as a short clip), and only fails a cut
  FLAC deep inside the decode. This reads headers and, for FLAC, the last frame only.
- `stabilize_ogg_serials(data)`: libsndfile gives every Ogg stream a random serial number;
  replacing it with a content-derived one (CRCs recomputed) makes encodes byte-stable.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

# ---------------------------------------------------------------- truncation


def find_truncation(path: str | Path) -> str | None:
    """A message when `path` holds less data than its header declares (WAV/RF64/BW64 data
    chunk, AIFF/AIFC sound frames, FLAC without a complete final frame, an MP4/M4A box
    running past the end), else None (intact, or a container these checks cannot judge).
    Reads only headers and, for FLAC, at most the last 2 max-frame-sizes (or 1 MiB)."""
    path = Path(path)
    size = path.stat().st_size
    try:
        return _find_truncation(path, size)
    except struct.error:  # a read came back short: the file ends inside a header structure
        return "the file ends inside its header"


def _find_truncation(path: Path, size: int) -> str | None:
    with path.open("rb") as f:
        head = f.read(12)
        if head[:4] in (b"RIFF", b"RF64", b"BW64") and head[8:12] == b"WAVE":
            return _wav_truncation(f, size)
        if head[:4] == b"FORM" and head[8:12] in (b"AIFF", b"AIFC"):
            return _aiff_truncation(f, size, aifc=head[8:12] == b"AIFC")
        if head[:4] == b"fLaC" or head[:3] == b"ID3":
            return _flac_truncation(f, size)
        if head[4:8] == b"ftyp":
            return _mp4_truncation(f, size)
    return None


def _chunks(f, size: int, start: int, endian: str):
    """(id, body offset, declared body size) of RIFF/IFF chunks from `start` on, up to and
    including the first one that runs past the end of the file."""
    pos = start
    while pos + 8 <= size:
        f.seek(pos)
        cid, body_size = struct.unpack(endian + "4sI", f.read(8))
        yield cid, pos + 8, body_size
        pos += 8 + body_size + (body_size & 1)


def _shortfall(declared_bytes: int, present_bytes: int, unit_bytes: int, unit: str,
               what: str) -> str | None:
    """The message for `what` (data, sound) cut short by at least one whole `unit` (frame,
    or codec block, of `unit_bytes`), else None."""
    declared, present = declared_bytes // unit_bytes, max(present_bytes, 0) // unit_bytes
    if present >= declared:
        return None
    return (f"the header declares {declared_bytes:,} {what} bytes but only "
            f"{max(present_bytes, 0):,} are in the file ({present:,} of {declared:,} {unit})")


_WAV_SAMPLE_FORMATS = (1, 3, 6, 7, 0xFFFE)  # PCM, float, A-law, mu-law, extensible


def _wav_truncation(f, size: int) -> str | None:
    block_align, format_tag, ds64_data = 1, 1, None
    for cid, body, body_size in _chunks(f, size, 12, "<"):
        if cid == b"ds64":
            f.seek(body)
            ds64_data = struct.unpack("<QQ", f.read(16))[1]
        elif cid == b"fmt ":
            f.seek(body)
            format_tag, _, _, _, block_align = struct.unpack("<HHIIH", f.read(14))
            block_align = max(block_align, 1)
        elif cid == b"data":
            declared = ds64_data if body_size == 0xFFFFFFFF else body_size
            if declared is None:  # a streamed WAV: length unknown, nothing to compare
                return None
            unit = "frames" if format_tag in _WAV_SAMPLE_FORMATS else "codec blocks"
            return _shortfall(declared, size - body, block_align, unit, "data")
    return None


_AIFC_SAMPLE_BYTES = {b"fl32": 4, b"FL32": 4, b"fl64": 8, b"FL64": 8, b"in24": 3, b"42ni": 3,
                      b"in32": 4, b"23ni": 4, b"ulaw": 1, b"ULAW": 1, b"alaw": 1, b"ALAW": 1}
_AIFC_PCM = (b"NONE", b"twos", b"sowt", b"raw ")


def _aiff_truncation(f, size: int, aifc: bool) -> str | None:
    comm = ssnd_data = None
    for cid, body, body_size in _chunks(f, size, 12, ">"):
        f.seek(body)
        if cid == b"COMM":
            comm = f.read(min(body_size, 22))
        elif cid == b"SSND":
            ssnd_data = body + 8 + struct.unpack(">I", f.read(4))[0]
    if comm is None or ssnd_data is None or len(comm) < 8:
        return None
    channels, frames, bits = struct.unpack(">HIH", comm[:8])
    compression = comm[18:22] if aifc and len(comm) >= 22 else b"NONE"
    sample_bytes = (-(-bits // 8) if compression in _AIFC_PCM
                    else _AIFC_SAMPLE_BYTES.get(compression))
    if not sample_bytes or not channels:
        return None  # a compressed AIFC: frames are not a fixed number of bytes
    frame_bytes = channels * sample_bytes
    return _shortfall(frames * frame_bytes, size - ssnd_data, frame_bytes, "frames", "sound")


def _mp4_truncation(f, size: int) -> str | None:
    pos = 0
    while pos + 8 <= size:
        f.seek(pos)
        box_size, box_type = struct.unpack(">I4s", f.read(8))
        if box_size == 1:
            box_size = struct.unpack(">Q", f.read(8))[0]
        elif box_size == 0:  # runs to the end of the file by definition
            return None
        if box_size < 8:
            return None  # not a box structure we can follow; let the decoder judge
        if pos + box_size > size:
            name = box_type.decode("latin-1")
            return (f"the '{name}' box declares {box_size:,} bytes but only "
                    f"{size - pos:,} are in the file")
        pos += box_size
    return None


# FLAC: the file must end with a complete frame (header CRC-8 and frame CRC-16 both valid)
# that ends at the last sample STREAMINFO declares.


def _crc_table(poly: int, width: int) -> list[int]:
    top, mask = 1 << (width - 1), (1 << width) - 1
    table = []
    for byte in range(256):
        crc = byte << (width - 8)
        for _ in range(8):
            crc = ((crc << 1) ^ poly) if crc & top else (crc << 1)
        table.append(crc & mask)
    return table


_CRC8 = _crc_table(0x07, 8)
_CRC16 = _crc_table(0x8005, 16)


def flac_crc8(data: bytes) -> int:
    """CRC-8 of FLAC frame headers: polynomial 0x07, initial 0, MSB first."""
    crc = 0
    for byte in data:
        crc = _CRC8[crc ^ byte]
    return crc


def flac_crc16(data: bytes) -> int:
    """CRC-16 of FLAC frames: polynomial 0x8005, initial 0, MSB first. Zero over a whole
    frame including its stored (big-endian) CRC."""
    crc = 0
    for byte in data:
        crc = ((crc << 8) & 0xFFFF) ^ _CRC16[(crc >> 8) ^ byte]
    return crc


def _flac_metadata(f, size: int) -> tuple[dict, int] | str:
    """STREAMINFO facts and the offset of the first audio frame; a message if the metadata
    itself is cut short."""
    f.seek(0)
    start = 0
    head = f.read(10)
    if head[:3] == b"ID3":  # an ID3v2 tag before the stream: synchsafe size, optional footer
        tag = (head[6] << 21) | (head[7] << 14) | (head[8] << 7) | head[9]
        start = 10 + tag + (10 if head[5] & 0x10 else 0)
    f.seek(start)
    if f.read(4) != b"fLaC":
        return {}, -1
    pos, info = start + 4, {}
    while True:
        f.seek(pos)
        block = f.read(4)
        if len(block) < 4:
            return "the FLAC metadata is cut short"
        last, kind, length = block[0] >> 7, block[0] & 0x7F, int.from_bytes(block[1:], "big")
        if kind == 0:
            body = f.read(34)
            if len(body) < 34:
                return "the FLAC STREAMINFO block is cut short"
            packed = int.from_bytes(body[10:18], "big")
            info = {"max_block": struct.unpack(">H", body[2:4])[0],
                    "max_frame": int.from_bytes(body[7:10], "big"),
                    "total": packed & ((1 << 36) - 1)}
        pos += 4 + length
        if pos > size:
            return "the FLAC metadata is cut short"
        if last:
            return info, pos


_BLOCK_SIZES = {1: 192, **{c: 576 << (c - 2) for c in range(2, 6)},
                **{c: 256 << (c - 8) for c in range(8, 16)}}


_UTF8_LEADS = ((0xE0, 0xC0), (0xF0, 0xE0), (0xF8, 0xF0), (0xFC, 0xF8), (0xFE, 0xFC), (0xFF, 0xFE))


def _utf8_length(lead: int) -> int | None:
    """Bytes in the UTF-8-style coded frame/sample number starting with `lead` (1 to 7)."""
    if lead < 0x80:
        return 1
    return next((n for n, (mask, value) in enumerate(_UTF8_LEADS, start=2)
                 if lead & mask == value), None)


def parse_flac_frame_header(data: bytes, pos: int) -> tuple[int, int, bool] | None:
    """(coded number, block size, variable blocking) of a FLAC frame header at `pos`, or
    None when the bytes there are not a valid header (sync, reserved bits, CRC-8)."""
    if len(data) < pos + 6 or data[pos] != 0xFF or data[pos + 1] & 0xFE != 0xF8:
        return None
    bs_code, sr_code, b3 = data[pos + 2] >> 4, data[pos + 2] & 0x0F, data[pos + 3]
    if bs_code == 0 or sr_code == 15 or (b3 >> 4) > 10 or b3 & 1:
        return None
    i = pos + 4
    length = _utf8_length(data[i])
    if length is None or i + length > len(data):
        return None
    number = data[i] & (0xFF >> (length + 1)) if length > 1 else data[i]
    for k in range(1, length):
        if data[i + k] & 0xC0 != 0x80:
            return None
        number = (number << 6) | (data[i + k] & 0x3F)
    i += length
    if bs_code in (6, 7):
        n = 1 if bs_code == 6 else 2
        block = int.from_bytes(data[i:i + n], "big") + 1
        i += n
    else:
        block = _BLOCK_SIZES[bs_code]
    i += {12: 1, 13: 2, 14: 2}.get(sr_code, 0)
    if i >= len(data) or flac_crc8(data[pos:i]) != data[i]:
        return None
    return number, block, bool(data[pos + 1] & 1)


def _flac_truncation(f, size: int) -> str | None:
    meta = _flac_metadata(f, size)
    if isinstance(meta, str):
        return meta
    info, audio_start = meta
    if audio_start < 0 or not info:
        return None
    end = _end_before_tags(f, size, audio_start)
    window = min(end - audio_start, max(2 * info["max_frame"] + 64, 1 << 20))
    if window <= 0:
        return "the FLAC stream has no audio frames" if info["total"] else None
    f.seek(end - window)
    tail = f.read(window)
    # The final frame starts at the last valid header whose CRC-16 runs to the end; headers
    # further back than one maximum frame cannot start it. A false header inside the data
    # (about 1 in 10^7 bytes) only costs one more CRC.
    reach = info["max_frame"] + 32 if info["max_frame"] else len(tail)
    candidates = 0
    pos = tail.rfind(b"\xff", 0, len(tail) - 1)
    while pos >= 0 and len(tail) - pos <= reach and candidates < 8:
        header = parse_flac_frame_header(tail, pos)
        if header is not None:
            candidates += 1
            if flac_crc16(tail[pos:]) == 0:
                return _flac_final_frame_shortfall(header, info)
        pos = tail.rfind(b"\xff", 0, pos)
    if candidates == 0 and not info["max_frame"]:
        return None  # no frame start within reach and no size bound: cannot tell
    return "the FLAC stream does not end with a complete frame (cut short)"


def _end_before_tags(f, size: int, audio_start: int) -> int:
    """Where the audio frames end: before a trailing ID3v1 tag and/or APEv2 tag."""
    end = size
    if end - 128 >= audio_start:
        f.seek(end - 128)
        if f.read(3) == b"TAG":
            end -= 128
    if end - 32 >= audio_start:
        f.seek(end - 32)
        footer = f.read(32)
        if footer[:8] == b"APETAGEX":
            tag_bytes = struct.unpack("<I", footer[12:16])[0]  # items + footer
            has_header = struct.unpack("<I", footer[20:24])[0] & (1 << 31)
            end = max(audio_start, end - tag_bytes - (32 if has_header else 0))
    return end


def _flac_final_frame_shortfall(header: tuple[int, int, bool], info: dict) -> str | None:
    number, block, variable = header
    first_sample = number if variable else number * info["max_block"]
    last = first_sample + block
    if info["total"] and last < info["total"]:
        return (f"the header declares {info['total']:,} frames but the last FLAC frame ends "
                f"at {last:,}")
    return None


# ---------------------------------------------------------------- Ogg serials

OGG_CAPTURE = b"OggS"
OGG_HEADER_BYTES = 27  # capture, version, flags, granule, serial, sequence, CRC, segments
_BIT_REVERSED = bytes(int(f"{i:08b}"[::-1], 2) for i in range(256))


def ogg_crc32(page: bytes) -> int:
    """The Ogg page checksum (RFC 3533): CRC-32 with polynomial 0x04C11DB7, not reflected,
    initial value 0, no final xor, over the page with its CRC field zeroed. Computed with
    zlib's reflected CRC-32 on bit-reversed bytes (same result, C speed)."""
    raw = zlib.crc32(bytes(page).translate(_BIT_REVERSED), 0xFFFFFFFF) ^ 0xFFFFFFFF
    return int(f"{raw:032b}"[::-1], 2)


def ogg_pages(data: bytes) -> list[tuple[int, int]]:
    """(offset, length) of every page of an Ogg stream that is pages back to back, as an
    encoder writes it; ValueError if anything else is found."""
    pages, offset = [], 0
    while offset < len(data):
        if data[offset:offset + 4] != OGG_CAPTURE or offset + OGG_HEADER_BYTES > len(data):
            raise ValueError(f"no Ogg page at byte {offset}")
        segments = data[offset + 26]
        table = data[offset + OGG_HEADER_BYTES:offset + OGG_HEADER_BYTES + segments]
        length = OGG_HEADER_BYTES + segments + sum(table)
        if len(table) != segments or offset + length > len(data):
            raise ValueError(f"Ogg page at byte {offset} runs past the end")
        pages.append((offset, length))
        offset += length
    return pages


def stabilize_ogg_serials(data: bytes) -> bytes:
    """The same Ogg stream with each logical stream's random serial number replaced by one
    derived from the pages' content (CRC-32 of all payloads, + n for the n-th logical
    stream) and every page CRC recomputed: the same audio gives the same bytes."""
    pages = ogg_pages(data)
    out = bytearray(data)
    payload_crc = 0
    for offset, length in pages:
        payload_crc = zlib.crc32(data[offset + OGG_HEADER_BYTES + data[offset + 26]:
                                      offset + length], payload_crc)
    serials: dict[bytes, int] = {}
    for offset, length in pages:
        old = bytes(data[offset + 14:offset + 18])
        new = serials.setdefault(old, (payload_crc + len(serials)) & 0xFFFFFFFF)
        struct.pack_into("<I", out, offset + 14, new)
        struct.pack_into("<I", out, offset + 22, 0)
        struct.pack_into("<I", out, offset + 22, ogg_crc32(out[offset:offset + length]))
    return bytes(out)
