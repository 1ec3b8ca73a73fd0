"""OUT always equals its manifest and a fresh run of the final command: re-runs with changed
options or sources, concurrent runs, colliding and reserved names, OUTs inside SRC, hostile
trees, and the CLI's one-line fatal errors."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from mediasynth.cli import main
from tests.engine.helpers import make_tree, tree_digest

ROOT = Path(__file__).resolve().parents[2]


def _rows(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "manifest.jsonl").read_text().splitlines()]


def _data_files(out: Path) -> set[str]:
    """Files under OUT that are dataset content (not mediasynth's metadata)."""
    own = {"manifest.jsonl", "labels.csv", "pipeline.yaml", "run.json", "report.html",
           "README.md", "croissant.json"}
    return {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()
            and p.relative_to(out).parts[0] not in {".mediasynth", "report_assets"}
            and p.name not in own}


def _assert_out_equals_manifest(out: Path) -> None:
    rows = _rows(out)
    listed = {r["output"] for r in rows if r["output"]}
    assert _data_files(out) == listed
    ids = [r["id"] for r in rows]
    assert len(ids) == len(set(ids))
    from mediasynth.engine.worker import file_sha256

    for r in rows:
        if r["output"]:
            assert file_sha256(out / r["output"]) == r["output_sha256"]


def _comparable(out: Path) -> dict[str, str]:
    """Tree digest without the parts that name where the run came from or when."""
    return {k: v for k, v in tree_digest(out).items()
            if not k.startswith(".mediasynth/") and k != "run.json"}


def _expand(src, out, *extra) -> int:
    return main(["expand", str(src), str(out), "-q", "--no-report", *extra])


@pytest.mark.parametrize("first, second", [
    (["--split", "0.8,0.1,0.1"], ["--split", "0.5,0.5"]),
    (["-n", "6"], ["-n", "2"]),
    (["-p", "default"], ["-p", "image_classification"]),
    (["-n", "3"], ["-n", "3", "--overwrite", "--split", "0.5,0.5"]),
])
def test_rerun_with_other_options_equals_a_fresh_run(tmp_path, first, second):
    src = make_tree(tmp_path / "src", images=(("circle", 8), ("square", 4)), tones=(("sine", 4),))
    out = tmp_path / "out"
    assert _expand(src, out, *first) == 0
    assert _expand(src, out, *second) == 0
    fresh = tmp_path / "fresh"
    assert _expand(src, fresh, *[a for a in second if a != "--overwrite"]) == 0
    _assert_out_equals_manifest(out)
    assert _comparable(out) == _comparable(fresh)


def test_changed_sources_are_redone_and_deleted_ones_removed(tmp_path):
    src = make_tree(tmp_path / "src", images=(("circle", 20), ("square", 16)), tones=(),
                    size=32)
    out = tmp_path / "out"
    assert _expand(src, out, "--split", "0.6,0.2,0.2", "-n", "2") == 0
    before = {r["source"]: r["split"] for r in _rows(out)}
    edited = src / "circle" / "circle 0.png"
    from PIL import Image as PILImage

    PILImage.fromarray(np.full((40, 40, 3), 200, np.uint8)).save(edited)
    deleted = ["square/square 1.jpg", "circle/circle 3.jpg"]
    for rel in deleted:
        (src / rel).unlink()
    shutil.copy(src / "square" / "square 0.png", src / "square" / "added.png")
    assert _expand(src, out, "--split", "0.6,0.2,0.2", "-n", "2") == 0
    rows = _rows(out)
    after = {r["source"]: r["split"] for r in rows}
    moved = sum(after[s] != before[s] for s in after if s in before)
    assert moved <= 3 * 3, "2 deleted + 1 added sources move at most 9 others (engine/split.py)"
    assert not set(deleted) & set(after)
    from mediasynth.engine.worker import file_sha256

    assert all(r["source_sha256"] == file_sha256(edited) for r in rows
               if r["source"] == "circle/circle 0.png")
    _assert_out_equals_manifest(out)
    fresh = tmp_path / "fresh"
    assert _expand(src, fresh, "--split", "0.6,0.2,0.2", "-n", "2") == 0
    assert _comparable(out) == _comparable(fresh)


def test_colliding_names_and_reserved_class_names(tmp_path):
    src = make_tree(tmp_path / "src", images=(("circle", 2),), tones=())
    (src / "circle" / "sub").mkdir()
    shutil.copy(src / "circle" / "circle 0.png", src / "circle" / "sub" / "k.png")
    shutil.copy(src / "circle" / "circle 1.jpg", src / "circle" / "sub__k.png")
    for reserved in ("report_assets", "labels.csv", "report.html"):
        (src / reserved).mkdir()
        shutil.copy(src / "circle" / "circle 0.png", src / reserved / "x.png")
    out = tmp_path / "out"
    flat = tmp_path / "flat.yaml"  # no split: class folders are OUT's top level
    flat.write_text("image: [{type: image.flip_horizontal}]\n")
    assert main(["expand", str(src), str(out), "-q", "-n", "2", "-p", str(flat)]) == 3
    rows = _rows(out)
    ok = [r for r in rows if r["status"] == "ok"]
    assert len({r["output"] for r in ok}) == len(ok) == 8
    skipped = {r["source"].split("/")[0] for r in rows if r["status"] == "skipped"}
    assert skipped == {"report_assets", "labels.csv", "report.html"}
    assert (out / "report.html").is_file() and (out / "labels.csv").is_file()
    _assert_out_equals_manifest(out)


def test_an_out_inside_src_is_not_data(tmp_path, capsys):
    src = make_tree(tmp_path / "d", images=(("circle", 4),), tones=(("sine", 2),))
    assert main(["expand", str(src), str(src / "out"), "-q", "-n", "1"]) == 0
    assert main(["expand", str(src), str(src / "out2"), "-q", "-n", "1"]) == 0
    assert "earlier mediasynth OUT" in capsys.readouterr().err
    assert {r["source"] for r in _rows(src / "out2")} == {r["source"]
                                                         for r in _rows(src / "out")}


def test_a_modality_without_chain_is_copied_once(tmp_path, capsys):
    src = make_tree(tmp_path / "src", images=(("circle", 3),), tones=(("sine", 3),))
    out = tmp_path / "out"
    assert _expand(src, out, "-p", "image_classification", "-n", "4") == 0
    rows = _rows(out)
    audio = [r for r in rows if r["kind"] == "audio"]
    assert len(audio) == 3 and all(r["variant"] == -1 for r in audio)
    assert "no audio chain" in capsys.readouterr().err


def test_second_concurrent_run_exits_1_naming_the_holder(tmp_path):
    src = make_tree(tmp_path / "src", images=(("circle", 30), ("square", 10)), tones=(),
                    size=256)
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "mediasynth", "expand", str(src), str(out), "-n", "4", "-q",
           "--no-report"]
    first = subprocess.Popen(cmd, cwd=ROOT)
    lock = out / ".mediasynth" / "lock"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (lock.exists() and lock.read_text().strip()):
        time.sleep(0.02)
    second = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    assert first.wait(timeout=300) == 0
    assert second.returncode == 1
    assert f"pid {first.pid}" in second.stderr and "Traceback" not in second.stderr
    assert len(second.stderr.strip().splitlines()) == 1
    reference = tmp_path / "ref"
    subprocess.run([*cmd[:4], str(src), str(reference), *cmd[6:]], cwd=ROOT, check=True)
    assert _comparable(out) == _comparable(reference)


