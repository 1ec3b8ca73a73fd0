"""io/sniff.py: media are recognised by their bytes, not their names; the suffix only breaks
ties the bytes leave open (Ogg, Matroska, ASF, MPEG-TS, M4A)."""

from __future__ import annotations

import io

import numpy as np
import pytest
import soundfile
from PIL import Image

from mediasynth.io.sniff import Sniffed, extension_kind, sniff_bytes, sniff_path

PIXELS = np.random.default_rng(0).integers(0, 255, (20, 30, 3), dtype=np.uint8)
SAMPLES = (0.3 * np.sin(np.arange(8000) / 8)).astype(np.float32)


def _image(fmt: str) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(PIXELS).save(buf, format=fmt)
    return buf.getvalue()


def _audio(fmt: str, subtype: str | None = None) -> bytes:
    buf = io.BytesIO()
    soundfile.write(buf, SAMPLES, 8000, format=fmt, subtype=subtype)
    return buf.getvalue()


@pytest.mark.parametrize(("fmt", "expected"), [
    ("PNG", "png"), ("JPEG", "jpeg"), ("GIF", "gif"), ("TIFF", "tiff"), ("BMP", "bmp"),
    ("WEBP", "webp")])
def test_images_written_by_pillow_are_known_by_their_bytes(fmt, expected, tmp_path):
    data = _image(fmt)
    assert sniff_bytes(data[:64]) == Sniffed("image", expected)
    wrong = tmp_path / "photo.wav"  # the name lies: the bytes decide
    wrong.write_bytes(data)
    assert sniff_path(wrong) == Sniffed("image", expected)


@pytest.mark.parametrize(("fmt", "subtype", "expected"), [
    ("WAV", "PCM_16", "wav"), ("FLAC", None, "flac"), ("OGG", "VORBIS", "ogg"),
    ("AIFF", None, "aiff")])
def test_audio_written_by_libsndfile_is_known_by_its_bytes(fmt, subtype, expected, tmp_path):
    data = _audio(fmt, subtype)
    assert sniff_bytes(data[:64], ".png") == Sniffed("audio", expected)


def _ftyp(brand: bytes) -> bytes:
    return b"\x00\x00\x00\x20ftyp" + brand + b"\x00\x00\x02\x00isomiso2mp41" + bytes(40)


def test_containers_and_the_ties_only_the_suffix_breaks():
    assert sniff_bytes(_ftyp(b"isom")) == Sniffed("video", "mp4")
    assert sniff_bytes(_ftyp(b"qt  ")) == Sniffed("video", "mov")
    assert sniff_bytes(_ftyp(b"M4A ")) == Sniffed("audio", "m4a")
    assert sniff_bytes(_ftyp(b"isom"), ".M4A") == Sniffed("audio", "m4a")  # case-blind
    ogg = b"OggS\x00\x02" + bytes(22) + b"\x01vorbis" + bytes(20)
    assert sniff_bytes(ogg) == Sniffed("audio", "ogg")
    assert sniff_bytes(ogg, ".ogv") == Sniffed("video", "ogg")
    assert sniff_bytes(b"OggS\x00\x02" + bytes(22) + b"\x80theora" + bytes(20)).kind == "video"
    mkv = b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x84webm" + bytes(40)
    assert sniff_bytes(mkv) == Sniffed("video", "webm")
    assert sniff_bytes(mkv.replace(b"webm", b"matr"), ".mka") == Sniffed("audio", "matroska")
    assert sniff_bytes(b"\x47\x40\x00\x10" + bytes(60), ".ts") == Sniffed("video", "mpegts")
    assert sniff_bytes(b"\x47\x40\x00\x10" + bytes(60), ".bin").kind is None
    assert sniff_bytes(b"\x00\x00\x01\xba" + bytes(60)) == Sniffed("video", "mpeg")
    assert sniff_bytes(b"RIFF\x00\x00\x00\x00AVI LIST" + bytes(40)) == Sniffed("video", "avi")
    asf = b"\x30\x26\xb2\x75\x8e\x66\xcf\x11" + bytes(50)
    assert sniff_bytes(asf, ".wmv").kind == "video" and sniff_bytes(asf, ".wma").kind == "audio"


def test_mp3_and_aac_frames_and_id3_tags():
    assert sniff_bytes(b"ID3\x04\x00\x00" + bytes(58)) == Sniffed("audio", "mp3")
    assert sniff_bytes(b"\xff\xfb\x90\x64" + bytes(60)) == Sniffed("audio", "mp3")
    assert sniff_bytes(b"\xff\xf1\x50\x80" + bytes(60)) == Sniffed("audio", "aac")
    assert sniff_bytes(b"\xff\xff\xff\xff" + bytes(60)).kind is None  # not a frame sync


def test_text_empty_and_short_files_are_not_media():
    assert sniff_bytes(b"") == Sniffed(None, "empty")
    assert sniff_bytes(b"#EXTM3U\nclip.mp4\n", ".mp4") == Sniffed(None, "unknown")
    assert sniff_bytes(b"BM") == Sniffed(None, "unknown")  # too short for a BMP header
    assert sniff_bytes(b"hello world, this is a README") == Sniffed(None, "unknown")


def test_extension_kind_is_what_the_name_suggests():
    assert extension_kind("a/b.JPG") == "image"
    assert extension_kind("x.flac") == "audio" and extension_kind("x.mkv") == "video"
    assert extension_kind("notes.txt") is None
