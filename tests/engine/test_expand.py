"""End-to-end expansion: bad files, determinism across workers, resume after SIGKILL,
no leakage between splits, balancing."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from PIL import Image as PILImage

from mediasynth.cli import main
from mediasynth.io.audio_io import read_audio
from mediasynth.io.image_io import read_image
from tests.engine.helpers import bomb_png, make_tree, tree_digest

ROOT = Path(__file__).resolve().parents[2]


def _rows(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "manifest.jsonl").read_text().splitlines()]


def _add_broken_files(src: Path) -> dict[str, str]:
    (src / "circle" / "zero.png").write_bytes(b"")
    good = (src / "circle" / "circle 0.png").read_bytes()
    (src / "circle" / "truncated.png").write_bytes(good[: len(good) // 2])
    jpg = (src / "circle" / "circle 1.jpg").read_bytes()
    (src / "circle" / "cut.jpg").write_bytes(jpg[: len(jpg) * 2 // 3])
    (src / "circle" / "text.jpg").write_text("this is not an image")
    bomb_png(src / "square" / "bomb.png", 30000, 30000)
    (src / "sine" / "garbage.wav").write_bytes(b"RIFF\x24\x00\x00\x00WAVEfmt " + os.urandom(64))
    from tests.video.helpers import encode_frames, red_blue, tone

    (src / "clips").mkdir()
    encode_frames(src / "clips" / "good.mp4", red_blue(n=25), audio=tone(1.0))
    clip = (src / "clips" / "good.mp4").read_bytes()
    (src / "clips" / "damaged.mp4").write_bytes(clip[: len(clip) // 3])
    _png(src / "circle" / "-odd name:\nwith newline ü.png", src)
    return {"clips/damaged.mp4": "truncated","circle/zero.png": "empty", "circle/truncated.png": "truncated",
            "circle/cut.jpg": "truncated", "circle/text.jpg": "unreadable",
            "square/bomb.png": "too_large", "sine/garbage.wav": "unreadable"}


def _png(path: Path, src: Path) -> None:
    path.write_bytes((src / "circle" / "circle 0.png").read_bytes())


def test_bad_files_get_reasons_and_the_rest_is_expanded(tmp_path, capsys):
    src = make_tree(tmp_path / "src")
    expected = _add_broken_files(src)
    # a WAV behind a .png name is fine: content decides
    (src / "sine" / "sine-0.wav").rename(src / "sine" / "misnamed.png")
    before = tree_digest(src)
    out = tmp_path / "out"
    code = main(["expand", str(src), str(out), "-n", "2", "--seed", "5", "-q",
                 "--max-image-pixels", "50000000"])
    assert code == 3
    assert tree_digest(src) == before, "SRC must never be written"
    rows = _rows(out)
    bad = {r["source"]: r for r in rows if r["status"] != "ok"}
    assert {k: v["reason"]["code"] for k, v in bad.items()} == expected
    ok_sources = {r["source"] for r in rows if r["status"] == "ok"}
    good = {p.relative_to(src).as_posix() for p in src.rglob("*") if p.is_file()} - set(expected)
    assert ok_sources == good
    for r in rows:
        if r["status"] == "ok":
            path = out / r["output"]
            if r["kind"] == "video":
                from mediasynth.video.probe import probe_video

                assert probe_video(path, max_duration_s=60).frame_count > 0
            else:
                media = read_image(path) if r["kind"] == "image" else read_audio(path)
                assert media is not None
    assert not list(out.rglob(".mediasynth-tmp-*")), "no partial outputs"
    misnamed = [r for r in rows if r["source"] == "sine/misnamed.png"]
    assert misnamed and all(r["output"].endswith(".wav") for r in misnamed)


def test_same_seed_same_bytes_with_one_and_two_workers(tmp_path):
    src = make_tree(tmp_path / "src")
    outs = []
    for workers in (1, 2):
        out = tmp_path / f"out{workers}"
        assert main(["expand", str(src), str(out), "-n", "3", "--workers", str(workers), "-q",
                     "--no-report"]) == 0
        outs.append(tree_digest(out))
    assert outs[0] == outs[1]
    other = tmp_path / "other"
    main(["expand", str(src), str(other), "-n", "3", "--seed", "9", "-q", "--no-report"])
    assert tree_digest(other) != outs[0]


def test_no_leakage_and_oversampled_train_counts_are_equal(tmp_path):
    src = make_tree(tmp_path / "src", images=(("circle", 12), ("square", 3)), tones=(("sine", 5),))
    out = tmp_path / "out"
    assert main(["expand", str(src), str(out), "-n", "2", "--split", "0.6,0.2,0.2",
                 "--balance", "oversample", "-q", "--no-report"]) == 0
    rows = _rows(out)
    splits_of = {}
    for r in rows:
        splits_of.setdefault(r["source"], set()).add(r["split"])
    assert all(len(s) == 1 for s in splits_of.values())
    train = Counter(r["class"] for r in rows if r["split"] == "train")
    assert len(set(train.values())) == 1, train
    hashes = [r["output_sha256"] for r in rows if r["split"] == "train"]
    assert len(hashes) == len(set(hashes)), "oversampling must not copy bytes"
    for r in rows:
        if r["split"] in ("val", "test"):
            assert r["variant"] == -1 and r["record"] is None
    labels = (out / "labels.csv").read_text().splitlines()
    assert len(labels) == 1 + len(rows)


def _expand_cmd(src, out, *extra):
    return [sys.executable, "-m", "mediasynth", "expand", str(src), str(out), "-n", "4",
            "--workers", "2", "-q", "--no-report", *extra]


@pytest.mark.parametrize("fraction", [0.35, 0.7])
def test_sigkill_then_rerun_gives_the_uninterrupted_result(tmp_path, fraction):
    src = make_tree(tmp_path / "src", images=(("circle", 30), ("square", 20)),
                    tones=(("sine", 10),), size=256)
    reference = tmp_path / "ref"
    subprocess.run(_expand_cmd(src, reference), check=True, cwd=ROOT)
    expected = tree_digest(reference)
    outputs = sum(1 for k in expected if "__v" in k)
    killed = tmp_path / "killed"
    proc = subprocess.Popen(_expand_cmd(src, killed), cwd=ROOT, start_new_session=True)
    # kill once the given share of outputs is on disk (by progress, not by time)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        done = sum(1 for p in killed.rglob("*__v*") if ".mediasynth-tmp-" not in p.name) \
            if killed.exists() else 0
        if done >= fraction * outputs:
            break
        time.sleep(0.01)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    partial = tree_digest(killed) if killed.exists() else {}
    assert len(partial) < len(expected), "the kill must interrupt the run"
    # whatever the killed run left is complete and correct, never a torn file
    assert all(expected.get(k) == v for k, v in partial.items() if k != "manifest.jsonl"
               and not k.startswith(".") and "/.mediasynth-tmp-" not in k)
    result = subprocess.run(_expand_cmd(src, killed), cwd=ROOT)
    assert result.returncode == 0
    assert tree_digest(killed) == expected


def test_a_crashing_or_hanging_file_costs_one_source(tmp_path):
    src = tmp_path / "src"
    for name, value in (("dark", 10), ("ok1", 120), ("bright", 240), ("ok2", 100)):
        (src / "c").mkdir(parents=True, exist_ok=True)
        PILImage.fromarray(np.full((16, 16, 3), value, np.uint8)).save(src / "c" / f"{name}.png")
    pipeline = tmp_path / "p.yaml"
    pipeline.write_text("version: 1\nvariants: 1\nimage:\n  - {type: image.test_crash_on_dark}\n"
                        "budgets: {file_timeout_s: 5}\n")
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    code = subprocess.run([sys.executable, "-c",
                           "import sys, tests.engine.crashy; from mediasynth.cli import main; "
                           f"sys.exit(main(['expand', {str(src)!r}, {str(out)!r}, '-p', "
                           f"{str(pipeline)!r}, '-q', '--workers', '2', '--no-report']))"],
                          env=env, cwd=ROOT).returncode
    assert code == 3
    status = {r["source"]: (r["status"], (r["reason"] or {}).get("code")) for r in _rows(out)}
    assert status == {"c/dark.png": ("failed", "crashed"), "c/bright.png": ("failed", "timeout"),
                      "c/ok1.png": ("ok", None), "c/ok2.png": ("ok", None)}


def test_on_error_fail_stops_with_exit_1(tmp_path):
    src = make_tree(tmp_path / "src")
    (src / "circle" / "zero.png").write_bytes(b"")
    assert main(["expand", str(src), str(tmp_path / "out"), "--on-error", "fail", "-q"]) == 1


def test_refuses_dangerous_folders(tmp_path, capsys):
    src = make_tree(tmp_path / "src")
    assert main(["expand", str(src), str(src), "-q"]) == 1
    assert main(["expand", str(src), str(tmp_path), "-q"]) == 1  # OUT contains SRC
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "thesis.tex").write_text("precious")
    assert main(["expand", str(src), str(busy), "-q"]) == 1
    assert (busy / "thesis.tex").read_text() == "precious"
    # OUT inside SRC is excluded from discovery, so a second run does not eat its own output
    inner = src / "augmented"
    assert main(["expand", str(src), str(inner), "-n", "1", "-q", "--no-report"]) == 0
    first = tree_digest(inner)
    assert main(["expand", str(src), str(inner), "-n", "1", "-q", "--no-report"]) == 0
    assert tree_digest(inner) == first


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores file permissions")
def test_read_only_out_is_a_clear_fatal_error(tmp_path):
    src = make_tree(tmp_path / "src")
    out = tmp_path / "ro"
    out.mkdir()
    out.chmod(0o500)
    try:
        assert main(["expand", str(src), str(out), "-q"]) == 1
    finally:
        out.chmod(0o700)


def test_dry_run_writes_nothing(tmp_path, capsys):
    src = make_tree(tmp_path / "src")
    out = tmp_path / "out"
    assert main(["expand", str(src), str(out), "--dry-run", "-n", "2"]) == 0
    assert not out.exists()
    printed = capsys.readouterr().out
    assert "plan:" in printed and "circle" in printed


def test_replay_reproduces_every_output(tmp_path, capsys):
    src = make_tree(tmp_path / "src")
    out = tmp_path / "out"
    main(["expand", str(src), str(out), "-n", "2", "-q", "--no-report"])
    for row in [r for r in _rows(out) if r["record"]][:4]:
        dest = tmp_path / "replayed" / Path(row["output"]).name
        assert main(["replay", str(out), row["id"][:8], str(dest)]) == 0
        assert dest.read_bytes() == (out / row["output"]).read_bytes()


def test_overwrite_starts_afresh(tmp_path):
    src = make_tree(tmp_path / "src")
    out = tmp_path / "out"
    main(["expand", str(src), str(out), "-n", "3", "-q", "--no-report"])
    main(["expand", str(src), str(out), "-n", "1", "--overwrite", "-q", "--no-report"])
    assert {r["variant"] for r in _rows(out) if r["split"] == "train"} == {0}
    assert not list(out.rglob("*__v002*"))
