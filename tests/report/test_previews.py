"""Previews made by the worker on the way (engine/previews.py): the report's video
keyframe strips and image tiles come from them, they show the output's (not the source's)
pixels, and a re-run prunes the ones of media no longer listed."""

from __future__ import annotations

import json

import numpy as np
from PIL import Image

from mediasynth.cli import main
from mediasynth.engine.previews import preview_path
from tests.video.helpers import decode, encode_frames, red_blue, tone


def _rows(out):
    return [json.loads(x) for x in (out / "manifest.jsonl").read_text().splitlines()]


def _expand(src, out, flip: bool, *extra):
    pipe = src.parent / f"p{int(flip)}.yaml"
    pipe.write_text("video:\n  frames:\n    - {type: image.flip_horizontal, p: "
                    f"{int(flip)}}}\n")
    return main(["expand", str(src), str(out), "-p", str(pipe), "-n", "2", "-q", *extra])


def test_worker_previews_show_the_output_and_feed_the_report(tmp_path):
    src = tmp_path / "src" / "clips"
    src.mkdir(parents=True)
    encode_frames(src / "a.mp4", red_blue(n=30), audio=tone(1.2))
    out = tmp_path / "out"
    assert _expand(src.parent, out, flip=True) == 0
    rows = [r for r in _rows(out) if r["status"] == "ok"]
    for row in rows:
        strip = np.asarray(Image.open(preview_path(out, row["output_sha256"])).convert("RGB"))
        assert strip.shape[1] == 360 and strip.shape[0] == 90  # 3 frames of 120 x 90
        middle = strip[:, 120:240].astype(int)
        frames, _ = decode(out / row["output"])
        want = np.asarray(Image.fromarray(frames[len(frames) // 2]).resize((120, 90)), int)
        assert np.abs(middle - want).mean() < 12  # the flipped output: blue on the left
        assert middle[:, :40, 2].mean() > 150 and middle[:, -40:, 0].mean() > 150
    source = np.asarray(Image.open(preview_path(out, rows[0]["source_sha256"])).convert("RGB"))
    assert source[:, :40, 0].mean() > 150  # the source: red on the left
    page = (out / "report.html").read_text()
    assert page.count("-keys.png") == 3  # original + 2 variants, copied from the previews


def test_a_rerun_prunes_previews_of_media_no_longer_listed(tmp_path):
    src = tmp_path / "src" / "clips"
    src.mkdir(parents=True)
    encode_frames(src / "a.mp4", red_blue(n=30))
    out = tmp_path / "out"
    assert _expand(src.parent, out, True) == 0
    first = {p.name for p in (out / ".mediasynth" / "previews").iterdir()}
    assert _expand(src.parent, out, False) == 0
    rows = [r for r in _rows(out) if r["status"] == "ok"]
    listed = {f"{r['output_sha256']}.png" for r in rows} | {f"{rows[0]['source_sha256']}.png"}
    now = {p.name for p in (out / ".mediasynth" / "previews").iterdir()}
    assert now == listed and now != first


def test_no_report_makes_no_previews(tmp_path):
    src = tmp_path / "src" / "clips"
    src.mkdir(parents=True)
    encode_frames(src / "a.mp4", red_blue(n=30))
    out = tmp_path / "out"
    assert _expand(src.parent, out, True, "--no-report") == 0
    assert not (out / ".mediasynth" / "previews").exists()


def test_image_tiles_come_from_the_worker_and_show_the_output(tmp_path):
    src = tmp_path / "src" / "pics"
    src.mkdir(parents=True)
    pixels = np.zeros((120, 200, 3), np.uint8)
    pixels[:, :100, 0] = 255  # red on the left, blue on the right
    pixels[:, 100:, 2] = 255
    Image.fromarray(pixels).save(src / "a.png")
    pipe = tmp_path / "flip.yaml"
    pipe.write_text("image:\n  - {type: image.flip_horizontal}\n")
    out = tmp_path / "out"
    assert main(["expand", str(src.parent), str(out), "-p", str(pipe), "-n", "2", "-q"]) == 0
    rows = [r for r in _rows(out) if r["status"] == "ok"]
    for row in rows:
        tile = np.asarray(Image.open(preview_path(out, row["output_sha256"])).convert("RGB"))
        assert tile.shape == (96, 160, 3)  # the longer side is 160 px
        assert tile[:, :40, 2].mean() > 200 and tile[:, -40:, 0].mean() > 200  # flipped
    source = np.asarray(Image.open(preview_path(out, rows[0]["source_sha256"])).convert("RGB"))
    assert source[:, :40, 0].mean() > 200
    assets = sorted((out / "report_assets").glob("*-thumb.png"))
    made = {preview_path(out, r["output_sha256"]).read_bytes() for r in rows}
    assert len(assets) == 3 and sum(a.read_bytes() in made for a in assets) == 2


def test_audio_pictures_come_from_the_worker_and_show_the_output(tmp_path):
    from mediasynth.io.audio_io import write_audio
    from tests.conftest import tone as sine

    src = tmp_path / "src" / "beeps"
    src.mkdir(parents=True)
    sound = sine(1, sample_rate=16000, seconds=1.0)
    sound.samples[:, 8000:] = 0.0  # a tone, then silence: reversed, the silence comes first
    write_audio(sound, src / "a.wav")
    pipe = tmp_path / "reverse.yaml"
    pipe.write_text("audio:\n  - {type: audio.reverse}\n")
    out = tmp_path / "out"
    assert main(["expand", str(src.parent), str(out), "-p", str(pipe), "-n", "1", "-q"]) == 0
    row, = [r for r in _rows(out) if r["status"] == "ok"]

    def wave_columns(sha):  # the waveform band (top 64 px): columns holding the trace
        rgb = np.asarray(Image.open(preview_path(out, sha)).convert("RGB"))
        assert rgb.shape == (160, 320, 3)  # waveform 64 px over mel spectrogram 96 px
        return (rgb[:64, :, 0] < 200).sum(axis=0) > 4

    played = wave_columns(row["output_sha256"])
    assert not played[:150].any() and played[170:].all()  # reversed: silence first
    assert wave_columns(row["source_sha256"])[:150].all()
    assets = sorted((out / "report_assets").glob("*-sound.png"))
    assert preview_path(out, row["output_sha256"]).read_bytes() in {a.read_bytes()
                                                                      for a in assets}
