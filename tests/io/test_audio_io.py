from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from mediasynth.core.errors import MediaError
from mediasynth.core.media import Audio
from mediasynth.io.audio_io import read_audio, write_audio
from tests.conftest import tone


@pytest.mark.parametrize("fmt,subtype,tol", [
    ("wav", "PCM_16", 1e-4), ("wav", "PCM_24", 1e-6), ("wav", "PCM_32", 1e-7),
    ("wav", "FLOAT", 0.0), ("flac", "PCM_16", 1e-4), ("flac", "PCM_24", 1e-6),
])
def test_lossless_round_trip(tmp_path, fmt, subtype, tol):
    src = tone(2, sample_rate=22050, seconds=0.3)
    path = tmp_path / f"a.{fmt}"
    write_audio(src, path, subtype=subtype)
    back = read_audio(path)
    assert back.sample_rate == 22050 and back.samples.shape == src.samples.shape
    assert np.abs(back.samples - src.samples).max() <= tol
    assert sf.info(str(path)).subtype == subtype


@pytest.mark.parametrize("fmt", ["ogg", "mp3", "m4a"])
def test_lossy_formats_round_trip(tmp_path, fmt):
    src = tone(2, sample_rate=44100, seconds=0.5)
    path = tmp_path / f"a.{fmt}"
    write_audio(src, path)
    back = read_audio(path)
    assert back.channels == 2 and back.sample_rate == 44100
    assert abs(back.frames - src.frames) < 0.1 * src.frames
    n = min(back.frames, src.frames) // 2
    # same dominant frequency after decoding
    spec = np.abs(np.fft.rfft(back.samples[0, :n]))
    assert abs(np.fft.rfftfreq(n, 1 / 44100)[spec.argmax()] - 440) < 10


def test_clipping_is_clipped_and_counted_never_wrapped(tmp_path):
    loud = Audio(np.array([[0.5, 1.5, -2.0, 0.9]], np.float32), 8000)
    clipped = write_audio(loud, tmp_path / "c.wav")
    back = read_audio(tmp_path / "c.wav").samples[0]
    assert clipped == 2
    assert back[1] > 0.99 and back[2] < -0.99


def test_six_channels(tmp_path):
    src = tone(6, sample_rate=48000, seconds=0.2)
    write_audio(src, tmp_path / "s.wav")
    assert read_audio(tmp_path / "s.wav").channels == 6


def test_bad_audio_files_get_reasons(tmp_path):
    (tmp_path / "empty.wav").write_bytes(b"")
    header_only = tmp_path / "header.wav"
    write_audio(tone(1, seconds=0.1), header_only)
    header_only.write_bytes(header_only.read_bytes()[:44])
    (tmp_path / "garbage.wav").write_bytes(b"RIFF\x10\x00\x00\x00WAVEjunkjunkjunk" * 3)
    codes = {}
    for name in ("empty.wav", "header.wav", "garbage.wav"):
        with pytest.raises(MediaError) as info:
            read_audio(tmp_path / name)
        codes[name] = info.value.code
    assert codes["empty.wav"] == "empty"
    assert codes["header.wav"] in ("empty", "truncated")
    assert codes["garbage.wav"] in ("unreadable", "unsupported")


def test_long_audio_is_refused_from_the_header(tmp_path):
    path = tmp_path / "long.wav"
    write_audio(tone(1, sample_rate=8000, seconds=3.0), path)
    with pytest.raises(MediaError) as info:
        read_audio(path, max_duration_s=2.0)
    assert info.value.code == "too_large"
