"""Video tracks through expand: `synth video` clips (moving shapes on a plain background)
expanded with a flip, a speed change and a trim on both render paths, every annotated box
checked against the shape's pixels in the decoded output; and the track layouts users have
(MOT files beside clips, MOTChallenge sequences, tables with a file column), read back
from OUT."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from mediasynth.cli import main
from mediasynth.core.errors import ConfigError
from mediasynth.io.layouts import detect, get
from tests.io.layouts.helpers import box_iou, expand, mask_box, rows
from tests.video.helpers import encode_frames

PIPELINE = """video:
  frames: [{type: image.flip_horizontal}]
  temporal:
    - {type: video.speed, factor_range: [0.7, 1.4]}
    - {type: video.trim, duration_s: 1.0}
output: {video: {path: %s, preset: ultrafast}}
dataset: {split: {train: 0.75, val: 0.25}}
"""
MIN_IOU = 0.85
# A shape cut by the frame's edge to less than this on a side shows thin tips or a sliver,
# whose pixel box IoU cannot measure: its box edges are checked instead, to EDGE_PX.
CUT_PX = 16
EDGE_PX = 2.0
NEAR_PX = 3


def _synth(tmp_path: Path) -> Path:
    src = tmp_path / "synth"
    assert main(["synth", "video", str(src), "--count", "4", "-q", "--no-report",
                 "--set", "width=128", "--set", "height=96", "--set", "duration_s=1.6",
                 "--set", "size_fraction_range=[0.25, 0.4]"]) == 0
    return src


def _tables(out: Path) -> dict[str, list[dict]]:
    by_file: dict[str, list[dict]] = {}
    for table in sorted((out / "annotations").glob("*.mot.csv")):
        with open(table, newline="") as fh:
            for row in csv.DictReader(fh):
                by_file.setdefault(row["file"], []).append(row)
    return by_file


def _decoded(path: Path) -> list[np.ndarray]:
    import av

    with av.open(str(path)) as c:
        return [f.to_ndarray(format="rgb24").astype(np.float64)
                for f in c.decode(c.streams.video[0])]


def _shape_box(frame: np.ndarray, box, background, color) -> list[float] | None:
    """The box of the pixels near `box` that look more like the shape than the background
    (nearer the shape's colour than half way)."""
    h, w = frame.shape[:2]
    x0, y0 = max(0, int(box[0]) - NEAR_PX), max(0, int(box[1]) - NEAR_PX)
    x1, y1 = min(w, int(np.ceil(box[2])) + NEAR_PX), min(h, int(np.ceil(box[3])) + NEAR_PX)
    window = frame[y0:y1, x0:x1]
    span = np.linalg.norm(np.subtract(color, background))
    found = mask_box(np.linalg.norm(window - background, axis=2) > 0.5 * span)
    return None if found is None else [found[0] + x0, found[1] + y0, found[2] + x0,
                                       found[3] + y0]


def _near_another(box, others) -> bool:
    grown = [box[0] - NEAR_PX, box[1] - NEAR_PX, box[2] + NEAR_PX, box[3] + NEAR_PX]
    return any(box_iou(grown, [o[0] - NEAR_PX, o[1] - NEAR_PX, o[2] + NEAR_PX,
                               o[3] + NEAR_PX]) > 0 for o in others)


def _cut_small(box, width: int, height: int) -> bool:
    touches = box[0] <= 0.01 or box[1] <= 0.01 or box[2] >= width - 0.01 or \
        box[3] >= height - 0.01
    return touches and min(box[2] - box[0], box[3] - box[1]) < CUT_PX


def _check_boxes(src: Path, out: Path) -> dict:
    """Every annotated box of OUT against its shape's pixels; returns the IoUs measured, the
    number of small cut boxes checked by their edges, and the number skipped because
    another shape touches them."""
    params = {r["output"]: r["record"]["params"] for r in rows(src)}
    source_of = {r["output"]: r["source"] for r in rows(out) if r["status"] == "ok"}
    ious, cut, skipped = [], 0, 0
    for file, table in _tables(out).items():
        p = params[source_of[file]]
        colors = {o["id"]: o["color"] for o in p["objects"]}
        frames = _decoded(out / file)
        by_frame: dict[int, list] = {}
        for r in table:
            x, y, w, h = (float(r[k]) for k in "xywh")
            by_frame.setdefault(int(r["frame"]) - 1, []).append(
                (int(r["id"]), [x, y, x + w, y + h]))
        assert max(by_frame) < len(frames), file
        for index, boxes in by_frame.items():
            for track, box in boxes:
                if _near_another(box, [b for t, b in boxes if t != track]):
                    skipped += 1
                    continue
                seen = _shape_box(frames[index], box, p["background"], colors[track])
                assert seen is not None, (file, index, track)
                if _cut_small(box, p["width"], p["height"]):
                    assert np.max(np.abs(np.subtract(seen, box))) <= EDGE_PX, (file, index)
                    cut += 1
                    continue
                ious.append(box_iou(box, seen))
                assert ious[-1] >= MIN_IOU, (file, index, track, box, seen)
    return {"ious": ious, "cut": cut, "skipped": skipped}


def test_synth_clips_expanded_with_flip_speed_trim_keep_boxes_on_the_moving_shapes(tmp_path):
    src = _synth(tmp_path)
    assert detect(src) == "tracks"
    tables = {}
    for path in ("fused", "frames"):
        out = tmp_path / path
        pipeline = tmp_path / f"{path}.yaml"
        pipeline.write_text(PIPELINE % path)
        assert expand(src, out, pipeline, "-n", "2") == 0
        ok = [r for r in rows(out) if r["status"] == "ok"]
        augmented = [r for r in ok if r["variant"] >= 0]
        assert augmented and all(r["info"]["path"] == path for r in augmented)
        assert {r["class"] for r in ok} <= {"linear", "bouncing", "circular"}
        assert all(r["output"].split("/")[-2] == r["class"] for r in ok)  # class folders
        measured = _check_boxes(src, out)
        assert len(measured["ious"]) >= 100 and measured["skipped"] < len(measured["ious"])
        print(f"{path}: {len(measured['ious'])} boxes, IoU min "
              f"{min(measured['ious']):.3f} mean {np.mean(measured['ious']):.3f}, "
              f"{measured['cut']} cut by the edge, {measured['skipped']} skipped")
        tables[path] = (out / "annotations" / "train.mot.csv").read_text()
        for r in augmented:  # the speed and the trim changed the frame count
            assert max(t["frame"] for t in r["annotation"]["tracks"]) < r["info"]["frames"]
    assert tables["fused"] == tables["frames"]


def test_out_reads_back_as_a_tracks_source(tmp_path):
    src = _synth(tmp_path)
    out = tmp_path / "out"
    pipeline = tmp_path / "p.yaml"
    pipeline.write_text(PIPELINE % "auto")
    assert expand(src, out, pipeline, "-n", "1") == 0
    read = get("tracks").read(out)
    by_output = {r["output"]: r for r in rows(out) if r["status"] == "ok"}
    assert set(read.items) == set(by_output)
    for key, item in read.items.items():
        assert item["label"] == by_output[key]["class"]
        got = [(t["frame"], t["id"], t["category"], t["bbox"]) for t in
               item["annotation"]["tracks"]]
        want = [(t["frame"], t["id"], t["category"], t["bbox"]) for t in
                by_output[key]["annotation"]["tracks"]]
        assert len(got) == len(want)
        for (f, i, c, b), (wf, wi, wc, wb) in zip(got, want):
            assert (f, i, c) == (wf, wi, wc) and b == pytest.approx(wb, abs=2e-3)


# --- layouts users have ----------------------------------------------------------------------

def _square_clip(path: Path, *, frames: int = 10, fps: int = 10, size=(64, 48)) -> list:
    """A white 10 x 8 square moving 3 px right a frame on black; its MOT rows (1-based)."""
    w, h = size
    out, mot = [], []
    for i in range(frames):
        frame = np.zeros((h, w, 3), np.uint8)
        x = 4 + 3 * i
        frame[20:28, x:x + 10] = 255
        out.append(frame)
        mot.append(f"{i + 1},7,{x},20,10,8,1,1,0.9")
    encode_frames(path, out, fps=fps)
    return mot


def test_mot_file_beside_a_clip_in_a_class_folder(tmp_path):
    src = tmp_path / "src"
    (src / "cars").mkdir(parents=True)
    mot = _square_clip(src / "cars" / "a.mp4")
    (src / "cars" / "a.txt").write_text("\n".join(mot) + "\n")
    (src / "cars" / "notes.txt").write_text("not tracks\n")
    assert detect(src) == "tracks"
    read = get("tracks").read(src)
    item = read.items["cars/a.mp4"]
    assert item["label"] == "cars" and item["name"] == "a.mp4"
    first = item["annotation"]["tracks"][0]
    assert first == {"frame": 0, "id": 7, "bbox": [4.0, 20.0, 14.0, 28.0], "category": "1",
                     "extra": {"conf": 1, "visibility": 0.9}}
    assert "cars/a.txt" in read.consumed
    out = tmp_path / "out"
    pipeline = tmp_path / "p.yaml"
    pipeline.write_text("video: {frames: [{type: image.flip_horizontal}]}\n")
    assert expand(src, out, pipeline, "-n", "1") == 0
    table = _tables(out)["cars/a__v000.mp4"]
    assert len(table) == 10
    assert [float(table[0][k]) for k in "xywh"] == [64 - 14, 20, 10, 8]
    assert (table[0]["class"], table[0]["conf"], table[0]["visibility"]) == ("1", "1", "0.9")


def test_annotations_folder_headers_and_zero_based_frames(tmp_path):
    src = tmp_path / "src"
    (src / "annotations").mkdir(parents=True)
    _square_clip(src / "b.mp4")
    (src / "annotations" / "b.mot.csv").write_text(
        "frame_id,track_id,bb_left,bb_top,bb_width,bb_height,label,occluded\n"
        "0,3,4,20,10,8,car,0\n1,3,7,20,10,8,car,1\n")
    item = get("tracks").read(src).items["b.mp4"]
    assert [t["frame"] for t in item["annotation"]["tracks"]] == [0, 1]
    assert item["annotation"]["tracks"][1]["extra"] == {"occluded": 1}
    assert item["label"] is None and item["annotation"]["fps"] is None


def test_motchallenge_sequence_with_a_video_and_frame_folder(tmp_path):
    src = tmp_path / "MOT17" / "train"
    seq = src / "MOT17-02"
    (seq / "gt").mkdir(parents=True)
    (seq / "img1").mkdir()
    mot = _square_clip(src / "MOT17-02.mp4")
    (seq / "gt" / "gt.txt").write_text("\n".join(mot) + "\n")
    (seq / "seqinfo.ini").write_text("[Sequence]\nname=MOT17-02\nframeRate=10\n")
    from PIL import Image

    Image.new("RGB", (64, 48)).save(seq / "img1" / "000001.jpg")
    missing = tmp_path / "MOT17" / "train" / "MOT17-04" / "gt"
    missing.mkdir(parents=True)
    (missing / "gt.txt").write_text("\n".join(mot) + "\n")
    read = get("tracks").read(src)
    assert set(read.items) == {"MOT17-02.mp4"}
    assert read.items["MOT17-02.mp4"]["annotation"]["fps"] == 10.0
    assert {"MOT17-02/gt/gt.txt", "MOT17-02/seqinfo.ini", "MOT17-02/img1/000001.jpg"} <= \
        read.consumed
    assert read.missing and read.missing[0].startswith("MOT17-04.mp4")


def test_a_clip_with_two_track_files_is_refused(tmp_path):
    src = tmp_path / "src"
    (src / "annotations").mkdir(parents=True)
    mot = _square_clip(src / "c.mp4")
    (src / "c.txt").write_text(mot[0] + "\n")
    (src / "annotations" / "c.txt").write_text(mot[0] + "\n")
    with pytest.raises(ConfigError, match="several track files"):
        get("tracks").read(src)


def test_synth_table_names_class_folders_below_a_split(tmp_path):
    src = tmp_path / "src"
    (src / "annotations").mkdir(parents=True)
    (src / "train" / "linear").mkdir(parents=True)
    _square_clip(src / "train" / "linear" / "video_000000.mp4")
    (src / "annotations" / "train.mot.csv").write_text(
        "file,frame,id,x,y,w,h,class\ntrain/linear/video_000000.mp4,1,1,4,20,10,8,square\n"
        "train/linear/gone.mp4,1,1,4,20,10,8,square\n")
    (src / "annotations" / "train.events.json").write_text(json.dumps([]))
    read = get("tracks").read(src)
    item = read.items["train/linear/video_000000.mp4"]
    assert item["label"] == "linear" and item["name"] == "video_000000.mp4"
    assert item["annotation"]["tracks"][0]["category"] == "square"
    assert read.missing == ["train/linear/gone.mp4"]
    assert "annotations/train.events.json" in read.consumed
