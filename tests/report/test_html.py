"""report/html.py: the page `write_report` makes of an OUT (built here by hand, no run):
its title, counts, problems, tiles for each kind (images with boxes, audio, video, a kind
the report draws nothing for, webdataset members), non-UTF-8 names, and what it does with
files it cannot show."""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import tarfile
from pathlib import Path

import numpy as np
import pytest
import soundfile
from PIL import Image

from mediasynth.engine import manifest as M
from mediasynth.engine.previews import preview_path
from mediasynth.report.html import ASSETS, write_report

NON_UTF8 = os.fsdecode(b"caf\xe9")  # a Latin-1 class name, as it is on disk


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _png(path: Path, seed: int, size=(48, 64)) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    Image.fromarray(rng.integers(0, 200, (*size, 3), dtype=np.uint8)).save(path)
    return path


def _wav(path: Path, freq_hz: float) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    t = np.arange(8000) / 8000
    soundfile.write(path, (0.4 * np.sin(2 * np.pi * freq_hz * t)).astype(np.float32), 8000)
    return path


def _record(angle: float) -> dict:
    return {"name": "compose", "applied": True, "params": {}, "children": [
        {"name": "image.rotate", "applied": True, "params": {"angle_deg": angle, "seed": 9},
         "children": []}]}


def _row(i: int, *, kind: str, cls: str, split: str, source: str, variant: int,
         out: Path, output: str, **extra) -> dict:
    row = {"id": f"{i:012x}", "kind": kind, "class": cls, "split": split, "source": source,
           "variant": variant, "status": "ok", "output": output, "record": None,
           "output_sha256": _sha(out / output), "pipeline_sha256": "ab" * 32,
           "versions": {"mediasynth": "0.1.0"}}
    row.update(extra)
    return row


@pytest.fixture(scope="module")
def out(tmp_path_factory) -> Path:
    """An OUT of 12 image sources (two classes, one named in Latin-1) with 2 variants each,
    3 audio sources, one video with a worker preview, one with neither preview nor valid
    bytes, a kind the report does not know, and skipped rows."""
    root = tmp_path_factory.mktemp("html")
    src, out = root / "src", root / "out"
    rows, i = [], 0
    for n in range(12):
        cls = ("cat", NON_UTF8)[n % 2]
        source = f"{cls}/{n:02d}.png"
        _png(src / source, n)
        for v in range(2):
            output = f"train/{cls}/{n:02d}__v{v:03d}.png"
            _png(out / output, 100 * n + v)
            extra = {"record": _record(float(5 * n + v))}
            if n == 0:  # a detection row: boxes are drawn on its tile
                extra["annotation"] = {"objects": [{"bbox": [4, 4, 40, 30], "category": "dot"}]}
                extra["info"] = {"width": 64, "height": 48}
            rows.append(_row(i, kind="image", cls=cls, split="train", source=source,
                             variant=v, out=out, output=output, **extra))
            i += 1
    for n in range(3):
        source = f"tone/{n}.wav"
        _wav(src / source, 300 + 100 * n)
        output = f"val/tone/{n}.wav"
        _wav(out / output, 300 + 100 * n)
        rows.append(_row(i, kind="audio", cls="tone", split="val", source=source, variant=-1,
                         out=out, output=output))
        i += 1
    clip = out / "train" / "clips" / f"{NON_UTF8} 0__v000.mp4"
    clip.parent.mkdir(parents=True)
    clip.write_bytes(b"\x00\x00\x00\x18ftypisom" + bytes(500))  # made, but not decodable
    rows.append(_row(i, kind="video", cls="clips", split="train", source=None, variant=0,
                     out=out, output=clip.relative_to(out).as_posix()))
    _png(preview_path(out, rows[-1]["output_sha256"]), 7, (40, 360))  # the worker's strip
    i += 1
    broken = out / "train" / "clips" / "1__v000.mp4"
    broken.write_bytes(b"not a video at all")
    rows.append(_row(i, kind="video", cls="clips", split="train", source="clips/1.mp4",
                     variant=0, out=out, output="train/clips/1__v000.mp4"))
    i += 1
    (out / "train" / "seq").mkdir()
    (out / "train" / "seq" / "s0.seq").write_bytes(b"1 2 3")
    rows.append(_row(i, kind="toyseq2", cls="seq", split="train", source=None, variant=0,
                     out=out, output="train/seq/s0.seq"))
    i += 1
    for code, source in (("damaged", f"{NON_UTF8}/bad.png"), ("too_large", "cat/huge.png")):
        rows.append({"id": f"{i:012x}", "kind": "image", "class": source.split("/")[0],
                     "split": None, "source": source, "variant": None, "status": "skipped",
                     "output": None, "reason": {"code": code, "message": f"{code} <b>!</b>"}})
        i += 1
    M.write_final(out, rows)
    (out / "run.json").write_text(json.dumps({"src": str(src)}))
    (out / "pipeline.yaml").write_text("image:\n  - {type: image.rotate}  # a <comment>\n")
    write_report(out)
    return out


