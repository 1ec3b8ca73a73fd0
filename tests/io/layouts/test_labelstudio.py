"""Label Studio JSON export: detection, every result type read (rectangles, rotated
rectangles, polygons, keypoints, brush masks, choices, audio segments, video rectangles),
the brush RLE codec, and an expand whose Label Studio output reads back with every object."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from PIL import Image

from mediasynth.core.errors import ConfigError
from mediasynth.io.layouts import detect, labelstudio, ls_brush, read_layout
from tests.io.layouts.helpers import expand, pipeline_file, rows

N_IMAGES = 90
N_AUDIO = 12
SR = 16000
PIPELINE = """image:
  - {type: image.flip_horizontal, p: 0.5}
  - {type: image.affine, angle_deg_range: [-15, 15], scale_range: [0.9, 1.1],
     border_mode: constant}
audio:
  - {type: audio.time_stretch, rate_range: [0.8, 1.25]}
"""


def _brush_region(width: int, height: int, i: int) -> np.ndarray:
    mask = np.zeros((height, width), bool)
    mask[40 + i % 10:80, 30:70 + i % 20] = True
    mask[50:55, 40:45] = False
    return mask


def label_studio_tree(root: Path, n_images: int = N_IMAGES, n_audio: int = N_AUDIO
                      ) -> tuple[Path, dict]:
    """An export as Label Studio writes it (keys in any order, upload and local-files
    paths), its media in images/ and audio/; returns SRC and what it holds."""
    src = root / "ls"
    rng = np.random.default_rng(3)
    tasks, masks = [], {}
    for i in range(n_images):
        width, height = (160, 120) if i % 2 else (128, 128)
        name = f"p{i:03d}.png"
        pixels = rng.integers(0, 255, (height, width) if i % 5 == 0 else (height, width, 3),
                              dtype=np.uint8)
        (src / "images").mkdir(parents=True, exist_ok=True)
        Image.fromarray(pixels).save(src / "images" / name)
        size = {"original_width": width, "original_height": height, "image_rotation": 0}
        results = [
            {"id": f"r{i}", "type": "rectanglelabels", "from_name": "label",
             "to_name": "image", **size, "origin": "manual",
             "value": {"x": 10.0, "y": 12.5, "width": 25.0, "height": 20.0, "rotation": 0,
                       "rectanglelabels": ["car"]}},
            {"value": {"points": [[50.0, 50.0], [80.0, 55.0], [65.0, 90.0]], "closed": True,
                       "polygonlabels": ["road"]},
             "id": f"g{i}", "type": "polygonlabels", "from_name": "label", "to_name": "image",
             **size},
            {"id": f"k{i}", "type": "keypointlabels", "from_name": "kp", "to_name": "image",
             **size, "value": {"x": 20.0, "y": 30.0, "width": 0.5, "keypointlabels": ["nose"]}},
            {"id": f"c{i}", "type": "choices", "from_name": "choice", "to_name": "image",
             "value": {"choices": ["day" if i % 3 else "night"]}},
        ]
        if i % 9 == 0:
            results.append({"id": f"t{i}", "type": "rectanglelabels", "from_name": "label",
                            "to_name": "image", **size,
                            "value": {"x": 40.0, "y": 10.0, "width": 20.0, "height": 10.0,
                                      "rotation": 30.0, "rectanglelabels": ["car"]}})
        if i % 6 == 0:
            mask = _brush_region(width, height, i)
            masks[f"images/{name}"] = mask
            results.append({"id": f"b{i}", "type": "brushlabels", "from_name": "brush",
                            "to_name": "image", **size,
                            "value": {"format": "rle", "rle": ls_brush.encode_mask(mask),
                                      "brushlabels": ["sky"]}})
        reference = f"/data/local-files/?d=images/{name}" if i % 2 else \
            f"/data/upload/3/{i:08x}-{name}"
        tasks.append({"annotations": [{"id": i + 1, "result": results, "was_cancelled": False,
                                       "ground_truth": False}],
                      "id": i + 1, "data": {"image": reference}, "meta": {}})
    t = np.arange(SR) / SR
    for i in range(n_audio):
        (src / "audio").mkdir(parents=True, exist_ok=True)
        sf.write(src / "audio" / f"s{i:02d}.wav", 0.3 * np.sin(2 * np.pi * 440 * t), SR)
        tasks.append({"id": 1000 + i, "data": {"audio": f"/data/local-files/?d=audio/s{i:02d}"
                                                        ".wav"},
                      "annotations": [{"id": 1000 + i, "result": [
                          {"id": f"a{i}", "type": "labels", "from_name": "labels",
                           "to_name": "audio", "original_length": 1.0,
                           "value": {"start": 0.2, "end": 0.5, "channel": 0,
                                     "labels": ["dog"]}},
                          {"id": f"b{i}", "type": "labels", "from_name": "labels",
                           "to_name": "audio",
                           "value": {"start": 0.6, "end": 0.9, "labels": ["bird"]}}]}]})
    (src / "export.json").write_text(json.dumps(tasks, indent=1))
    return src, {"masks": masks}


def test_detects_and_reads_every_result_type(tmp_path):
    src, expected = label_studio_tree(tmp_path)
    assert (src / "export.json").stat().st_size > 64 * 1024
    assert detect(src) == "labelstudio"
    layout, read = read_layout(src)
    assert read.consumed == {"export.json"} and read.missing == []
    assert len(read.items) == N_IMAGES + N_AUDIO
    assert read.meta["kinds"] == ["audio", "image"]
    odd = read.items["images/p001.png"]["annotation"]
    car, road, nose = odd["objects"][:3]
    assert car["bbox"] == pytest.approx([16.0, 15.0, 56.0, 39.0])
    assert road["polygons"][0] == pytest.approx([80.0, 60.0, 128.0, 66.0, 104.0, 108.0])
    assert nose["keypoints"] == [[32.0, 36.0, 2]]
    assert odd["extra"]["choices"] == ["day"] and read.items["images/p001.png"]["label"]
    rotated = read.items["images/p009.png"]["annotation"]["objects"][-1]
    assert rotated["polygons"][0][:2] == pytest.approx([64.0, 12.0])
    from pycocotools import mask as mask_utils

    for key, mask in expected["masks"].items():
        (obj,) = [o for o in read.items[key]["annotation"]["objects"] if o.get("rle")]
        decoded = mask_utils.decode({"size": obj["rle"]["size"],
                                     "counts": obj["rle"]["counts"].encode()}).astype(bool)
        assert (decoded == mask).all()
    audio = read.items["audio/s03.wav"]["annotation"]
    assert [(e["label"], e["onset_s"], e["offset_s"]) for e in audio["events"]] == [
        ("dog", 0.2, 0.5), ("bird", 0.6, 0.9)]


def test_ellipses_become_polygons_and_an_unknown_region_type_is_refused(tmp_path):
    src, _ = label_studio_tree(tmp_path, n_images=2, n_audio=0)
    tasks = json.loads((src / "export.json").read_text())
    tasks[0]["annotations"][0]["result"].append(
        {"id": "e", "type": "ellipselabels", "original_width": 128, "original_height": 128,
         "value": {"x": 50, "y": 50, "radiusX": 20, "radiusY": 10, "rotation": 90,
                   "ellipselabels": ["x"]}})
    (src / "export.json").write_text(json.dumps(tasks))
    _, read = read_layout(src)
    ellipse = read.items["images/p000.png"]["annotation"]["objects"][-1]
    from mediasynth.io.layouts.base import polygon_area

    area = abs(polygon_area(np.asarray(ellipse["polygons"][0]).reshape(-1, 2)))
    assert area == pytest.approx(np.pi * 25.6 * 12.8, rel=0.01)
    assert ellipse["bbox"] == pytest.approx([64 - 12.8, 64 - 25.6, 64 + 12.8, 64 + 25.6])
    tasks[0]["annotations"][0]["result"].append(
        {"id": "h", "type": "hypertextlabels", "value": {"start": "/p[1]", "end": "/p[1]",
                                                         "hypertextlabels": ["x"]}})
    (src / "export.json").write_text(json.dumps(tasks))
    with pytest.raises(ConfigError, match="'hypertextlabels' is not read"):
        read_layout(src)


def test_an_expand_writes_label_studio_tasks_that_read_back_with_every_object(tmp_path):
    src, _ = label_studio_tree(tmp_path)
    out = tmp_path / "out"
    assert expand(src, out, pipeline_file(tmp_path, PIPELINE, split=True), "-n", "1",
                  "--annotations", "labelstudio,coco") == 0
    ok = [r for r in rows(out) if r["status"] == "ok"]
    assert {Path(r["output"]).parts[0] for r in ok} == {"media"}
    tasks = [t for p in sorted((out / "labelstudio").glob("*.json"))
             for t in json.loads(p.read_text())]
    assert len(tasks) == len(ok)
    assert all(t["data"][k].startswith("/data/local-files/?d=media/") for t in tasks
               for k in t["data"])
    _, back = read_layout(out, "labelstudio")
    assert len(back.items) == len(ok)
    kinds = set()
    for row in ok:
        written, moved = row["annotation"], back.items[row["output"]]["annotation"]
        if "events" in written:
            assert [(e["label"], round(e["onset_s"], 4), round(e["offset_s"], 4))
                    for e in moved["events"]] == [
                (e["label"], round(e["onset_s"], 4), round(e["offset_s"], 4))
                for e in written["events"]]
            kinds |= {"labels"} if written["events"] else set()
            continue
        expect = [o for o in written["objects"]
                  if not o.get("keypoints") or o["keypoints"][0][2] > 0]
        assert len(moved["objects"]) == len(expect)
        assert moved["extra"]["choices"] == written["extra"]["choices"]
        for a, b in zip(expect, moved["objects"]):
            assert a["category"] == b["category"]
            if a.get("rle"):
                assert a["rle"]["counts"] == b["rle"]["counts"]
                kinds.add("brush")
            elif a.get("polygons"):
                assert np.allclose(a["polygons"][0], b["polygons"][0], atol=0.01)
                kinds.add("polygon")
            elif a.get("keypoints"):
                assert np.allclose(a["keypoints"][0][:2], b["keypoints"][0][:2], atol=0.01)
                kinds.add("keypoint")
            else:
                assert np.allclose(a["bbox"], b["bbox"], atol=0.01)
                kinds.add("rectangle")
    assert kinds == {"brush", "polygon", "keypoint", "rectangle", "labels"}
    stretched = [r["annotation"]["duration_s"] for r in ok if "events" in r["annotation"]
                 and r["annotation"]["duration_s"] is not None]
    assert stretched and any(abs(d - 1.0) > 0.01 for d in stretched)


def test_video_rectangle_keyframes_become_interpolated_tracks(tmp_path):
    result = {"id": "v1", "type": "videorectangle", "from_name": "box", "to_name": "video",
              "original_width": 200, "original_height": 100,
              "value": {"framesCount": 6, "labels": ["car"], "sequence": [
                  {"frame": 1, "enabled": True, "x": 10, "y": 10, "width": 10, "height": 20},
                  {"frame": 3, "enabled": False, "x": 20, "y": 10, "width": 10,
                   "height": 20},
                  {"frame": 5, "enabled": True, "x": 50, "y": 50, "width": 10,
                   "height": 20}]}}
    rows_ = labelstudio._video_track(result, 1, Path("unused.mp4"), "task")
    assert [(r["frame"], [round(v, 3) for v in r["bbox"]]) for r in rows_] == [
        (0, [20.0, 10.0, 40.0, 30.0]), (1, [30.0, 10.0, 50.0, 30.0]),
        (2, [40.0, 10.0, 60.0, 30.0]), (4, [100.0, 50.0, 120.0, 70.0]),
        (5, [100.0, 50.0, 120.0, 70.0])]
    back = labelstudio._video_results({"tracks": rows_, "width": 200, "height": 100}, "video")
    sequence = back[0]["value"]["sequence"]
    assert [(k["frame"], k["enabled"]) for k in sequence] == [
        (1, True), (2, True), (3, False), (5, True), (6, False)]


def test_choices_only_export_is_a_classification_dataset_in_class_folders(tmp_path):
    src = tmp_path / "cls"
    (src / "images").mkdir(parents=True)
    rng = np.random.default_rng(1)
    tasks = []
    for i in range(40):
        Image.fromarray(rng.integers(0, 255, (32, 40, 3), dtype=np.uint8)).save(
            src / "images" / f"x{i:02d}.jpg")
        tasks.append({"data": {"image": f"/data/local-files/?d=images/x{i:02d}.jpg"},
                      "id": i, "annotations": [{"result": [
                          {"type": "choices", "from_name": "c", "to_name": "image",
                           "value": {"choices": ["cat" if i % 2 else "dog"]}}]}]})
    (src / "tasks.json").write_text(json.dumps(tasks))
    _, read = read_layout(src)
    assert not read.annotated
    out = tmp_path / "out"
    assert expand(src, out, pipeline_file(tmp_path, PIPELINE, split=True), "-n", "1") == 0
    ok = [r for r in rows(out) if r["status"] == "ok"]
    assert {r["class"] for r in ok} == {"cat", "dog"}
    assert all(Path(r["output"]).parts[1] == r["class"] for r in ok)
    tasks_out = [t for p in (out / "labelstudio").glob("*.json")
                 for t in json.loads(p.read_text())]
    assert len(tasks_out) == len(ok)
    assert all(t["annotations"][0]["result"][0]["value"]["choices"] in (["cat"], ["dog"])
               for t in tasks_out)
    assert not list(out.rglob("metadata.jsonl"))  # datasets takes labels from the folders
    import datasets

    loaded = datasets.load_dataset(str(out), cache_dir=str(tmp_path / "hf"))
    assert sorted(loaded["train"].features["label"].names) == ["cat", "dog"]


def test_several_annotations_of_a_task_are_named_in_a_warning(tmp_path):
    src, _ = label_studio_tree(tmp_path, n_images=3, n_audio=0)
    tasks = json.loads((src / "export.json").read_text())
    tasks[1]["annotations"].append({"id": 99, "result": []})
    (src / "export.json").write_text(json.dumps(tasks))
    _, read = read_layout(src)
    (note,) = read.meta["notes"]
    assert "2 annotations, read the first (id 2); ids [99] not read" in note


def test_a_video_rectangle_follows_its_clip_through_a_flip(tmp_path):
    from tests.video.helpers import encode_frames

    src = tmp_path / "vid"
    src.mkdir()
    frames = []
    for f in range(10):
        frame = np.zeros((48, 64, 3), np.uint8)
        frame[12:24, 8 + 4 * f:24 + 4 * f] = 255
        frames.append(frame)
    encode_frames(src / "clip.mp4", frames)
    sequence = [{"frame": 1, "enabled": True, "x": 12.5, "y": 25.0, "width": 25.0,
                 "height": 25.0, "rotation": 0, "time": 0.0},
                {"frame": 10, "enabled": False, "x": 68.75, "y": 25.0, "width": 25.0,
                 "height": 25.0, "rotation": 0, "time": 0.36}]
    (src / "export.json").write_text(json.dumps([{
        "id": 1, "data": {"video": "/data/upload/1/0a1b2c3d-clip.mp4"},
        "annotations": [{"id": 1, "result": [{
            "id": "v", "type": "videorectangle", "from_name": "box", "to_name": "video",
            "value": {"sequence": sequence, "framesCount": 10, "labels": ["square"]}}]}]}]))
    out = tmp_path / "out"
    flip = pipeline_file(tmp_path, "video: {frames: [{type: image.flip_horizontal}]}\n")
    assert expand(src, out, flip, "-n", "1") == 0
    (row,) = [r for r in rows(out) if r["status"] == "ok"]
    tracks = row["annotation"]["tracks"]
    assert len(tracks) == 10
    for f, t in enumerate(tracks):
        x0 = 8 + 4 * f
        assert t["bbox"] == pytest.approx([64 - x0 - 16, 12, 64 - x0, 24], abs=0.01)
    (task,) = json.loads((out / "labelstudio" / "default.json").read_text())
    keys = task["annotations"][0]["result"][0]["value"]["sequence"]
    assert [k["frame"] for k in keys] == list(range(1, 11)) and not keys[-1]["enabled"]
    assert keys[0]["x"] == pytest.approx((64 - 24) / 64 * 100, abs=0.01)
    _, back = read_layout(out, "labelstudio")
    again = back.items[row["output"]]["annotation"]["tracks"]
    assert np.allclose([t["bbox"] for t in again], [t["bbox"] for t in tracks], atol=0.01)


def test_a_percent_encoded_non_utf8_name_finds_its_file_and_expands(tmp_path):
    import os

    src, _ = label_studio_tree(tmp_path, n_images=4, n_audio=0)
    odd = os.fsencode(str(src / "images")) + b"/caf\xe9 +1.png"
    os.rename(src / "images" / "p001.png", odd)
    tasks = json.loads((src / "export.json").read_text())
    tasks[1]["data"]["image"] = "/data/local-files/?d=images/caf%E9%20%2B1.png"
    (src / "export.json").write_text(json.dumps(tasks))
    _, read = read_layout(src)
    assert read.missing == [] and len(read.items) == 4
    out = tmp_path / "out"
    assert expand(src, out, pipeline_file(tmp_path, PIPELINE), "-n", "1") == 0
    _, back = read_layout(out, "labelstudio")
    assert len(back.items) == len([r for r in rows(out) if r["status"] == "ok"])


def test_a_result_drawn_on_a_turned_image_is_refused(tmp_path):
    src, _ = label_studio_tree(tmp_path, n_images=2, n_audio=0)
    tasks = json.loads((src / "export.json").read_text())
    tasks[1]["annotations"][0]["result"][0]["image_rotation"] = 90
    (src / "export.json").write_text(json.dumps(tasks))
    with pytest.raises(ConfigError, match="turned by 90 degrees"):
        read_layout(src)


def test_boxes_on_real_photos_stay_within_1_5_px_of_the_rendered_objects(tmp_path):
    """A Label Studio export over crops of real photos with coloured objects (rectangles in
    percent of the image), expanded with a geometric pipeline: every rectangle of the Label
    Studio output inside the frame lies within 1.5 px of its object re-detected in the
    output's pixels, and every rectangle cut by the frame covers its object's visible part."""
    from tests.io.layouts.helpers import GEOMETRIC
    from tests.io.layouts.photo_objects import (
        compare_boxes,
        detected_boxes,
        labelstudio_photo_tree,
    )

    src = labelstudio_photo_tree(tmp_path / "ls", 40, seed=12)
    out = tmp_path / "out"
    assert expand(src, out, pipeline_file(tmp_path, GEOMETRIC), "-n", "3",
                  "--annotations", "labelstudio") == 0
    errors, overshoots, problems, images = [], [], [], 0
    for export in sorted((out / "labelstudio").glob("*.json")):
        for task in json.loads(export.read_text()):
            output = task["data"]["image"].split("?d=", 1)[1]
            width, height = Image.open(out / output).size
            written = {}
            for result in task["annotations"][0]["result"]:
                if result["type"] != "rectanglelabels":
                    continue
                v, w, h = result["value"], result["original_width"], result["original_height"]
                assert v["rotation"] == 0 and (w, h) == (width, height)
                written[v["rectanglelabels"][0]] = (
                    v["x"] * w / 100, v["y"] * h / 100, (v["x"] + v["width"]) * w / 100,
                    (v["y"] + v["height"]) * h / 100)
            e, o, p = compare_boxes(written, detected_boxes(out / output), width, height)
            errors, overshoots, problems = errors + e, overshoots + o, problems + [
                f"{output}: {x}" for x in p]
            images += 1
    assert images == 40 * 3 and not problems, problems[:5]
    assert len(errors) >= 100 and max(errors) <= 1.5, (len(errors), max(errors))
    assert len(overshoots) >= 50 and max(overshoots) <= 1.5, (len(overshoots), max(overshoots))
