"""Container byte facts: checksums against catalogue check values, and truncation found from
headers of files cut at many points, never in intact files of many layouts."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from mediasynth.io.audio_containers import (
    find_truncation,
    flac_crc8,
    flac_crc16,
    ogg_crc32,
    parse_flac_frame_header,
)


def test_checksums_match_their_catalogue_check_values():
    # the standard "123456789" check values: CRC-8/SMBUS, CRC-16/UMTS, and CRC-32/CKSUM
    # without its final xor (Ogg's variant)
    assert flac_crc8(b"123456789") == 0xF4
    assert flac_crc16(b"123456789") == 0xFEE8
    assert ogg_crc32(b"123456789") == 0x765E7680 ^ 0xFFFFFFFF


def _sine(frames: int, channels: int, sample_rate: int = 16000) -> np.ndarray:
    t = np.arange(frames) / sample_rate
    return np.stack([0.5 * np.sin(2 * np.pi * 440 * (1 + c / 4) * t) for c in range(channels)]).T


def _first_flac_frame(data: bytes) -> int:
    return next(i for i in range(42, len(data)) if parse_flac_frame_header(data, i))


LAYOUTS = [("WAV", "PCM_16", 1), ("WAV", "PCM_24", 6), ("WAV", "FLOAT", 2), ("WAV", "PCM_U8", 1),
           ("WAV", "IMA_ADPCM", 1), ("RF64", "PCM_16", 2), ("AIFF", "PCM_16", 2),
           ("AIFF", "PCM_24", 1), ("AIFF", "FLOAT", 2), ("AIFF", "ULAW", 1),
           ("FLAC", "PCM_16", 2), ("FLAC", "PCM_24", 1), ("FLAC", "PCM_S8", 3)]


@pytest.mark.parametrize("fmt,subtype,channels", LAYOUTS)
def test_intact_files_are_not_truncated_and_every_cut_is(tmp_path, fmt, subtype, channels):
    path = tmp_path / "full.bin"
    sf.write(str(path), _sine(16000, channels), 16000, format=fmt, subtype=subtype)
    data = path.read_bytes()
    assert find_truncation(path) is None
    cut = tmp_path / "cut.bin"
    header = 200 if fmt != "FLAC" else _first_flac_frame(data)
    for keep in np.linspace(header, len(data) - 1, 12).astype(int):
        cut.write_bytes(data[:keep])
        assert find_truncation(cut) is not None, f"{keep} of {len(data)} bytes"


def test_trailing_chunks_and_tags_are_not_mistaken_for_truncation(tmp_path):
    wav, flac = tmp_path / "a.wav", tmp_path / "a.flac"
    sf.write(str(wav), _sine(1001, 1), 16000, subtype="PCM_U8")  # odd size: a pad byte
    wav.write_bytes(wav.read_bytes() + b"LIST\x04\x00\x00\x00INFO")
    sf.write(str(flac), _sine(16000, 2), 16000)
    id3v1 = b"TAG" + bytes(125)
    ape = b"APETAGEX" + (2000).to_bytes(4, "little") + (32).to_bytes(4, "little") + bytes(16)
    flac.write_bytes(flac.read_bytes() + ape + id3v1)
    assert find_truncation(wav) is None and find_truncation(flac) is None


def test_a_flac_missing_its_last_frames_but_ending_on_a_frame_boundary_is_caught(tmp_path):
    """Cut exactly at a frame start: every remaining frame is whole, but STREAMINFO
    declares more samples than the last frame reaches."""
    path = tmp_path / "a.flac"
    sf.write(str(path), _sine(48000, 1), 16000)
    data = path.read_bytes()
    starts = [i for i in range(_first_flac_frame(data), len(data) - 6)
              if parse_flac_frame_header(data, i)]
    (tmp_path / "b.flac").write_bytes(data[:starts[-2]])
    message = find_truncation(tmp_path / "b.flac")
    assert message is not None and "48,000" in message


def test_unknown_containers_are_not_judged(tmp_path):
    (tmp_path / "x.bin").write_bytes(b"\x00" * 100)
    (tmp_path / "id3.mp3").write_bytes(b"ID3\x03\x00\x00\x00\x00\x00\x10" + bytes(64))
    assert find_truncation(tmp_path / "x.bin") is None
    assert find_truncation(tmp_path / "id3.mp3") is None