@pytest.fixture(scope="module")
def page(out) -> str:
    return (out / "report.html").read_bytes().decode("utf-8")  # strict: the page is UTF-8


def test_title_counts_and_summary_describe_the_out(out, page):
    title = re.search(r"<title>(.*)</title>", page).group(1)
    assert title == ("out: audio/image/toyseq2/video dataset, 30 files - 5 classes - "
                     "splits train, val (mediasynth report)")
    assert '<b data-total="outputs">30</b>' in page
    assert '<b data-total="skipped">2</b>' in page and '<b data-total="image">24</b>' in page
    assert "data-count='train/cat'>12<" in page
    assert "data-count='train/caf\\xe9'>12<" in page  # the name's byte, shown as \xNN
    assert "data-count='val/tone'>3<" in page


def test_skipped_files_are_listed_with_their_reason_escaped(page):
    problems = page.split("<h2>Skipped and failed files</h2>")[1].split("</table>")[0]
    assert "<td>damaged</td><td>caf\\xe9/bad.png</td>" in problems
    assert "too_large" in problems and "&lt;b&gt;!&lt;/b&gt;" in problems
    assert "<b>!</b>" not in page


def test_non_utf8_names_are_shown_escaped_and_linked_by_their_bytes(page):
    assert "\udce9" not in page
    assert "caf%E9%200__v000.mp4" in page  # the link's percent-encoding is of the bytes
    assert "<h3>caf\\xe9/01.png <small>(caf\\xe9, train)</small></h3>" in page


def test_image_tiles_show_the_original_and_variants_with_their_parameters(out, page):
    block = page.split("<h3>cat/00.png")[1].split("<div class='sample'>")[0]
    assert [m for m in re.findall(r"<b>(original|variant \d+)</b>", block)] == \
        ["original", "variant 0", "variant 1"]
    captions = re.findall(r"<figcaption>(.*?)</figcaption>", block)
    assert captions[1:] == ["<b>variant 0</b><br>rotate(angle_deg=0.0)",
                            "<b>variant 1</b><br>rotate(angle_deg=1.0)"]  # no seeds
    srcs = re.findall(r"<img src='([^']+)'", block)
    assert len(srcs) == 3 and all(s.startswith(f"{ASSETS}/") for s in srcs)
    assert all((out / s).is_file() for s in srcs)
    copied = list((out / ASSETS / "sources").iterdir())  # originals travel with OUT
    assert len(copied) >= 6 and str(out.parent / "src") not in page


