"""Personal metadata out of audio files, losslessly: the coded samples are copied byte for
byte, tag chunks, blocks and frames are left out. Same contract as io/metadata_image.py:
(pieces, removed) from the file's bytes.

WAV keeps fmt/fact/data/cue/smpl/inst/PEAK (LIST INFO, id3, bext, iXML, XMP... go); AIFF
keeps COMM/SSND/FVER/MARK/INST (NAME, AUTH, (c), ANNO, COMT, ID3 go); FLAC keeps STREAMINFO,
SEEKTABLE and CUESHEET (Vorbis comments, pictures, application blocks, padding and a leading
ID3 tag go); MP3 and ADTS AAC lose ID3v2 at the start and ID3v1, APEv2 and Lyrics3 tags at
the end.
"""

from __future__ import annotations

import struct

from mediasynth.io.metadata_image import Piece

_WAV_KEEP = {b"fmt ", b"fact", b"data", b"cue ", b"smpl", b"inst", b"PEAK"}
_WAV_NAMES = {b"LIST": "wav.list_info", b"id3 ": "wav.id3", b"ID3 ": "wav.id3",
              b"bext": "wav.bext", b"iXML": "wav.ixml", b"_PMX": "wav.xmp"}
_AIFF_KEEP = {b"COMM", b"SSND", b"FVER", b"MARK", b"INST"}
_AIFF_NAMES = {b"NAME": "aiff.name", b"AUTH": "aiff.author", b"(c) ": "aiff.copyright",
               b"ANNO": "aiff.annotation", b"COMT": "aiff.comment", b"ID3 ": "aiff.id3"}


def _size(pieces) -> int:
    return sum(len(p) if isinstance(p, bytes) else p[1] - p[0] for p in pieces)


def _iff(buf, endian: str, keep: set[bytes], names: dict[bytes, str], prefix: str
         ) -> tuple[list[Piece], set[str]]:
    """RIFF/FORM chunks filtered, the outer size made to match (odd chunks padded)."""
    declared = int.from_bytes(bytes(buf[4:8]), "little" if endian == "<" else "big")
    size = min(len(buf), 8 + declared)
    body: list[Piece] = []
    removed: set[str] = set()
    pos = 12
    while pos + 8 <= size:
        kind = bytes(buf[pos:pos + 4])
        length = int.from_bytes(bytes(buf[pos + 4:pos + 8]),
                                "little" if endian == "<" else "big")
        end = min(len(buf), pos + 8 + length + (length & 1))
        if kind in keep:
            body.append((pos, end))
        else:
            removed.add(names.get(kind, f"{prefix}.{kind.decode('latin-1').strip()}"))
        pos = end
    if len(buf) > size:  # past the declared end: appended tags (ID3v1...) or junk
        removed.add(f"{prefix}.trailer")
    head = bytes(buf[0:4]) + struct.pack(endian + "I", 4 + _size(body)) + bytes(buf[8:12])
    return [head, *body], removed


def strip_wav(buf) -> tuple[list[Piece], set[str]]:
    return _iff(buf, "<", _WAV_KEEP, _WAV_NAMES, "wav")


def strip_aiff(buf) -> tuple[list[Piece], set[str]]:
    return _iff(buf, ">", _AIFF_KEEP, _AIFF_NAMES, "aiff")


def _id3v2_end(buf, pos: int) -> int:
    """Where the ID3v2 tags starting at `pos` end (pos itself when there is none)."""
    while bytes(buf[pos:pos + 3]) == b"ID3" and pos + 10 <= len(buf):
        raw = bytes(buf[pos + 6:pos + 10])
        length = (raw[0] << 21) | (raw[1] << 14) | (raw[2] << 7) | raw[3]
        pos += 10 + length + (10 if buf[pos + 5] & 0x10 else 0)
    return min(pos, len(buf))


_FLAC_KEEP = {0: None, 3: None, 5: None}
_FLAC_NAMES = {1: "flac.padding", 2: "flac.application", 4: "flac.vorbis_comment",
               6: "flac.picture"}


def strip_flac(buf) -> tuple[list[Piece], set[str]]:
    removed: set[str] = set()
    start = _id3v2_end(buf, 0)
    if start:
        removed.add("flac.id3")
    pos = start + 4
    blocks: list[tuple[int, int]] = []
    last = False
    while not last and pos + 4 <= len(buf):
        header = buf[pos]
        last = bool(header & 0x80)
        kind = header & 0x7F
        end = min(len(buf), pos + 4 + int.from_bytes(bytes(buf[pos + 1:pos + 4]), "big"))
        if kind in _FLAC_KEEP:
            blocks.append((pos, end))
        else:
            removed.add(_FLAC_NAMES.get(kind, f"flac.block{kind}"))
        pos = end
    pieces: list[Piece] = [b"fLaC"]
    for i, (begin, end) in enumerate(blocks):
        flag = 0x80 if i == len(blocks) - 1 else 0
        pieces += [bytes([(buf[begin] & 0x7F) | flag]), (begin + 1, end)]
    pieces.append((pos, len(buf)))
    return pieces, removed


def strip_mpeg_audio(buf) -> tuple[list[Piece], set[str]]:
    """MP3 / ADTS AAC: leading ID3v2 and trailing ID3v1, APEv2 and Lyrics3 tags out."""
    removed: set[str] = set()
    start = _id3v2_end(buf, 0)
    if bytes(buf[start:start + 4]) == b"fLaC":  # a FLAC behind an ID3 tag sniffs as MP3
        return strip_flac(buf)
    if start:
        removed.add("mp3.id3v2")
    stop = len(buf)
    while True:
        if stop - 128 >= start and bytes(buf[stop - 128:stop - 125]) == b"TAG":
            stop -= 128
            removed.add("mp3.id3v1")
            if stop - 227 >= start and bytes(buf[stop - 227:stop - 223]) == b"TAG+":
                stop -= 227
            continue
        if stop - 32 >= start and bytes(buf[stop - 32:stop - 24]) == b"APETAGEX":
            length, flags = struct.unpack("<II", bytes(buf[stop - 20:stop - 12]))
            stop = max(start, stop - length - (32 if flags & 0x80000000 else 0))
            removed.add("mp3.ape")
            continue
        if stop - 15 >= start and bytes(buf[stop - 9:stop]) == b"LYRICS200":
            digits = bytes(buf[stop - 15:stop - 9])
            if digits.isdigit():
                stop = max(start, stop - 15 - int(digits))
                removed.add("mp3.lyrics3")
                continue
        break
    return [(start, stop)], removed