def _remove_deep(root: Path) -> None:
    """Delete a very deep tree bottom-up without recursion."""
    from mediasynth.io.discover import walk

    for folder, _, files in reversed(list(walk(root))):
        for name in files:
            os.unlink(os.path.join(folder, name))
        os.rmdir(folder)


def test_hostile_trees_never_crash(tmp_path, request):
    src = make_tree(tmp_path / "src", images=(("circle", 2),), tones=())
    os.symlink("b.png", src / "circle" / "a.png")
    os.symlink("a.png", src / "circle" / "b.png")
    deep = str(src / "deep")
    os.mkdir(deep)
    for _ in range(1000):  # 1,000 folders deep (made one by one: pathlib would recurse)
        deep += "/d"
        os.mkdir(deep)
    request.addfinalizer(lambda: _remove_deep(src / "deep"))  # rmtree would recurse
    deep = Path(deep)
    shutil.copy(src / "circle" / "circle 0.png", deep / "x.png")
    raw = os.fsencode(src / "circle") + b"/caf\xe9.png"
    shutil.copy(src / "circle" / "circle 0.png", raw)
    out = tmp_path / "out"
    assert _expand(src, out, "-n", "1") == 3
    rows = _rows(out)
    by_source = {r["source"]: r for r in rows}
    assert by_source["circle/a.png"]["reason"]["code"] == "unreadable"
    non_utf8 = os.fsdecode(b"circle/caf\xe9.png")
    assert by_source[non_utf8]["status"] == "ok"
    assert by_source[non_utf8]["name_bytes_escaped"] is True
    assert any(r["source"].startswith("deep/") and r["status"] == "ok" for r in rows)
    _assert_out_equals_manifest(out)