def test_boxes_are_drawn_on_the_tiles_of_annotated_outputs(out, page):
    block = page.split("<h3>cat/00.png")[1].split("<div class='sample'>")[0]
    variant = re.findall(r"<img src='([^']+)'", block)[1]
    from mediasynth.image import thumbnails

    tile = np.asarray(Image.open(out / variant).convert("RGB"))
    plain = thumbnails.thumbnail(np.asarray(Image.open(out / "train/cat/00__v000.png").convert("RGB")))
    assert tile.shape == plain.shape
    changed = np.any(tile != plain, axis=2)
    ys, xs = np.nonzero(changed)
    scale = tile.shape[1] / 64
    assert changed.any()  # the box outline, and nothing far outside it
    assert xs.min() >= 4 * scale - 3 and xs.max() <= 40 * scale + 3
    assert ys.min() >= 4 * scale - 3 and ys.max() <= 30 * scale + 3


def test_audio_tiles_have_a_picture_and_a_player_of_the_output(out, page):
    block = page.split("<h2>Audio samples</h2>")[1].split("<h2>")[0]
    assert block.count("<audio controls") == 3
    assert "src='val/tone/0.wav'" in block
    pictures = re.findall(r"<img src='([^']+)' alt='waveform", block)
    assert len(pictures) == 3
    assert len({(out / p).read_bytes() for p in pictures}) == 3  # one per tone


def test_video_tiles_use_the_worker_preview_and_survive_undecodable_files(out, page):
    block = page.split("<h2>Video samples</h2>")[1].split("<h2>")[0]
    strip = re.findall(r"<img src='([^']+)' alt='keyframes'>", block)
    assert len(strip) == 1
    clip = next(r for r in M.read_manifest(out) if r["output"].endswith(" 0__v000.mp4"))
    assert (out / strip[0]).read_bytes() == preview_path(out, clip["output_sha256"]).read_bytes()
    assert "cannot show:" in block  # the broken one: a note, and the page is still written
    assert block.count("<video controls") == 1


def test_a_kind_the_report_draws_nothing_for_is_a_link(page):
    block = page.split("<h2>Toyseq2 samples</h2>")[1].split("<h2>")[0]
    assert "<a href='train/seq/s0.seq'>s0.seq</a>" in block


def test_sampled_parameters_and_settings_are_shown(page):
    assert "image.rotate.angle_deg (n=24)" in page
    assert "image.rotate.seed" not in page
    assert "# a &lt;comment&gt;" in page and "ab" * 32 in page


def test_the_page_fetches_nothing_from_the_network(page):
    assert not re.search(r"(src|href)=['\"]?(https?:)?//", page)


def test_webdataset_members_are_copied_out_of_their_shard(tmp_path):
    out = tmp_path / "out"
    image = _png(tmp_path / "a.png", 3)
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name, data in (("000000000000.png", image.read_bytes()), ("000000000000.json", b"{}")):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    (out / "train").mkdir(parents=True)
    (out / "train" / "shard-000000.tar").write_bytes(buf.getvalue())
    M.write_final(out, [{"id": "0" * 12, "kind": "image", "class": "a", "split": "train",
                         "source": "a/x.png", "variant": 0, "status": "ok",
                         "output": "train/shard-000000.tar", "member": "000000000000.png",
                         "planned_output": "train/a/x__v000.png", "record": None}])
    write_report(out)
    copied = out / ASSETS / "media" / "000000000000.png"
    assert copied.read_bytes() == image.read_bytes()
    assert "cannot show" not in (out / "report.html").read_text()


def test_a_new_report_replaces_the_assets_of_the_last_one(tmp_path):
    out = tmp_path / "out"
    _png(out / "a" / "x.png", 1)
    M.write_final(out, [{"id": "1" * 12, "kind": "image", "class": "a", "split": None,
                         "source": None, "variant": 0, "status": "ok", "output": "a/x.png",
                         "record": None}])
    stale = out / ASSETS / "99999-old.png"
    stale.parent.mkdir()
    stale.write_bytes(b"old")
    write_report(out)
    assert not stale.exists() and list((out / ASSETS).iterdir())


def test_an_out_without_a_manifest_has_no_report(tmp_path):
    with pytest.raises(FileNotFoundError, match="nothing to report"):
        write_report(tmp_path)
