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


ENCODE_SCRIPT = """
import sys
import numpy as np
from mediasynth.core.media import Audio
from mediasynth.io.audio_io import FFMPEG_FORMATS, SOUNDFILE_FORMATS, write_audio
t = np.arange(22050) / 22050
x = np.stack([0.5 * np.sin(2 * np.pi * 440 * t), 0.3 * np.sin(2 * np.pi * 660 * t)])
for fmt in [*SOUNDFILE_FORMATS, *FFMPEG_FORMATS]:
    write_audio(Audio(x.astype(np.float32), 22050), f"{sys.argv[1]}/a.{fmt}")
"""


def test_every_output_format_is_byte_identical_across_processes(tmp_path):
    import subprocess
    import sys

    from mediasynth.io.audio_io import FFMPEG_FORMATS, SOUNDFILE_FORMATS

    runs = []
    for name in ("first", "second"):
        out = tmp_path / name
        out.mkdir()
        subprocess.run([sys.executable, "-c", ENCODE_SCRIPT, str(out)], check=True, timeout=120)
        runs.append(out)
    differing = [fmt for fmt in [*SOUNDFILE_FORMATS, *FFMPEG_FORMATS]
                 if (runs[0] / f"a.{fmt}").read_bytes() != (runs[1] / f"a.{fmt}").read_bytes()]
    assert differing == []


def _bitwise_ogg_crc(data: bytes) -> int:
    """RFC 3533 page CRC the slow, obvious way: poly 0x04C11DB7, MSB first, init 0."""
    crc = 0
    for byte in data:
        crc ^= byte << 24
        for _ in range(8):
            crc = ((crc << 1) ^ 0x04C11DB7 if crc & 0x80000000 else crc << 1) & 0xFFFFFFFF
    return crc


def test_ogg_crc_matches_the_rfc_definition():
    from mediasynth.io.audio_containers import ogg_crc32

    rng = np.random.default_rng(0)
    for n in (0, 1, 27, 300):
        data = rng.integers(0, 256, n, dtype=np.uint8).tobytes()
        assert ogg_crc32(data) == _bitwise_ogg_crc(data)


def test_rewritten_ogg_pages_have_one_serial_valid_crcs_and_the_same_audio(tmp_path):
    import struct

    from mediasynth.io.audio_containers import ogg_pages

    src = tone(2, sample_rate=44100, seconds=1.0)
    path = tmp_path / "a.ogg"
    write_audio(src, path)
    data = path.read_bytes()
    pages = ogg_pages(data)
    assert len(pages) >= 3  # two header pages and audio
    assert len({data[o + 14:o + 18] for o, _ in pages}) == 1
    for offset, length in pages:
        page = bytearray(data[offset:offset + length])
        stored = struct.unpack_from("<I", page, 22)[0]
        page[22:26] = bytes(4)
        assert _bitwise_ogg_crc(bytes(page)) == stored
    back = read_audio(path)
    n = min(back.frames, src.frames)
    assert np.sqrt(np.mean((back.samples[:, :n] - src.samples[:, :n]) ** 2)) < 0.02


def _brief_wav(tmp_path):
    """The reported file: a header declaring 130,052 data bytes over 13,636 present."""
    path = tmp_path / "full.wav"
    t = np.arange(65026) / 16000
    sf.write(str(path), 0.5 * np.sin(2 * np.pi * 440 * t), 16000, subtype="PCM_16")
    cut = tmp_path / "cut.wav"
    cut.write_bytes(path.read_bytes()[: 44 + 13636])
    return cut


def test_a_wav_shorter_than_its_header_is_truncated_in_probe_and_read(tmp_path):
    from mediasynth.io.audio_io import probe_audio

    cut = _brief_wav(tmp_path)
    assert sf.info(str(cut)).frames == 6818  # what libsndfile alone reports: no complaint
    for call in (probe_audio, read_audio):
        with pytest.raises(MediaError) as info:
            call(cut)
        assert info.value.code == "truncated"
        assert "130,052" in info.value.message and "13,636" in info.value.message


@pytest.mark.parametrize("fmt,subtype", [("wav", "PCM_24"), ("aiff", "PCM_16"), ("flac", "PCM_16"),
                                         ("flac", "PCM_24"), ("m4a", None)])
def test_files_cut_anywhere_past_the_header_are_truncated(tmp_path, fmt, subtype):
    from mediasynth.io.audio_io import probe_audio

    path = tmp_path / f"a.{fmt}"
    write_audio(tone(2, sample_rate=22050, seconds=2.0), path, subtype=subtype)
    data = path.read_bytes()
    assert read_audio(path).frames >= 44100
    for share in (0.35, 0.7, 0.99):
        cut = tmp_path / f"cut.{fmt}"
        cut.write_bytes(data[: int(len(data) * share)])
        for call in (probe_audio, read_audio):
            with pytest.raises(MediaError) as info:
                call(cut)
            assert info.value.code == "truncated", (share, call.__name__, info.value)


def test_a_flac_damaged_mid_stream_is_damaged_not_ok(tmp_path):
    from mediasynth.io.audio_io import DAMAGED, probe_audio

    path = tmp_path / "a.flac"
    write_audio(tone(1, sample_rate=16000, seconds=2.0), path)
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle:middle + 200] = bytes(200)  # zeros over a frame: lost sync, bad CRC
    path.write_bytes(bytes(data))
    assert probe_audio(path) is not None  # the header and the last frame are intact
    with pytest.raises(MediaError) as info:
        read_audio(path)
    assert info.value.code == DAMAGED and DAMAGED in ("damaged", "unreadable")