def _cli(*args, stdin=None):
    return subprocess.run([sys.executable, "-m", "mediasynth", *args], cwd=ROOT,
                          capture_output=True, text=True)


@pytest.mark.parametrize("case", ["empty_src", "report_not_out", "set_range", "set_type"])
def test_fatal_and_usage_errors_are_one_line(tmp_path, case):
    (tmp_path / "empty").mkdir()
    args = {
        "empty_src": ("expand", str(tmp_path / "empty"), str(tmp_path / "o")),
        "report_not_out": ("report", str(tmp_path / "empty")),
        "set_range": ("synth", "shapes", str(tmp_path / "s"), "--count", "2",
                      "--set", "objects_range=1,5"),
        "set_type": ("synth", "shapes", str(tmp_path / "s"), "--count", "2",
                     "--set", "width=abc"),
    }[case]
    result = _cli(*args)
    assert result.returncode in (1, 2), result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert not (tmp_path / "o").exists()


def test_dry_run_into_a_closed_pipe_and_replay_into_a_folder(tmp_path):
    src = make_tree(tmp_path / "src", images=(("circle", 3),), tones=())
    shell = (f"{sys.executable} -m mediasynth expand {src} {tmp_path / 'o'} --dry-run "
             "| head -c 10")
    result = subprocess.run(["bash", "-o", "pipefail", "-c", shell], cwd=ROOT,
                            capture_output=True, text=True)
    assert "Traceback" not in result.stderr and "BrokenPipe" not in result.stderr
    out = tmp_path / "out"
    assert _expand(src, out, "-n", "1") == 0
    row = next(r for r in _rows(out) if r["variant"] == 0)
    dest = tmp_path / "replayed"
    dest.mkdir()
    assert main(["replay", str(out), row["id"], str(dest)]) == 0
    assert (dest / Path(row["output"]).name).is_file()


def test_top_level_files_follow_the_umask(tmp_path):
    src = make_tree(tmp_path / "src", images=(("circle", 2),), tones=())
    out = tmp_path / "out"
    old = os.umask(0o022)
    try:
        assert _expand(src, out, "-n", "1") == 0
    finally:
        os.umask(old)
    for name in ("manifest.jsonl", "labels.csv", "pipeline.yaml"):
        assert (out / name).stat().st_mode & 0o777 == 0o644


@pytest.fixture
def tiny_fs(tmp_path):
    """A 3 MiB tmpfs (root only; skipped where mounting is not allowed)."""
    mount = tmp_path / "fs"
    mount.mkdir()
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mount)],
                          capture_output=True)
    if made.returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def test_disk_full_is_one_fatal_line_naming_out(tmp_path, tiny_fs):
    src = make_tree(tmp_path / "src", images=(("circle", 12),), tones=(("sine", 4),),
                    size=300)
    out = tiny_fs / "out"
    result = _cli("expand", str(src), str(out), "-n", "8", "--no-report", "-q")
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and str(out) in lines[0] and "space" in lines[0].lower()
    assert str(src) not in lines[0]
    assert not [p for p in out.rglob(".mediasynth-tmp-*")]


def test_read_only_out_is_one_fatal_line(tmp_path, tiny_fs):
    src = make_tree(tmp_path / "src", images=(("circle", 2),), tones=())
    out = tiny_fs / "out"
    assert _expand(src, out, "-n", "1") == 0
    subprocess.run(["mount", "-o", "remount,ro", str(tiny_fs)], check=True)
    result = _cli("expand", str(src), str(out), "-n", "2", "--no-report", "-q")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and str(out) in result.stderr


