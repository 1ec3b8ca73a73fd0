"""Identify media by content (magic bytes), not by file name."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from mediasynth.core import modality

HEAD_BYTES = 64


@dataclass(frozen=True)
class Sniffed:
    """What the first bytes say: `kind` is a modality's (image, audio, video...) or None,
    `format` a short name."""

    kind: str | None
    format: str


_AUDIO_FTYP_BRANDS = {b"M4A ", b"M4B ", b"M4P ", b"F4A ", b"F4B "}


def sniff_bytes(head: bytes, suffix: str = "") -> Sniffed:
    """Classify a file from its first bytes; `suffix` only breaks ties the bytes leave open
    (Ogg and Matroska hold either audio or video)."""
    suffix = suffix.lower()
    if len(head) == 0:
        return Sniffed(None, "empty")
    if head.startswith(b"\xff\xd8\xff"):
        return Sniffed("image", "jpeg")
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return Sniffed("image", "png")
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return Sniffed("image", "gif")
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return Sniffed("image", "tiff")
    if head.startswith(b"BM") and len(head) >= 14:
        return Sniffed("image", "bmp")
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return Sniffed("image", "webp")
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return Sniffed("audio", "wav")
    if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return Sniffed("video", "avi")
    if head[:4] == b"FORM" and head[8:12] in (b"AIFF", b"AIFC"):
        return Sniffed("audio", "aiff")
    if head.startswith(b"fLaC"):
        return Sniffed("audio", "flac")
    if head.startswith(b"OggS"):
        if suffix == ".ogv" or b"theora" in head.lower():
            return Sniffed("video", "ogg")
        return Sniffed("audio", "ogg")
    if head.startswith(b"ID3") or (head[0] == 0xFF and (head[1] & 0xE0) == 0xE0 and head[1] != 0xFF):
        if head[:2] in (b"\xff\xf1", b"\xff\xf9"):
            return Sniffed("audio", "aac")
        return Sniffed("audio", "mp3")
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in _AUDIO_FTYP_BRANDS or suffix.lower() in (".m4a", ".m4b"):
            return Sniffed("audio", "m4a")
        if brand.startswith(b"qt"):
            return Sniffed("video", "mov")
        return Sniffed("video", "mp4")
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        if suffix in (".mka",):
            return Sniffed("audio", "matroska")
        return Sniffed("video", "webm" if b"webm" in head else "matroska")
    if head.startswith(b"\x00\x00\x01\xba") or head.startswith(b"\x00\x00\x01\xb3"):
        return Sniffed("video", "mpeg")
    if head[0] == 0x47 and suffix in (".ts", ".mts", ".m2ts"):
        return Sniffed("video", "mpegts")
    if head[:4] == b"\x30\x26\xb2\x75":
        return Sniffed("video" if modality.kind_of_extension(suffix) == "video" else "audio", "asf")
    found = modality.sniff_plugins(head, suffix)
    return Sniffed(*found) if found else Sniffed(None, "unknown")


def sniff_path(path: str | Path) -> Sniffed:
    """Read the head of `path` and classify it (OSError propagates)."""
    with open(path, "rb") as fh:
        head = fh.read(HEAD_BYTES)
    return sniff_bytes(head, Path(path).suffix)


def extension_kind(path: str | Path) -> str | None:
    """The kind a file's name suggests (used to report mislabelled files)."""
    return modality.kind_of_extension(Path(path).suffix)
