"""Audio tags out of WAV/AIFF/FLAC/MP3 (io/metadata_audio.py through io/metadata_strip.py):
LIST INFO, bext, ID3 chunks, AIFF text chunks, Vorbis comments and pictures, ID3v1/v2 and
APE tags are gone; the coded samples are the same bytes."""

from __future__ import annotations

import struct
import subprocess
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from mediasynth.io.audio_io import read_audio
from mediasynth.io.ffmpeg import ffmpeg_binary
from mediasynth.io.metadata_strip import strip_metadata


def noise(seconds: float = 2.0, rate: int = 22050, channels: int = 2) -> np.ndarray:
    rng = np.random.default_rng(3)
    return (rng.standard_normal((int(seconds * rate), channels)) * 0.1).astype(np.float32)


def tagged(path: Path, subtype: str, rate: int = 22050, channels: int = 2) -> None:
    """A file whose tags (libsndfile writes LIST INFO, AIFF text chunks, Vorbis comments)
    name a person and a place."""
    with sf.SoundFile(path, "w", rate, channels, subtype=subtype) as fh:
        fh.artist = "Jane Doe"
        fh.title = "Recorded at 48.8577 N"
        fh.comment = "SN-REC-5511"
        fh.write(noise(rate=rate, channels=channels))


def _chunk(kind: bytes, data: bytes) -> bytes:
    return kind + struct.pack("<I", len(data)) + data + b"\x00" * (len(data) & 1)


def _personal(data: bytes) -> list[bytes]:
    return [s for s in (b"Jane Doe", b"48.8577", b"SN-REC-5511") if s in data]


@pytest.mark.parametrize("subtype", ["PCM_16", "PCM_24", "FLOAT"])
def test_wav_loses_list_info_bext_id3_and_appended_tags(tmp_path, subtype):
    src, dest = tmp_path / "a.wav", tmp_path / "b.wav"
    tagged(src, subtype)
    data = src.read_bytes()
    assert _personal(data)
    bext = _chunk(b"bext", b"Jane Doe".ljust(256, b"\x00") + b"\x00" * 346)
    id3 = _chunk(b"id3 ", b"ID3\x03\x00\x00\x00\x00\x00\x0fTPE1Jane Doe")
    body = data[12:] + bext + id3
    src.write_bytes(b"RIFF" + struct.pack("<I", 4 + len(body)) + b"WAVE" + body
                    + b"TAG" + b"Jane Doe".ljust(125, b"\x00"))  # ID3v1 past the RIFF end
    removed = strip_metadata(src, dest)
    out = dest.read_bytes()
    assert _personal(out) == [] and b"LIST" not in out
    assert {"wav.list_info", "wav.bext", "wav.id3", "wav.trailer"} <= set(removed)
    assert int.from_bytes(out[4:8], "little") == len(out) - 8
    a, rate_a = sf.read(src, dtype="float32")
    b, rate_b = sf.read(dest, dtype="float32")
    assert rate_a == rate_b and np.array_equal(a, b)
    assert np.array_equal(read_audio(src).samples, read_audio(dest).samples)


def test_aiff_loses_name_author_annotation(tmp_path):
    src, dest = tmp_path / "a.aiff", tmp_path / "b.aiff"
    tagged(src, "PCM_16")
    removed = strip_metadata(src, dest)
    assert _personal(dest.read_bytes()) == []
    assert {"aiff.name", "aiff.author"} <= set(removed)
    assert np.array_equal(sf.read(src)[0], sf.read(dest)[0])


def _flac_picture() -> bytes:
    mime, desc, image = b"image/jpeg", b"Jane Doe at home", b"\xff\xd8fake\xff\xd9"
    body = struct.pack(">I", 3) + struct.pack(">I", len(mime)) + mime + struct.pack(
        ">I", len(desc)) + desc + struct.pack(">IIIII", 1, 1, 24, 0, len(image)) + image
    return bytes([6]) + len(body).to_bytes(3, "big") + body


def test_flac_loses_vorbis_comments_pictures_and_a_leading_id3(tmp_path):
    src, dest = tmp_path / "a.flac", tmp_path / "b.flac"
    tagged(src, "PCM_24", rate=48000, channels=1)
    data = src.read_bytes()
    # a PICTURE block after STREAMINFO, an ID3v2 tag in front (as some taggers write)
    first_len = int.from_bytes(data[5:8], "big")
    cut = 8 + first_len
    id3 = b"ID3\x04\x00\x00" + bytes([0, 0, 0, 20]) + b"TPE1Jane Doe".ljust(20, b"\x00")
    src.write_bytes(id3 + data[:cut] + _flac_picture() + data[cut:])
    removed = strip_metadata(src, dest)
    out = dest.read_bytes()
    assert _personal(out) == [] and out.startswith(b"fLaC")
    assert {"flac.vorbis_comment", "flac.picture", "flac.id3"} <= set(removed)
    a = subprocess.run([ffmpeg_binary(), "-v", "error", "-i", str(src), "-f", "s32le", "-"],
                       capture_output=True, check=True).stdout
    b = subprocess.run([ffmpeg_binary(), "-v", "error", "-i", str(dest), "-f", "s32le", "-"],
                       capture_output=True, check=True).stdout
    assert a == b and len(a) > 0


def test_mp3_loses_id3v2_id3v1_and_ape_keeps_every_frame(tmp_path):
    wav, src, dest = tmp_path / "a.wav", tmp_path / "a.mp3", tmp_path / "b.mp3"
    sf.write(wav, noise(), 22050)
    subprocess.run([ffmpeg_binary(), "-v", "error", "-i", str(wav), "-c:a", "libmp3lame",
                    "-b:a", "96k", "-metadata", "artist=Jane Doe", "-metadata",
                    "comment=SN-REC-5511", "-write_id3v1", "1", str(src)], check=True)
    data = src.read_bytes()
    ape_items = b"\x0b\x00\x00\x00\x00\x00\x00\x00Artist\x00Jane Doe\x00\x00\x00"
    footer = b"APETAGEX" + struct.pack("<IIII", 2000, len(ape_items) + 32, 1, 0) + b"\x00" * 8
    src.write_bytes(data[:-128] + ape_items + footer + data[-128:])
    removed = strip_metadata(src, dest)
    out = dest.read_bytes()
    assert _personal(out) == [] and not out.startswith(b"ID3")
    assert set(removed) == {"mp3.id3v2", "mp3.id3v1", "mp3.ape"}
    assert out in data  # the frames, byte for byte, nothing else