@pytest.mark.parametrize("channels", [1, 2, 3])
def test_pcm16_wav_matches_what_libsndfile_writes(tmp_path, channels):
    import soundfile as sf

    from mediasynth.core.media import Audio
    from mediasynth.io.audio_io import write_audio

    rng = np.random.default_rng(channels)
    x = (rng.standard_normal((channels, 4000)) * 0.2).astype(np.float32)
    x[0, :4] = [1.5, -1.5, np.nan, 0.25]  # clipped, clipped, not a number, exact
    ours = tmp_path / "ours.wav"
    clipped = write_audio(Audio(x, 22050), ours, subtype="PCM_16")
    theirs = tmp_path / "theirs.wav"
    sf.write(str(theirs), np.clip(np.nan_to_num(x), -1, 1).T, 22050, subtype="PCM_16")
    assert clipped == 2
    assert ours.read_bytes()[:44] == theirs.read_bytes()[:44]  # the same header
    a = sf.read(str(ours), dtype="int16", always_2d=True)[0]
    b = sf.read(str(theirs), dtype="int16", always_2d=True)[0]
    assert a.shape == b.shape == (4000, channels)
    assert np.abs(a.astype(int) - b).max() <= 1  # rounding only
    assert a[0, 0] == 32767 and a[1, 0] == -32768 and a[2, 0] == 0 and a[3, 0] == 8192


def _wav_declaring(path, rate_hz: int, frames: int = 71_000) -> None:
    """A mono 16-bit WAV whose header declares `rate_hz` (the data is real)."""
    import struct

    data = (np.sin(np.arange(frames) / 5) * 10000).astype("<i2").tobytes()
    fmt = struct.pack("<HHIIHH", 1, 1, rate_hz, (rate_hz * 2) & 0xFFFFFFFF, 2, 16)
    body = b"WAVEfmt " + struct.pack("<I", 16) + fmt + b"data" + struct.pack("<I", len(data)) \
        + data
    path.write_bytes(b"RIFF" + struct.pack("<I", len(body)) + body)


@pytest.mark.parametrize("rate_hz", [2_000_000_000, 3_000_000, 10])
def test_an_absurd_sample_rate_is_unsupported_before_decoding(tmp_path, monkeypatch, rate_hz):
    from mediasynth.io.audio_io import probe_audio

    path = tmp_path / "absurd.wav"
    _wav_declaring(path, rate_hz)
    assert 140_000 < path.stat().st_size < 145_000
    monkeypatch.setattr(sf, "read", lambda *a, **k: pytest.fail("decoded"))
    for call in (probe_audio, read_audio):
        with pytest.raises(MediaError) as info:
            call(path)
        assert info.value.code == "unsupported"
        assert f"{rate_hz:,} Hz" in info.value.message


def test_plausible_rates_from_100_hz_to_768_khz_are_read(tmp_path):
    for rate_hz in (100, 8000, 44100, 192_000, 768_000):
        path = tmp_path / f"{rate_hz}.wav"
        _wav_declaring(path, rate_hz, frames=2000)
        assert read_audio(path).sample_rate == rate_hz


def test_audio_over_the_worker_memory_budget_is_too_large_before_decoding(tmp_path,
                                                                          monkeypatch):
    """10 s of 44.1 kHz stereo: 3.4 MiB of float32, x WORKING_COPIES over a 16 MiB budget;
    refused from the header with the estimate, never decoded."""
    from mediasynth.io.audio_io import WORKING_COPIES, probe_audio

    path = tmp_path / "long.wav"
    sf.write(path, np.zeros((441_000, 2), np.float32), 44100, subtype="PCM_16")
    need_mib = 441_000 * 2 * 4 * WORKING_COPIES / 2**20
    assert need_mib > 16
    monkeypatch.setattr(sf, "read", lambda *a, **k: pytest.fail("decoded"))
    with pytest.raises(MediaError) as info:
        read_audio(path, max_memory_bytes=16 * 2**20)
    assert info.value.code == "too_large"
    assert f"{need_mib:,.0f} MiB" in info.value.message and "16 MiB" in info.value.message
    assert probe_audio(path, max_memory_bytes=int(need_mib * 2**20) + 1) is not None


def test_expand_gives_the_absurd_rate_wav_a_reason_row(tmp_path):
    import json

    from mediasynth.cli import main

    src, out = tmp_path / "src", tmp_path / "out"
    (src / "birds").mkdir(parents=True)
    _wav_declaring(src / "birds" / "absurd.wav", 2_000_000_000)
    write_audio(tone(1, sample_rate=16000, seconds=0.3), src / "birds" / "fine.wav")
    assert main(["expand", str(src), str(out), "-n", "1", "--workers", "1", "-q",
                 "--no-report"]) == 3
    rows = {r["source"]: r for r in map(json.loads, (out / "manifest.jsonl").read_text()
                                        .splitlines())}
    assert rows["birds/absurd.wav"]["reason"]["code"] == "unsupported"
    assert rows["birds/fine.wav"]["status"] == "ok"
