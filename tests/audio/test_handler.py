"""The audio handler's check / verify / load on intact, cut and damaged files."""

from __future__ import annotations

import numpy as np
import pytest

from mediasynth.audio.handler import AudioHandler
from mediasynth.core.config import Budgets
from mediasynth.core.errors import MediaError
from mediasynth.io.audio_io import DAMAGED, FFMPEG_FORMATS, SOUNDFILE_FORMATS, write_audio
from tests.conftest import tone

ALL_FORMATS = [*SOUNDFILE_FORMATS, *FFMPEG_FORMATS]


@pytest.mark.parametrize("fmt", ALL_FORMATS)
def test_intact_files_of_every_format_pass_check_and_verify(tmp_path, fmt):
    path = tmp_path / f"a.{fmt}"
    write_audio(tone(2, sample_rate=44100, seconds=1.0), path)
    handler = AudioHandler()
    handler.check(path, Budgets())
    handler.verify(path, Budgets())
    assert abs(handler.load(path, Budgets()).frames - 44100) < 4410


def _code(call, *args) -> str | None:
    try:
        call(*args)
    except MediaError as exc:
        return exc.code
    return None


@pytest.mark.parametrize("fmt", ["wav", "aiff", "flac", "m4a"])
def test_cut_files_are_truncated_in_check_verify_and_load(tmp_path, fmt):
    path = tmp_path / f"a.{fmt}"
    write_audio(tone(1, sample_rate=16000, seconds=2.0), path)
    path.write_bytes(path.read_bytes()[: int(path.stat().st_size * 0.6)])
    handler = AudioHandler()
    codes = {name: _code(getattr(handler, name), path, Budgets())
             for name in ("check", "verify", "load")}
    assert codes == {"check": "truncated", "verify": "truncated", "load": "truncated"}


def test_verify_decodes_what_check_cannot_see(tmp_path):
    """Zeros over a FLAC frame in the middle: the headers and the last frame are intact (check
    passes), the full decode is not."""
    path = tmp_path / "a.flac"
    write_audio(tone(2, sample_rate=16000, seconds=3.0), path)
    data = bytearray(path.read_bytes())
    data[len(data) // 2 : len(data) // 2 + 300] = bytes(300)
    path.write_bytes(bytes(data))
    handler = AudioHandler()
    assert _code(handler.check, path, Budgets()) is None
    assert _code(handler.verify, path, Budgets()) == DAMAGED


def test_an_audio_only_mp4_is_audio_to_the_handler(tmp_path):
    """An MP4 with the generic 'isom' brand and only an AAC track (FFmpeg's default for
    .mp4): checked, verified and loaded as audio."""
    from mediasynth.io.ffmpeg import input_arg, run_ffmpeg

    path = tmp_path / "voice.mp4"
    t = np.arange(16000) / 16000
    pcm = (0.5 * np.sin(2 * np.pi * 440 * t)).astype("<f4").tobytes()
    run_ffmpeg(["-f", "f32le", "-ar", "16000", "-ac", "1", "-i", "pipe:0", "-c:a", "aac",
                "-f", "mp4", "-y", input_arg(path)], input_bytes=pcm)
    assert path.read_bytes()[4:12] == b"ftypisom"
    handler = AudioHandler()
    handler.check(path, Budgets())
    handler.verify(path, Budgets())
    audio = handler.load(path, Budgets())
    assert audio.sample_rate == 16000 and abs(audio.frames - 16000) < 2048
    spec = np.abs(np.fft.rfft(audio.samples[0, 2048:14000]))
    assert abs(np.fft.rfftfreq(11952, 1 / 16000)[spec.argmax()] - 440) < 3
