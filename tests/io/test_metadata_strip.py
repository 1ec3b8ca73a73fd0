"""Containers remuxed without their tags (io/metadata_strip.py): MP4 title/location, stream
tags, data streams; Ogg Vorbis comments; M4A tags. Packets and rotation stay; formats it
does not know are plain copies (None); a remux FFmpeg refuses is `unsupported`."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from mediasynth.core.errors import MediaError
from mediasynth.io.ffmpeg import ffmpeg_binary, probe
from mediasynth.io.metadata_strip import strip_metadata
from tests.video.helpers import encode_frames, ffmpeg_has_option, red_blue, tone

PERSONAL = (b"Jane Doe", b"48.8577", b"SN-CAM-9001")


def _packets(path: Path) -> list[tuple[int, bytes]]:
    import av

    with av.open(str(path)) as container:
        return [(p.stream.index, bytes(p)) for p in container.demux() if p.size]


def tagged_mp4(path: Path, *, rotation_deg: int = 0) -> Path:
    plain = path.with_suffix(".plain.mp4")
    encode_frames(plain, red_blue(64, 48, 12), fps=12, audio=tone(1.0))
    rotate = ["-display_rotation:v", str(rotation_deg)] if rotation_deg else []
    subprocess.run([ffmpeg_binary(), "-v", "error", "-y", *rotate, "-i", str(plain), "-c",
                    "copy", "-metadata", "title=Jane Doe's holiday", "-metadata",
                    "location=+48.8577+002.2950/", "-metadata", "comment=SN-CAM-9001",
                    "-metadata:s:a:0", "title=Jane Doe", str(path)], check=True)
    plain.unlink()
    return path


def test_mp4_loses_title_location_and_stream_tags_keeps_packets(tmp_path):
    import av

    src, dest = tagged_mp4(tmp_path / "clip.mp4"), tmp_path / "out.mp4"
    # the location is written as a 3GPP `loci` box (binary coordinates)
    assert all(s in src.read_bytes() for s in (b"Jane Doe", b"SN-CAM-9001", b"loci"))
    removed = strip_metadata(src, dest)
    out = dest.read_bytes()
    assert [s for s in (b"Jane Doe", b"SN-CAM-9001", b"loci", b"\xa9xyz", b"Lavf")
            if s in out] == []
    with av.open(str(dest)) as container:
        assert not {"title", "location", "comment"} & set(container.metadata)
    assert {"mp4.tag.title", "mp4.tag.location", "mp4.tag.comment"} <= set(removed)
    assert any(r.startswith("mp4.stream_tag.") for r in removed)  # the audio track's title
    assert _packets(src) == _packets(dest)


@pytest.mark.skipif(not ffmpeg_has_option("-display_rotation"), reason="FFmpeg too old")
def test_mp4_rotation_survives_the_remux(tmp_path):
    src, dest = tagged_mp4(tmp_path / "clip.mp4", rotation_deg=90), tmp_path / "out.mp4"
    strip_metadata(src, dest)
    assert probe(dest)["streams"][0]["rotation_deg"] == probe(src)["streams"][0][
        "rotation_deg"] != 0


def test_ogg_and_m4a_lose_their_tags_and_keep_their_samples(tmp_path):
    for ext, codec in (("ogg", "libvorbis"), ("m4a", "aac")):
        wav, src, dest = tmp_path / "a.wav", tmp_path / f"a.{ext}", tmp_path / f"b.{ext}"
        rng = np.random.default_rng(1)
        sf.write(wav, (rng.standard_normal((44100, 2)) * 0.1).astype(np.float32), 44100)
        subprocess.run([ffmpeg_binary(), "-v", "error", "-y", "-i", str(wav), "-c:a", codec,
                        "-metadata", "artist=Jane Doe", "-metadata", "comment=48.8577",
                        str(src)], check=True)
        removed = strip_metadata(src, dest)
        assert [s for s in PERSONAL if s in dest.read_bytes()] == []
        assert any(r.endswith("artist") for r in removed), removed
        assert _packets(src) == _packets(dest)
        # the same input gives the same bytes (Ogg serials, no encoder stamp)
        strip_metadata(src, tmp_path / f"c.{ext}")
        assert (tmp_path / f"c.{ext}").read_bytes() == dest.read_bytes()


def test_unknown_format_is_a_plain_copy_and_says_so(tmp_path):
    src, dest = tmp_path / "a.xyz", tmp_path / "b.xyz"
    src.write_bytes(b"\x00\x01 Jane Doe" * 100)
    assert strip_metadata(src, dest) is None
    assert dest.read_bytes() == src.read_bytes()


def test_a_container_ffmpeg_cannot_remux_is_unsupported_in_one_line(tmp_path):
    src, dest = tmp_path / "a.mp4", tmp_path / "b.mp4"
    src.write_bytes(b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + b"\x00" * 64)
    with pytest.raises(MediaError) as info:
        strip_metadata(src, dest)
    assert info.value.code == "unsupported" and "\n" not in info.value.message
    assert "--keep-metadata" in info.value.message
