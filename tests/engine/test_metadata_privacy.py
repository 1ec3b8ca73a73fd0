"""`expand` keeps personal metadata out of OUT (engine/worker.py's copies through
io/metadata_strip.py): after a split run with --keep-originals, no GPS, serial number, owner
name or tag of any source is left in any output file; copied JPEGs keep every pixel and
their orientation; rows say what was removed; --keep-metadata copies byte for byte."""

from __future__ import annotations

import io
import json
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from PIL import Image as PILImage
from PIL.PngImagePlugin import PngInfo

from mediasynth.cli import main
from mediasynth.io.ffmpeg import ffmpeg_binary
from mediasynth.io.image_io import read_image
from tests.io.test_metadata_image import personal_exif
from tests.io.test_metadata_strip import tagged_mp4

PERSONAL = (b"Jane Doe", b"SN-BODY-778899", b"LENS-4455", b"Owner Name", b"48.8577",
            b"SN-CAM-9001", b"loci")
JPEGS, PNGS, WAVS = 150, 24, 24


def _picture(i: int, gray: bool) -> np.ndarray:
    rng = np.random.default_rng(i)
    h, w = (72, 96) if i % 3 else (96, 72)
    px = rng.integers(0, 255, (h, w, 1 if gray else 3), dtype=np.uint8)
    return px[:, :, 0] if gray else px


def _tagged_source(root: Path) -> Path:
    photos, sounds, clips = root / "photos", root / "sounds", root / "clips"
    for folder in (photos, sounds, clips):
        folder.mkdir(parents=True)
    for i in range(JPEGS):
        buf = io.BytesIO()
        PILImage.fromarray(_picture(i, gray=i % 4 == 0)).save(
            buf, "JPEG", exif=personal_exif(orientation=(1, 6, 3, 8)[i % 4]), quality=90,
            comment=b"Jane Doe")
        name = f"IMG_{i:04d}.jpg".encode()
        if i == 7:
            name = b"caf\xe9-IMG_0007.jpg"  # not UTF-8
        (photos / os.fsdecode(name)).write_bytes(buf.getvalue())
    for i in range(PNGS):
        info = PngInfo()
        info.add_text("Author", "Jane Doe")
        info.add_itxt("Comment", "SN-BODY-778899 at 48.8577")
        PILImage.fromarray(_picture(1000 + i, gray=i % 2 == 0)).save(
            photos / f"scan_{i:03d}.png", pnginfo=info)
    rng = np.random.default_rng(5)
    for i in range(WAVS):
        with sf.SoundFile(sounds / f"rec_{i:03d}.wav", "w", 16000, 1 + i % 2) as fh:
            fh.artist, fh.comment = "Jane Doe", "SN-BODY-778899"
            fh.write((rng.standard_normal((8000, 1 + i % 2)) * 0.1).astype(np.float32))
    for i, (ext, codec) in enumerate((("mp3", "libmp3lame"), ("ogg", "libvorbis")) * 2):
        subprocess.run([ffmpeg_binary(), "-v", "error", "-y", "-i",
                        str(sounds / f"rec_{i:03d}.wav"), "-c:a", codec, "-metadata",
                        "artist=Jane Doe", "-metadata", "comment=48.8577", "-write_id3v1", "1",
                        str(sounds / f"tagged_{i}.{ext}")], check=True)
    for i in range(3):
        tagged_mp4(clips / f"clip_{i}.mp4")
    return root


def _rows(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "manifest.jsonl").read_text().splitlines()]


@pytest.fixture(scope="module")
def tagged_src(tmp_path_factory) -> Path:
    return _tagged_source(tmp_path_factory.mktemp("privacy") / "src")


def test_no_personal_metadata_in_any_output_byte_stream(tagged_src, tmp_path):
    out = tmp_path / "out"
    code = main(["expand", str(tagged_src), str(out), "--split", "0.6,0.2,0.2",
                 "--keep-originals", "-n", "1", "--workers", "2", "-q", "--no-report"])
    assert code == 0
    rows = _rows(out)
    assert all(r["status"] == "ok" for r in rows)
    copies = [r for r in rows if r["variant"] == -1]
    assert {r["split"] for r in copies} == {"train", "val", "test"}
    assert {r["kind"] for r in copies} == {"image", "audio", "video"}
    leaks = {str(p.relative_to(out)): [s for s in PERSONAL if s in p.read_bytes()]
             for p in out.rglob("*") if p.is_file()}
    assert {k: v for k, v in leaks.items() if v} == {}
    by_source = {}
    for r in copies:
        by_source[r["source"]] = r
        src = tagged_src / os.fsdecode(r["source"].encode("utf-8", "surrogateescape"))
        dest = out / r["output"]
        if src.suffix == ".jpg":
            assert {"jpeg.exif", "exif.gps", "exif.owner", "exif.serial_number",
                    "jpeg.comment"} <= set(r["metadata_removed"])
            assert np.array_equal(np.asarray(PILImage.open(src)), np.asarray(PILImage.open(dest)))
            assert np.array_equal(read_image(src).pixels, read_image(dest).pixels)
        elif src.suffix == ".png":
            assert "png.text" in r["metadata_removed"]
        elif src.suffix == ".wav":
            assert r["metadata_removed"] == ["wav.list_info"]
            assert np.array_equal(sf.read(src)[0], sf.read(dest)[0])
        elif src.suffix in (".mp3", ".ogg"):
            assert any("artist" in name or "id3" in name for name in r["metadata_removed"])
        elif src.suffix == ".mp4":
            assert "mp4.tag.location" in r["metadata_removed"]
    assert len(by_source) == JPEGS + PNGS + WAVS + 4 + 3  # every source copied once
    # outputs encoded afresh carry none of it either, and their rows say what they lost
    for r in rows:
        if r["variant"] != -1:
            assert r["metadata_removed"] == by_source[r["source"]]["metadata_removed"]


def test_keep_metadata_copies_originals_byte_for_byte(tagged_src, tmp_path):
    out = tmp_path / "kept"
    src = tmp_path / "few"
    (src / "photos").mkdir(parents=True)
    for p in sorted((tagged_src / "photos").glob("IMG_00[0-3]*.jpg")):
        (src / "photos" / p.name).write_bytes(p.read_bytes())
    assert main(["expand", str(src), str(out), "--split", "0.5,0.25,0.25", "--keep-originals",
                 "--keep-metadata", "-n", "1", "--workers", "1", "-q", "--no-report"]) == 0
    copies = [r for r in _rows(out) if r["variant"] == -1]
    assert copies
    for r in copies:
        assert "metadata_removed" not in r
        assert (out / r["output"]).read_bytes() == (src / r["source"]).read_bytes()


def test_output_keep_metadata_must_be_a_boolean(tmp_path, capsys):
    pipeline = tmp_path / "p.yaml"
    pipeline.write_text("version: 1\noutput: {keep_metadata: 'yes'}\n")
    assert main(["validate", str(pipeline)]) == 2
    assert "output.keep_metadata must be true or false" in capsys.readouterr().err