def test_audio_only_mp4_is_expanded_as_audio(tmp_path):
    import imageio_ffmpeg

    src = make_tree(tmp_path / "src", images=(("circle", 2),), tones=())
    (src / "speech").mkdir()
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-f", "lavfi", "-i",
                    "sine=f=440:d=0.5", "-c:a", "aac", "-f", "mp4",
                    str(src / "speech" / "talk.mp4")], check=True)
    out = tmp_path / "out"
    assert _expand(src, out, "-n", "1") == 0
    row = next(r for r in _rows(out) if r["source"] == "speech/talk.mp4")
    assert row["kind"] == "audio" and row["status"] == "ok"


@pytest.mark.parametrize("image_format, audio_format", [
    ("png", "wav"), ("jpg", "flac"), ("webp", "ogg"), ("tiff", "mp3"), ("bmp", "m4a"),
])
def test_every_format_is_byte_stable_and_replays(tmp_path, image_format, audio_format):
    src = make_tree(tmp_path / "src", images=(("circle", 2),), tones=(("sine", 2),))
    pipeline = tmp_path / "p.yaml"
    pipeline.write_text(
        "image: [{type: image.rotate, angle_deg_range: [-20, 20]}]\n"
        "audio: [{type: audio.gain, gain_db_range: [-6, 0]}]\n"
        f"output: {{image_format: {image_format}, audio_format: {audio_format}}}\n")
    digests = []
    for name in ("a", "b"):
        assert _expand(src, tmp_path / name, "-n", "2", "-p", str(pipeline)) == 0
        digests.append(_comparable(tmp_path / name))
    assert digests[0] == digests[1]
    replayed = tmp_path / "replayed"
    replayed.mkdir()
    for row in _rows(tmp_path / "a"):
        if row["variant"] >= 0:
            assert main(["replay", str(tmp_path / "a"), row["id"], str(replayed)]) == 0


def test_damaged_media_are_truncated_rows_or_kept_with_a_warning(tmp_path):
    from mediasynth.io.audio_io import write_audio
    from tests.video.helpers import encode_frames
    from tests.video.helpers import tone as track

    src = make_tree(tmp_path / "src", images=(("circle", 2),), tones=())
    frames = [np.full((48, 64, 3), 4 * i, np.uint8) for i in range(50)]
    (src / "clips").mkdir()
    (src / "tones").mkdir()
    good = encode_frames(src / "clips" / "good.mp4", frames, audio=track(2.0))
    cut = src / "clips" / "cut.mp4"  # index at the end: cut off with the tail
    cut.write_bytes(good.read_bytes()[: int(good.stat().st_size * 0.7)])
    import imageio_ffmpeg

    faststart = tmp_path / "fs.mp4"  # index first: FFmpeg opens it and says "partial file"
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-i", str(good), "-c",
                    "copy", "-movflags", "+faststart", str(faststart)], check=True)
    (src / "clips" / "cutfs.mp4").write_bytes(
        faststart.read_bytes()[: int(faststart.stat().st_size * 0.7)])
    from mediasynth.core.media import Audio

    wav = src / "tones" / "short.wav"
    write_audio(Audio(np.zeros((1, 65026), np.float32) + 0.1, 16000), wav)
    wav.write_bytes(wav.read_bytes()[:13680])
    out = tmp_path / "out"
    flat = tmp_path / "p.yaml"  # val/test only: every file is copied, never decoded otherwise
    flat.write_text("dataset: {split: {train: 0.0, val: 1.0}}\n")
    assert _expand(src, out, "-p", str(flat)) == 3
    reasons = {r["source"]: (r["status"], (r["reason"] or {}).get("code")) for r in _rows(out)}
    assert reasons["clips/cut.mp4"] == ("skipped", "truncated")
    assert reasons["clips/cutfs.mp4"] == ("skipped", "truncated")
    assert reasons["tones/short.wav"] == ("skipped", "truncated")
    assert reasons["clips/good.mp4"] == ("ok", None)
    _assert_out_equals_manifest(out)
    assert _expand(src, out, "-p", str(flat), "--on-damaged", "keep") in (0, 3)
    kept = {r["source"]: r for r in _rows(out)}
    assert kept["clips/cutfs.mp4"]["status"] == "ok"
    assert kept["clips/cutfs.mp4"]["warnings"][0]["code"] == "truncated"
    assert kept["tones/short.wav"]["status"] == "ok"  # copied as it is, with the warning
    assert kept["tones/short.wav"]["warnings"][0]["code"] == "truncated"
    _assert_out_equals_manifest(out)
