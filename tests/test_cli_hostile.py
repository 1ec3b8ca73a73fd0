"""The CLI on hostile input: file names that are not UTF-8 through every command, pipeline
files that are not text (a device, a FIFO, binary, oversized), numbers that are not numbers
(NaN, infinities, negatives), odd DEST names, a class folder named like a run file, a disk
that fills up inside FFmpeg. Each ends in a one-line message (or a correct dataset), never a
traceback, a hang or a silently wrong OUT."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from mediasynth.cli import main
from mediasynth.core.config import MAX_PIPELINE_BYTES, PIPELINES_DIR
from mediasynth.engine import manifest as M
from mediasynth.io.image_io import write_image

ROOT = Path(__file__).resolve().parent.parent
NON_UTF8 = b"\xe9t\xe9"  # "été" in Latin-1: not UTF-8


def _image(path: Path | bytes, seed: int, gray: bool = False) -> None:
    """A small textured image; grey (one channel) or RGB."""
    from mediasynth.core.media import Image

    rng = np.random.default_rng(seed)
    pixels = rng.integers(0, 256, (24, 32, 1 if gray else 3), dtype=np.uint8)
    pixels[4:12, 6:20] = 255
    dest = Path(os.fsdecode(path))
    dest.parent.mkdir(parents=True, exist_ok=True)
    write_image(Image(pixels), dest)


def _tree(root: Path, per_class: int = 60) -> Path:
    """Two classes of `per_class` images, every third grey, every fourth name not UTF-8 (one
    class folder's own name is not UTF-8 either)."""
    for c, cls in enumerate((b"cat", b"caf" + NON_UTF8)):
        for i in range(per_class):
            name = (NON_UTF8 + b"_%03d.png" % i) if i % 4 == 0 else b"img_%03d.png" % i
            _image(os.fsencode(root) + b"/" + cls + b"/" + name, 100 * c + i, gray=i % 3 == 0)
    return root


def _cli(*args: str | bytes, env_extra: dict | None = None, timeout_s: float = 300):
    """The CLI in a child process whose stdout and stderr are strict UTF-8 (the harshest
    setting a terminal has): (exit code, stdout, stderr) as text."""
    env = {**os.environ, "NO_ALBUMENTATIONS_UPDATE": "1", "PYTHONIOENCODING": "utf-8:strict",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
           **(env_extra or {})}
    proc = subprocess.run([sys.executable, "-m", "mediasynth", *map(os.fsencode, args)],
                          capture_output=True, env=env, timeout=timeout_s)
    return (proc.returncode, proc.stdout.decode("utf-8", "replace"),
            proc.stderr.decode("utf-8", "replace"))


def _one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


# --- names that are not UTF-8 ----------------------------------------------------------

def test_non_utf8_names_through_expand_report_replay_and_validate(tmp_path):
    src, out = _tree(tmp_path / "src"), tmp_path / "out"
    code, stdout, err = _cli("expand", str(src), str(out), "-n", "1", "--workers", "2")
    assert code == 0, err
    assert "Traceback" not in err
    rows = M.read_manifest(out)
    assert len([r for r in rows if r["status"] == "ok"]) >= 120
    strange = [r for r in rows if NON_UTF8 in os.fsencode(r["source"])]
    assert len(strange) >= 30 and all((src / r["source"]).is_file() for r in strange)
    # the report was written (before: UnicodeEncodeError and no report), as UTF-8
    page = (out / "report.html").read_bytes().decode("utf-8")
    assert "\\xe9t\\xe9" in page

    code, stdout, err = _cli("report", str(out))
    assert code == 0 and "Traceback" not in err, err

    row = next(r for r in strange if r["status"] == "ok" and r["record"]
               and r["variant"] is not None and r["variant"] >= 0)
    dest = os.fsencode(tmp_path) + b"/d" + NON_UTF8 + b".png"
    code, stdout, err = _cli("replay", str(out), row["id"], dest)
    assert code == 0, err
    assert "byte-identical" in stdout and "\\xe9" in stdout
    assert os.path.isfile(dest)

    pipeline = os.fsencode(tmp_path) + b"/p" + NON_UTF8 + b".yaml"
    shutil.copyfile(PIPELINES_DIR / "default.yaml", pipeline)
    code, stdout, err = _cli("validate", pipeline)
    assert code == 0 and "OK" in stdout and "p\\xe9t\\xe9.yaml" in stdout, err


# --- replay DEST -----------------------------------------------------------------------

@pytest.fixture(scope="module")
def small_out(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("small")
    for i in range(12):
        _image(root / "src" / "a" / f"{i}.png", i, gray=i % 2 == 0)
    assert main(["expand", str(root / "src"), str(root / "out"), "-n", "2", "-q",
                 "--no-report", "--workers", "1"]) == 0
    return root / "out"


def _augmented(out: Path) -> dict:
    return next(r for r in M.read_manifest(out) if r["status"] == "ok" and r["record"]
                and r["variant"] is not None and r["variant"] >= 0)


@pytest.mark.parametrize("dest, message", [
    ("plain", "must be a folder or a file name ending in .png"),
    ("other.jpg", "must be a folder or a file name ending in .png"),
    ("plain.PNG.bak", "must be a folder or a file name ending in .png"),
])
def test_replay_dest_that_cannot_be_written_is_one_line(small_out, tmp_path, capsys,
                                                         monkeypatch, dest, message):
    row = _augmented(small_out)
    monkeypatch.chdir(tmp_path)
    assert main(["replay", str(small_out), row["id"], dest]) == 1
    assert message in _one_line(capsys.readouterr().err)
    assert not (tmp_path / dest).exists()
    assert main(["replay", str(small_out), row["id"], "good.PNG"]) == 0
    assert "byte-identical" in capsys.readouterr().out


# --- a class named like a run file -----------------------------------------------------

def test_class_folder_named_report_html_beside_a_manifest_is_data(tmp_path, capsys):
    src, out = tmp_path / "src", tmp_path / "out"
    for cls in ("report.html", "plain"):
        for i in range(30):
            _image(src / cls / f"{i:02d}.png", i, gray=i % 3 == 0)
    (src / "manifest.jsonl").write_text('{"note": "the user\'s own file"}\n')
    assert main(["expand", str(src), str(out), "-n", "1", "-q", "--no-report"]) == 0
    classes = {r["class"] for r in M.read_manifest(out) if r["status"] == "ok"}
    assert classes == {"report.html", "plain"}  # before: report.html silently dropped


# --- pipeline files that are not pipelines ---------------------------------------------

def _expand_with_pipeline(tmp_path, capsys, pipeline: str) -> str:
    src = tmp_path / "src"
    for i in range(4):
        _image(src / "a" / f"{i}.png", i)
    out = tmp_path / "out"
    assert main(["expand", str(src), str(out), "-p", pipeline, "-q"]) == 2
    assert not out.exists()  # refused before OUT is made
    return _one_line(capsys.readouterr().err)


def test_pipeline_device_is_refused_before_out(tmp_path, capsys):
    assert "not a regular file" in _expand_with_pipeline(tmp_path, capsys, "/dev/zero")


def test_pipeline_fifo_does_not_hang(tmp_path):
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    (tmp_path / "src" / "a").mkdir(parents=True)
    _image(tmp_path / "src" / "a" / "0.png", 0)
    code, _, err = _cli("expand", str(tmp_path / "src"), str(tmp_path / "out"), "-p",
                        str(fifo), timeout_s=60)
    assert code == 2 and "not a regular file" in _one_line(err)
    assert not (tmp_path / "out").exists()  # before: OUT made, then a hang
    code, _, err = _cli("validate", str(fifo), timeout_s=60)
    assert code == 2 and "not a regular file" in _one_line(err)


def test_binary_pipeline_is_one_line_in_validate_and_expand(tmp_path, capsys):
    blob = tmp_path / "model.yaml"
    blob.write_bytes(np.random.default_rng(0).integers(0, 256, 70_000, np.uint8).tobytes())
    assert main(["validate", str(blob)]) == 2  # before: UnicodeDecodeError traceback
    assert "not UTF-8" in _one_line(capsys.readouterr().err)
    nul = tmp_path / "nul.yaml"
    nul.write_bytes(b"version: 1\n" + b"\x00" * 100)
    assert main(["validate", str(nul)]) == 2
    assert "NUL" in _one_line(capsys.readouterr().err)
    assert "not UTF-8" in _expand_with_pipeline(tmp_path, capsys, str(blob))


def test_pipeline_size_cap(tmp_path, capsys):
    """A large pipeline (a long comment, keys in any order) reads; past the cap it is
    refused in one line, unread."""
    text = (PIPELINES_DIR / "default.yaml").read_text(encoding="utf-8")
    big = tmp_path / "big.yaml"
    big.write_text("# " + "x" * 200_000 + "\n" + text, encoding="utf-8")
    assert main(["validate", str(big)]) == 0
    capsys.readouterr()
    huge = tmp_path / "huge.yaml"
    huge.write_text("# " + "x" * MAX_PIPELINE_BYTES + "\n" + text, encoding="utf-8")
    assert main(["validate", str(huge)]) == 2
    assert "too large" in _one_line(capsys.readouterr().err)


# --- numbers ---------------------------------------------------------------------------

@pytest.mark.parametrize("option", [
    ["--split", "nan,0,0"], ["--split", "0.5,0.5,inf"], ["--split", "1.5,-0.5,0"],
    ["--split", "0.8,0.2,x"], ["--timeout", "-1"], ["--timeout", "nan"],
    ["--max-image-pixels", "-5"], ["--max-image-pixels", "0"],
    ["--max-audio-seconds", "nan"], ["--max-audio-seconds", "-3"],
    ["--max-video-seconds", "inf"],
])
def test_numeric_options_are_checked_before_out(tmp_path, capsys, option):
    src, out = tmp_path / "src", tmp_path / "out"
    for i in range(6):
        _image(src / "a" / f"{i}.png", i)
    assert main(["expand", str(src), str(out), "-q", *option]) == 2  # before: exit 0
    assert option[0] in _one_line(capsys.readouterr().err)
    assert not out.exists()


def test_synth_split_nan_is_refused(tmp_path, capsys):
    assert main(["synth", "shapes", str(tmp_path / "o"), "--count", "5", "--split",
                 "nan,0,0"]) == 2
    assert "--split" in _one_line(capsys.readouterr().err)


# --- a disk that fills up inside FFmpeg --------------------------------------------------

def _can_mount_private_tmpfs(where: Path) -> bool:
    if not shutil.which("unshare") or not sys.platform.startswith("linux"):
        return False
    probe = subprocess.run(["unshare", "-m", "sh", "-c",
                            f"mount -t tmpfs -o size=64k tmpfs '{where}'"],
                           capture_output=True, timeout=30)
    return probe.returncode == 0


def test_disk_full_inside_ffmpeg_is_one_line(tmp_path):
    """OUT on a 600 KiB file system of its own (a private mount namespace, gone with the
    process): video outputs fill it while FFmpeg writes."""
    disk = tmp_path / "disk"
    disk.mkdir()
    if not _can_mount_private_tmpfs(disk):
        pytest.skip("needs `unshare -m` and mount (root in a Linux container)")
    src = tmp_path / "src"
    for cls in ("bouncing", "circular"):
        shutil.copytree(ROOT / "samples" / cls, src / cls)
    env = {**os.environ, "NO_ALBUMENTATIONS_UPDATE": "1",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    script = (f"mount -t tmpfs -o size=600k tmpfs '{disk}' && exec '{sys.executable}' -m "
              f"mediasynth expand '{src}' '{disk}/out' -n 30 -q --no-report --workers 2")
    proc = subprocess.run(["unshare", "-m", "sh", "-c", script], capture_output=True,
                          env=env, timeout=300)
    err = proc.stderr.decode("utf-8", "replace")
    assert proc.returncode == 1, err
    line = _one_line(err)  # before: the FFmpeg stderr tail, 8 lines
    assert "no space left on device" in line.lower()
    assert line.startswith("mediasynth: error: cannot write to the output folder")


def test_report_of_rows_with_non_utf8_paths_is_utf8(tmp_path):
    """The report module on its own: a manifest whose every source name is bytes."""
    from mediasynth.report.html import write_report

    out = tmp_path / "out"
    (out / "train" / "a").mkdir(parents=True)
    rows = []
    for i in range(150):
        name = os.fsdecode(NON_UTF8 + b"_%03d.png" % i)
        _image(out / "train" / "a" / f"{i}.png", i, gray=i % 2 == 0)
        rows.append({"id": f"{i:012x}", "source": f"a/{name}", "class": "a", "split": "train",
                     "kind": "image", "variant": -1, "status": "ok", "reason": None,
                     "output": f"train/a/{i}.png", "record": None, "seed": None})
    M.write_final(out, rows)
    (out / "run.json").write_text(json.dumps({"src": str(tmp_path / "gone")}))
    page = write_report(out).read_bytes().decode("utf-8")
    assert page.count("\\xe9t\\xe9_") >= 1


# --- fatal messages --------------------------------------------------------------------

def test_a_multi_line_error_is_printed_on_one_line(tmp_path, capsys, monkeypatch):
    """Whatever a tool said (FFmpeg's stderr tail: 8 lines), the CLI prints one line."""
    from mediasynth import commands
    from mediasynth.core.errors import FFmpegError, one_line

    tail = "\n".join(f"[out#0/mp4 @ 0x55] line {i}: No space left on device" for i in range(8))

    def fail(args):
        raise FFmpegError("ffmpeg exited with 228", returncode=228, stderr_tail=tail)

    monkeypatch.setattr(commands, "cmd_report", fail)
    assert main(["report", str(tmp_path)]) == 1
    line = _one_line(capsys.readouterr().err)
    assert line.startswith("mediasynth: error: ffmpeg exited with 228 | ")
    assert len(one_line("x\n" * 1000)) <= 400
