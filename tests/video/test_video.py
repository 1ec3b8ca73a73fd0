"""Video outputs checked by an independent decoder (PyAV) and FFmpeg."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from mediasynth.core.config import pipeline_from_config
from mediasynth.core.errors import MediaError
from mediasynth.video.handler import VideoHandler
from mediasynth.video.probe import probe_video
from mediasynth.video.render import plan_clip, render_clip
from tests.video.helpers import decode, encode_frames, ffmpeg_has_option, red_blue, tone


def _pipeline(frames=None, temporal=None, audio=None, path="auto"):
    video = {k: v for k, v in (("frames", frames), ("temporal", temporal), ("audio", audio)) if v}
    return pipeline_from_config({"version": 1, "video": video,
                                 "output": {"video": {"path": path, "preset": "ultrafast",
                                                      "crf": 10}}})


def _render(src: Path, dest: Path, pipeline, seed=0):
    video = VideoHandler().load(src, pipeline.budgets)
    record, info = render_clip(plan_clip(video, pipeline, rng=np.random.default_rng(seed)),
                               pipeline, dest)
    return record, info


@pytest.mark.parametrize("path", ["frames", "fused"])
def test_flip_mirrors_every_frame(tmp_path, path):
    src = encode_frames(tmp_path / "rb.mp4", red_blue())
    out = tmp_path / "out.mp4"
    _, info = _render(src, out, _pipeline(frames=[{"type": "image.flip_horizontal"}], path=path))
    assert info["path"] == path
    frames, _ = decode(out)
    assert len(frames) == 20
    for f in frames:
        left, right = f[:, :28].mean(axis=(0, 1)), f[:, 36:].mean(axis=(0, 1))
        assert left[2] > 180 and left[0] < 60, "left half must be blue after the flip"
        assert right[0] > 180 and right[2] < 60


@pytest.mark.parametrize("path", ["frames", "fused"])
def test_brightness_raises_every_frame_by_the_expected_amount(tmp_path, path):
    frames_in = [np.full((48, 64, 3), 90 + i, np.uint8) for i in range(10)]
    src = encode_frames(tmp_path / "grey.mp4", frames_in)
    out = tmp_path / "out.mp4"
    step = {"type": "image.brightness_contrast", "brightness_range": [0.1, 0.1],
            "contrast_range": [1.0, 1.0]}
    _render(src, out, _pipeline(frames=[step], path=path))
    before, _ = decode(src)
    after, _ = decode(out)
    for a, b in zip(before, after):
        assert abs((b.astype(float).mean() - a.astype(float).mean()) - 25.5) < 2.0


def test_fused_and_frame_paths_look_the_same(tmp_path):
    rng = np.random.default_rng(0)
    base = (rng.random((48, 64, 3)) * 255).astype(np.uint8)
    import cv2

    base = cv2.GaussianBlur(base, (0, 0), 3)
    src = encode_frames(tmp_path / "tex.mp4", [np.roll(base, i, axis=1) for i in range(12)])
    steps = [{"type": "image.flip_horizontal"},
             {"type": "image.color_jitter", "brightness": 0.2, "contrast": 0.2, "saturation": 0.2,
              "hue": 0.05},
             {"type": "image.rotate", "angle_deg_range": [-10, 10]},
             {"type": "image.brightness_contrast"}]
    outs = {}
    for path in ("frames", "fused"):
        outs[path] = tmp_path / f"{path}.mp4"
        _render(src, outs[path], _pipeline(frames=steps, path=path), seed=4)
    a, _ = decode(outs["frames"])
    b, _ = decode(outs["fused"])
    assert len(a) == len(b)
    mad = np.mean([np.abs(x.astype(float) - y.astype(float))[4:-4, 4:-4].mean() for x, y in zip(a, b)])
    assert mad < 6.0, mad


@pytest.mark.parametrize("path", ["frames", "fused"])
@pytest.mark.parametrize("temporal,expect_s", [
    ([{"type": "video.trim", "duration_s": 1.0}], 1.0),
    ([{"type": "video.speed", "factor_range": [1.25, 1.25]}], 1.6),
    ([{"type": "video.speed", "factor_range": [0.8, 0.8], "keep_pitch": False}], 2.5),
    ([{"type": "video.frame_rate", "fps_range": [15, 15]}], 2.0),
    ([{"type": "video.reverse"}, {"type": "video.fade"}], 2.0),
])
def test_temporal_edits_keep_audio_in_sync(tmp_path, path, temporal, expect_s):
    src = encode_frames(tmp_path / "a.mp4", red_blue(n=50), fps=25, audio=tone(2.0, channels=2))
    out = tmp_path / "out.mp4"
    _, info = _render(src, out, _pipeline(frames=[{"type": "image.flip_horizontal"}],
                                          temporal=temporal, path=path))
    frames, facts = decode(out)
    fps = 15 if "frame_rate" in temporal[0]["type"] else 25
    assert abs(len(frames) - expect_s * fps) <= 1
    (sr, ch, audio_s), = facts["audio"]
    assert (sr, ch) == (16000, 2)
    assert abs(audio_s - facts["video_duration"]) < 0.05


def test_reverse_plays_frames_last_first(tmp_path):
    frames_in = [np.full((32, 32, 3), 20 + 20 * i, np.uint8) for i in range(10)]
    src = encode_frames(tmp_path / "ramp.mp4", frames_in, fps=10)
    out = tmp_path / "out.mp4"
    _render(src, out, _pipeline(frames=[{"type": "image.rotate", "angle_deg_range": [3, 3],
                                         "border_mode": "reflect"}],
                                temporal=[{"type": "video.reverse"}]))
    frames, _ = decode(out)
    means = [f.mean() for f in frames]
    assert means == sorted(means, reverse=True) and means[0] > means[-1] + 100


def test_drop_duplicate_keeps_length(tmp_path):
    frames_in = [np.full((32, 32, 3), 10 * i, np.uint8) for i in range(20)]
    src = encode_frames(tmp_path / "ramp.mp4", frames_in, fps=10)
    out = tmp_path / "out.mp4"
    _render(src, out, _pipeline(temporal=[{"type": "video.drop_duplicate",
                                           "drop_probability_range": [0.4, 0.4]}]))
    frames, _ = decode(out)
    means = [round(f.mean()) for f in frames]
    assert len(means) == 20 and len(set(means)) < 17 and means == sorted(means)


def test_audio_chain_in_python_keeps_channels_and_rate(tmp_path):
    src = encode_frames(tmp_path / "a.mp4", red_blue(n=25), audio=tone(1.0, 22050, 2),
                        sample_rate=22050)
    out = tmp_path / "out.mp4"
    record, _ = _render(src, out, _pipeline(audio=[{"type": "audio.pitch_shift",
                                                    "semitones_range": [2, 2]}]))
    _, facts = decode(out)
    assert facts["audio"][0][:2] == (22050, 2)
    assert record.children[2].children[0].params["semitones"] == 2


def test_no_audio_stays_absent(tmp_path):
    src = encode_frames(tmp_path / "v.mp4", red_blue())
    out = tmp_path / "out.mp4"
    _render(src, out, _pipeline(audio=[{"type": "audio.gain"}]))
    assert decode(out)[1]["audio"] == []


def test_replay_gives_the_same_bytes(tmp_path):
    src = encode_frames(tmp_path / "a.mp4", red_blue(n=25), audio=tone(1.0))
    pipeline = _pipeline(frames=[{"type": "image.color_jitter"}],
                         temporal=[{"type": "video.speed"}], audio=[{"type": "audio.add_noise"}])
    record, _ = _render(src, tmp_path / "a1.mp4", pipeline, seed=3)
    video = VideoHandler().load(src, pipeline.budgets)
    render_clip(plan_clip(video, pipeline, record=record), pipeline, tmp_path / "a2.mp4")
    assert (tmp_path / "a1.mp4").read_bytes() == (tmp_path / "a2.mp4").read_bytes()


# --- real-world inputs --------------------------------------------------------------------

def _ffmpeg_has(encoder: str) -> bool:
    import subprocess

    from mediasynth.io.ffmpeg import ffmpeg_binary

    out = subprocess.run([ffmpeg_binary(), "-hide_banner", "-encoders"], capture_output=True,
                         text=True).stdout
    return f" {encoder} " in out


CONTAINERS = [
    ("avi", ["-c:v", "mpeg4"]), ("mkv", ["-c:v", "libx264", "-pix_fmt", "yuv420p"]),
    ("mov", ["-c:v", "libx264", "-pix_fmt", "yuv420p"]), ("webm", ["-c:v", "libvpx"]),
    ("avi", ["-c:v", "msmpeg4v2"]), ("avi", ["-c:v", "cinepak"]),
    ("mkv", ["-c:v", "libx264", "-pix_fmt", "yuv420p10le"]),
]


@pytest.mark.parametrize("ext,codec", CONTAINERS, ids=[f"{e}-{c[1]}" + ("-10bit" if "10le" in c[-1]
                                                                          else "")
                                                       for e, c in CONTAINERS])
def test_containers_and_old_codecs(tmp_path, ext, codec):
    if not _ffmpeg_has(codec[1]):
        pytest.skip(f"this FFmpeg has no {codec[1]} encoder")
    src = encode_frames(tmp_path / f"in.{ext}", red_blue(), vcodec=codec)
    out = tmp_path / "out.mp4"
    _render(src, out, _pipeline(frames=[{"type": "image.flip_horizontal"}]))
    frames, _ = decode(out)
    assert len(frames) == 20 and frames[0][:, :20, 2].mean() > 150


def test_odd_size_is_cropped_to_even(tmp_path):
    src = encode_frames(tmp_path / "odd.mp4", red_blue(w=65, h=47))
    out = tmp_path / "out.mp4"
    _, info = _render(src, out, _pipeline(frames=[{"type": "image.flip_vertical"}]))
    assert (info["width"], info["height"]) == (64, 46)


def test_frame_chain_with_an_odd_output_size_is_padded_to_even(tmp_path):
    src = encode_frames(tmp_path / "rb.mp4", red_blue(w=64, h=48))
    out = tmp_path / "out.mp4"
    crop = {"type": "image.center_crop", "width": 41, "height": 33}
    _, info = _render(src, out, _pipeline(frames=[crop], path="frames"))
    assert (info["width"], info["height"]) == (42, 34)
    frames, _ = decode(out)
    assert len(frames) == 20
    left, right = frames[0][4:28, :16].mean(axis=(0, 1)), frames[0][4:28, 24:38].mean(axis=(0, 1))
    assert left[0] > 180 and right[2] > 180, "the crop keeps red left of blue"


def test_frame_path_keeps_colours_through_its_rgb_round_trip(tmp_path):
    import cv2

    rng = np.random.default_rng(1)
    base = cv2.GaussianBlur((rng.random((48, 64, 3)) * 255).astype(np.uint8), (0, 0), 2)
    base[:16, :16] = (230, 30, 40)  # saturated patches: a matrix mismatch would shift them
    base[:16, 48:] = (30, 200, 60)
    src = encode_frames(tmp_path / "tex.mp4", [base] * 8)
    out = tmp_path / "out.mp4"
    twice = [{"type": "image.flip_horizontal"}, {"type": "image.flip_horizontal"}]
    _render(src, out, _pipeline(frames=twice, path="frames"))
    before, _ = decode(src)
    after, _ = decode(out)
    assert len(after) == len(before)
    for a, b in zip(before, after):
        assert np.abs(a.astype(float) - b.astype(float)).mean() < 2.0
        assert np.abs(a[2:14, 2:14].mean(axis=(0, 1)) - b[2:14, 2:14].mean(axis=(0, 1))).max() < 4


def test_rotation_metadata_comes_out_upright(tmp_path):
    if not ffmpeg_has_option("-display_rotation"):
        pytest.skip("this FFmpeg has no -display_rotation (FFmpeg 5.1 lacks it) to make the "
                    "rotated clip with")
    src = encode_frames(tmp_path / "plain.mp4", red_blue(), extra=[])
    rotated = tmp_path / "rot.mp4"
    import subprocess

    from mediasynth.io.ffmpeg import ffmpeg_binary

    subprocess.run([ffmpeg_binary(), "-v", "error", "-y", "-display_rotation", "90", "-i", str(src),
                    "-c", "copy", str(rotated)], check=True)
    video = probe_video(rotated, max_duration_s=60)
    assert video.rotation_deg in (90, 270) and video.display_size == (48, 64)
    out = tmp_path / "out.mp4"
    _, info = _render(rotated, out, _pipeline(frames=[{"type": "image.color_jitter"}]))
    assert (info["width"], info["height"]) == (48, 64)
    frames, _ = decode(out)
    # red was on the left; after a display rotation the colours split top/bottom
    f = frames[0].astype(int)
    assert abs(f[:20].mean(axis=(0, 1))[0] - f[-20:].mean(axis=(0, 1))[0]) > 100


def test_non_square_pixels_become_square(tmp_path):
    src = encode_frames(tmp_path / "sar.mp4", red_blue(), extra=["-vf", "setsar=2/1"])
    out = tmp_path / "out.mp4"
    _, info = _render(src, out, _pipeline(frames=[{"type": "image.flip_horizontal"}]))
    assert (info["width"], info["height"]) == (128, 48)


def test_variable_frame_rate_becomes_constant(tmp_path):
    src = encode_frames(tmp_path / "cfr.mkv", red_blue(n=40), fps=20,
                        extra=["-vf", "setpts='if(lt(N,20),PTS,PTS*2)'", "-fps_mode", "vfr"])
    video = probe_video(src, max_duration_s=60)
    assert video.variable_fps
    out = tmp_path / "out.mp4"
    _render(src, out, _pipeline(frames=[{"type": "image.flip_horizontal"}]))
    frames, facts = decode(out)
    assert abs(len(frames) - video.duration_s * 20) <= 2
    assert not probe_video(out, max_duration_s=60).variable_fps


def test_several_audio_tracks_keep_the_first(tmp_path):
    src = encode_frames(tmp_path / "one.mkv", red_blue(n=25), audio=tone(1.0, channels=1))
    import subprocess

    from mediasynth.io.ffmpeg import ffmpeg_binary

    two = tmp_path / "two.mkv"
    subprocess.run([ffmpeg_binary(), "-v", "error", "-y", "-i", str(src), "-f", "lavfi", "-i",
                    "sine=f=1000:sample_rate=48000:duration=1", "-map", "0:v", "-map", "0:a",
                    "-map", "1:a", "-c:v", "copy", "-c:a", "aac", "-ac:a:1", "2", str(two)],
                   check=True)
    out = tmp_path / "out.mp4"
    _render(two, out, _pipeline(frames=[{"type": "image.flip_horizontal"}]))
    (sr, ch, _), = decode(out)[1]["audio"]
    assert (sr, ch) == (16000, 1)


def test_damaged_and_disguised_files_are_refused(tmp_path):
    good = encode_frames(tmp_path / "good.mp4", red_blue(n=25), audio=tone(1.0))
    data = good.read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: len(data) // 3])
    playlist = tmp_path / "list.mp4"
    playlist.write_text(f"#EXTM3U\n#EXTINF:1,\nfile:{good}\n#EXT-X-ENDLIST\n")
    concat = tmp_path / "concat.mp4"
    concat.write_text(f"ffconcat version 1.0\nfile '{good}'\n")
    for path in (cut, playlist, concat):
        with pytest.raises(MediaError):
            probe_video(path, max_duration_s=60)


def test_timeout_is_a_reason_not_a_hang(tmp_path):
    src = encode_frames(tmp_path / "a.mp4", red_blue(n=50))
    pipeline = _pipeline(frames=[{"type": "image.rotate", "border_mode": "reflect"}])
    pipeline = pipeline.with_overrides(budgets={"ffmpeg_timeout_s": 0.001})
    with pytest.raises(MediaError) as info:
        _render(src, tmp_path / "o.mp4", pipeline)
    assert info.value.code == "timeout"


def test_expand_with_videos_and_a_broken_one(tmp_path):
    from mediasynth.cli import main

    src = tmp_path / "src"
    (src / "clips").mkdir(parents=True)
    encode_frames(src / "clips" / "a.mp4", red_blue(n=25), audio=tone(1.0))
    encode_frames(src / "clips" / "b.mkv", red_blue(n=25))
    data = (src / "clips" / "a.mp4").read_bytes()
    (src / "clips" / "broken.mp4").write_bytes(data[:2000])
    out = tmp_path / "out"
    assert main(["expand", str(src), str(out), "-n", "2", "--split", "1,0,0", "-q",
                 "--no-report"]) == 3
    rows = [json.loads(x) for x in (out / "manifest.jsonl").read_text().splitlines()]
    ok = [r for r in rows if r["status"] == "ok"]
    assert len(ok) == 4 and all(r["output"].endswith(".mp4") for r in ok)
    assert [r["reason"]["code"] for r in rows if r["status"] != "ok"] == ["truncated"]  # its index cut off
    assert {r["info"]["audio"] for r in ok if "a__" in r["output"]} == {True}
    assert {r["info"]["audio"] for r in ok if "b__" in r["output"]} == {False}
