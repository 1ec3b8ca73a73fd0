"""CVAT XML (images 1.1 as Datumaro's `cvat` export writes it, video 1.1 tracks): detection,
every shape type read, a geometric expand whose CVAT output reads back with every object,
its attributes, z-order and masks where the pixels went."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from mediasynth.core.errors import ConfigError
from mediasynth.io.layouts import cvat, detect, read_layout
from tests.io.layouts.helpers import GEOMETRIC, IDENTITY, expand, pipeline_file, rows

N_IMAGES = 120


def _label_meta(parent) -> None:
    labels = ET.SubElement(ET.SubElement(ET.SubElement(parent, "meta"), "project"), "labels")
    for name in ("car", "person", "road", "lane", "sky", "outdoor"):
        label = ET.SubElement(labels, "label")
        ET.SubElement(label, "name").text = name
        ET.SubElement(label, "color").text = "#ff0000"
        attributes = ET.SubElement(label, "attributes")
        if name == "car":
            attribute = ET.SubElement(attributes, "attribute")
            for key, value in (("name", "color"), ("mutable", "False"),
                               ("input_type", "select"), ("default_value", "red"),
                               ("values", "red\nblue")):
                ET.SubElement(attribute, key).text = value


def _mask_rle(region: np.ndarray) -> str:
    flat = region.astype(np.uint8).ravel()
    edges = np.flatnonzero(np.diff(flat)) + 1
    runs = np.diff(np.concatenate([[0], edges, [len(flat)]])).tolist()
    return ", ".join(map(str, ([0] + runs) if flat[0] else runs))


def datumaro_cvat_tree(root: Path, n: int = N_IMAGES) -> tuple[Path, dict]:
    """default.xml + images/default/, as `datum convert -f cvat` writes it: boxes (one
    rotated), polygons, points, a polyline, a mask, tags, attributes, z_order; grayscale
    images beside RGB ones, several sizes. Returns SRC and the expected object counts."""
    src = root / "cvat"
    rng = np.random.default_rng(7)
    doc = ET.Element("annotations")
    ET.SubElement(doc, "version").text = "1.1"
    _label_meta(doc)
    expected = {"objects": 0, "masks": {}}
    for i in range(n):
        width, height = (160, 120) if i % 3 else (200, 150)
        name = f"img_{i:03d}.png" if i != 5 else "ünï cödé 05.png"
        pixels = rng.integers(0, 255, (height, width) if i % 4 == 0 else (height, width, 3),
                              dtype=np.uint8)
        (src / "images" / "default").mkdir(parents=True, exist_ok=True)
        Image.fromarray(pixels).save(src / "images" / "default" / name)
        image = ET.SubElement(doc, "image", id=str(i), name=name, subset="default",
                              width=str(width), height=str(height))
        x, y = 20 + i % 30, 15 + i % 20
        box = ET.SubElement(image, "box", label="car", source="manual", occluded=str(i % 2),
                            xtl=f"{x}.00", ytl=f"{y}.00", xbr=f"{x + 40}.50",
                            ybr=f"{y + 30}.00", z_order=str(i % 3))
        ET.SubElement(box, "attribute", name="color").text = "blue" if i % 2 else "red"
        ET.SubElement(image, "polygon", label="road", source="manual", occluded="0",
                      points=f"{x}.0,{y + 50}.0;{x + 60}.0,{y + 50}.0;{x + 30}.0,"
                             f"{y + 80}.0", z_order="1")
        ET.SubElement(image, "points", label="person", source="manual", occluded="0",
                      points=f"{x + 10}.5,{y + 5}.5;{x + 12}.5,{y + 9}.5", z_order="0")
        expected["objects"] += 3
        if i % 10 == 0:
            ET.SubElement(image, "polyline", label="lane", source="manual", occluded="0",
                          points=f"5.0,{height - 10}.0;{width - 5}.0,{height - 12}.0",
                          z_order="0")
            ET.SubElement(image, "box", label="car", source="manual", occluded="0",
                          xtl="60.00", ytl="40.00", xbr="90.00", ybr="60.00", z_order="2",
                          rotation="30.0")
            expected["objects"] += 2
        if i % 7 == 0:
            region = np.zeros((25, 30), bool)
            region[3:20, 4:26] = True
            region[8:12, 10:14] = False  # a hole
            ET.SubElement(image, "mask", label="sky", source="manual", occluded="0",
                          rle=_mask_rle(region), left="70", top="60", width="30",
                          height="25", z_order="0")
            full = np.zeros((height, width), bool)
            full[60:85, 70:100] = region
            expected["masks"][f"images/default/{name}"] = full
            expected["objects"] += 1
        tag = ET.SubElement(image, "tag", label="outdoor", source="manual")
        ET.SubElement(tag, "attribute", name="weather").text = "sunny"
    ET.indent(doc)
    (src / "default.xml").write_bytes(ET.tostring(doc, encoding="utf-8",
                                                  xml_declaration=True))
    return src, expected


def test_detects_and_reads_every_shape_of_a_datumaro_export(tmp_path):
    src, expected = datumaro_cvat_tree(tmp_path)
    assert (src / "default.xml").stat().st_size > 64 * 1024
    assert detect(src) == "cvat"
    layout, read = read_layout(src)
    assert read.consumed == {"default.xml"} and read.missing == []
    assert len(read.items) == N_IMAGES
    assert sum(len(i["annotation"]["objects"]) for i in read.items.values()) == \
        expected["objects"]
    item = read.items["images/default/img_010.png"]["annotation"]
    shapes = {(o["category"], o["extra"].get("shape")) for o in item["objects"]}
    assert ("lane", "polyline") in shapes and ("person", "points") in shapes
    car = next(o for o in item["objects"] if o["category"] == "car" and not o.get("polygons"))
    assert car["bbox"] == [30.0, 25.0, 70.5, 55.0]
    assert car["extra"] == {"occluded": 0, "z_order": 1, "source": "manual",
                            "attributes": {"color": "red"}}
    rotated = next(o for o in item["objects"] if o["extra"].get("rotated_box_deg"))
    assert len(rotated["polygons"][0]) == 8  # the turned corners
    assert item["extra"]["tags"] == [{"label": "outdoor", "source": "manual",
                                      "attributes": {"weather": "sunny"}}]
    from pycocotools import mask as mask_utils

    for key, full in expected["masks"].items():
        (obj,) = [o for o in read.items[key]["annotation"]["objects"] if o.get("rle")]
        decoded = mask_utils.decode({"size": obj["rle"]["size"],
                                     "counts": obj["rle"]["counts"].encode()}).astype(bool)
        assert (decoded == full).all()
        assert obj["bbox"] == [74.0, 63.0, 96.0, 80.0]
    assert read.meta["labels"]["car"]["attributes"][0]["values"] == "red\nblue"


def test_mask_runs_that_do_not_fill_their_box_are_refused(tmp_path):
    src, _ = datumaro_cvat_tree(tmp_path, n=1)
    text = (src / "default.xml").read_text(encoding="utf-8")
    start = text.index('rle="') + 5
    text = text[:start] + "7, " + text[start:]
    (src / "default.xml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match="mask's runs cover"):
        read_layout(src)


def test_cvat_output_of_an_unchanged_copy_equals_the_source(tmp_path):
    src, expected = datumaro_cvat_tree(tmp_path, n=30)
    out = tmp_path / "out"
    assert expand(src, out, pipeline_file(tmp_path, IDENTITY), "-n", "0",
                  "--keep-originals") == 0
    _, source = read_layout(src)
    _, back = read_layout(out, "cvat")
    assert len(back.items) == 30
    by_name = {Path(k).name.replace("__orig", ""): v for k, v in back.items.items()}
    for key, item in source.items.items():
        moved = by_name[Path(key).name]["annotation"]
        assert len(moved["objects"]) == len(item["annotation"]["objects"])
        for a, b in zip(item["annotation"]["objects"], moved["objects"]):
            assert a["category"] == b["category"]
            assert np.allclose(a["bbox"], b["bbox"], atol=0.01)
            assert a["extra"].get("attributes") == b["extra"].get("attributes")
            assert a["extra"].get("z_order") == b["extra"].get("z_order")
            assert (a.get("rle") or {}).get("counts") == (b.get("rle") or {}).get("counts")
        assert moved["extra"]["tags"] == item["annotation"]["extra"]["tags"]


def test_a_geometric_expand_writes_cvat_that_reads_back_with_every_object(tmp_path):
    src, _ = datumaro_cvat_tree(tmp_path)
    out = tmp_path / "out"
    code = expand(src, out, pipeline_file(tmp_path, GEOMETRIC, split=True), "-n", "2",
                  "--annotations", "cvat,coco")
    assert code == 0
    ok = [r for r in rows(out) if r["status"] == "ok"]
    assert {Path(r["output"]).parts[0] for r in ok} == {"images"}
    xmls = sorted(p.name for p in out.glob("*.xml"))
    assert xmls == ["train.xml", "val.xml"]
    _, back = read_layout(out, "cvat")
    assert len(back.items) == len(ok)
    by_output = {r["output"]: r["annotation"] for r in ok}
    shapes_seen, cut_ends = set(), []
    for key, item in back.items.items():
        written = by_output[key]
        moved = item["annotation"]
        assert (moved["width"], moved["height"]) == (written["width"], written["height"])
        expect = []
        for o in written["objects"]:
            shape = o["extra"].get("shape")
            if shape == "polyline":
                expect += [(o, piece) for piece in cvat.polyline_pieces(o["keypoints"])]
            elif shape != "points" or any(k[2] for k in o["keypoints"]):
                expect.append((o, None))
        assert len(moved["objects"]) == len(expect), key
        for (a, piece), b in zip(expect, moved["objects"]):
            assert a["category"] == b["category"]
            assert a["extra"].get("attributes") == b["extra"].get("attributes")
            if a.get("rle"):
                assert a["rle"]["counts"] == b["rle"]["counts"]
                shapes_seen.add("mask")
            elif a.get("polygons"):
                assert np.allclose(a["bbox"], b["bbox"], atol=0.01)
                shapes_seen.add("polygon")
            elif piece is not None:
                vertices = [k[:2] for k in b["keypoints"] if k[2] == 2]
                assert np.allclose(vertices, piece, atol=0.01)
                for end, kp in ((piece[0], a["keypoints"][0]), (piece[-1], a["keypoints"][-1])):
                    if not np.allclose(end, kp[:2]):  # cut by the frame: near its edge
                        x, y = end
                        edge = min(x, y, moved["width"] - x, moved["height"] - y)
                        assert edge <= 2.5 * cvat.DENSE_PX, (key, end)
                        cut_ends.append(edge)
                shapes_seen.add("polyline")
            elif a["extra"].get("shape"):
                shapes_seen.add(a["extra"]["shape"])
            else:
                assert np.allclose(a["bbox"], b["bbox"], atol=0.01)
                shapes_seen.add("box")
    assert cut_ends  # some polylines were cut by the frame
    assert shapes_seen == {"mask", "polygon", "points", "polyline", "box"}


def _video_xml(clip_name: str) -> str:
    return f"""<?xml version="1.0" encoding="utf-8"?>
<annotations>
  <version>1.1</version>
  <meta><task><mode>interpolation</mode><source>{clip_name}</source>
    <labels><label><name>car</name><attributes/></label></labels></task></meta>
  <track id="0" label="car" source="manual">
    <box frame="0" keyframe="1" outside="0" occluded="0" xtl="10.00" ytl="10.00"
         xbr="30.00" ybr="25.00" z_order="0"><attribute name="parked">false</attribute></box>
    <box frame="1" keyframe="0" outside="0" occluded="1" xtl="12.00" ytl="10.00"
         xbr="32.00" ybr="25.00" z_order="0"><attribute name="parked">false</attribute></box>
    <box frame="2" keyframe="1" outside="1" occluded="0" xtl="12.00" ytl="10.00"
         xbr="32.00" ybr="25.00" z_order="0"><attribute name="parked">false</attribute></box>
  </track>
</annotations>
"""


def test_video_tracks_read_into_the_tracks_schema_without_outside_frames(tmp_path):
    src = tmp_path / "video"
    src.mkdir()
    (src / "clip.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42")
    (src / "annotations.xml").write_text(_video_xml("clip.mp4"))
    layout, read = read_layout(src)
    assert layout.name == "cvat" and read.meta["video"]
    tracks = read.items["clip.mp4"]["annotation"]["tracks"]
    assert [(t["frame"], t["id"], t["bbox"]) for t in tracks] == [
        (0, 0, [10.0, 10.0, 30.0, 25.0]), (1, 0, [12.0, 10.0, 32.0, 25.0])]
    assert tracks[1]["extra"] == {"keyframe": 0, "occluded": 1, "z_order": 0,
                                  "attributes": {"parked": "false"}, "source": "manual"}
    text = cvat.cvat_xml([{"file": "videos/train/clip__v000.mp4",
                           "annotation": read.items["clip.mp4"]["annotation"]}],
                         list(read.meta["labels"].values()), "train")
    boxes = ET.fromstring(text).findall("track/box")
    assert [(b.get("frame"), b.get("outside")) for b in boxes] == [("0", "0"), ("1", "0"),
                                                                  ("2", "1")]


def test_fiftyone_labels_xml_beside_data_is_read(tmp_path):
    src = tmp_path / "fo"
    (src / "data").mkdir(parents=True)
    Image.fromarray(np.zeros((30, 40, 3), np.uint8)).save(src / "data" / "a.jpg")
    (src / "labels.xml").write_text(
        '<?xml version="1.0" encoding="utf-8"?>\n<annotations><version>1.1</version>'
        '<image id="0" name="a.jpg" width="40" height="30">'
        '<box label="cat" occluded="0" xtl="1" ytl="2" xbr="11" ybr="12"/></image>'
        '</annotations>\n')
    layout, read = read_layout(src)
    assert layout.name == "cvat" and read.consumed == {"labels.xml"}
    assert read.items["data/a.jpg"]["annotation"]["objects"][0]["bbox"] == [1, 2, 11, 12]


def test_a_video_track_is_flipped_with_its_clip_and_written_back_as_cvat_video(tmp_path):
    from tests.video.helpers import encode_frames

    src = tmp_path / "vid"
    src.mkdir()
    frames, boxes = [], []
    for f in range(10):
        frame = np.zeros((48, 64, 3), np.uint8)
        x = 4 + 3 * f
        frame[10:26, x:x + 12] = 255
        frames.append(frame)
        boxes.append((x, 10, x + 12, 26))
    encode_frames(src / "clip.mp4", frames)
    track = "".join(f'<box frame="{f}" keyframe="{int(f == 0)}" outside="0" occluded="0" '
                    f'xtl="{b[0]}" ytl="{b[1]}" xbr="{b[2]}" ybr="{b[3]}" z_order="0"/>'
                    for f, b in enumerate(boxes))
    (src / "annotations.xml").write_text(
        '<?xml version="1.0" encoding="utf-8"?>\n<annotations><version>1.1</version><meta>'
        '<task><source>clip.mp4</source><labels><label><name>square</name></label></labels>'
        f'</task></meta><track id="3" label="square" source="manual">{track}'
        '<box frame="10" keyframe="1" outside="1" occluded="0" xtl="0" ytl="0" xbr="1" '
        'ybr="1" z_order="0"/></track></annotations>\n')
    out = tmp_path / "out"
    flip = pipeline_file(tmp_path, "video: {frames: [{type: image.flip_horizontal}]}\n")
    assert expand(src, out, flip, "-n", "1") == 0
    (row,) = [r for r in rows(out) if r["status"] == "ok"]
    assert row["output"].startswith("videos/default/")
    xml_path = out / "annotations" / "videos__default__clip__v000.xml"
    assert cvat.clip_xml_name(row["output"]) == xml_path.name
    _, back = read_layout(out, "cvat")
    (item,) = back.items.values()
    moved = item["annotation"]["tracks"]
    assert [t["frame"] for t in moved] == list(range(10))
    for t, (x0, y0, x1, y1) in zip(moved, boxes):
        assert t["bbox"] == pytest.approx([64 - x1, y0, 64 - x0, y1], abs=0.01)
        assert t["category"] == "square"
    outside = ET.parse(xml_path).getroot().findall("track/box[@outside='1']")
    assert [b.get("frame") for b in outside] == ["10"]


def test_coco_converts_to_cvat_and_label_studio_that_read_back(tmp_path):
    import json

    from tests.io.layouts.helpers import FLIP, noise_image

    src = tmp_path / "coco"
    images, annotations = [], []
    for i in range(20):
        noise_image(src / "images" / f"i{i:02d}.jpg", 120, 90, seed=i)
        images.append({"id": i + 1, "file_name": f"i{i:02d}.jpg", "width": 120, "height": 90})
        annotations.append({"id": i + 1, "image_id": i + 1, "category_id": 1 + i % 2,
                            "bbox": [10 + i, 20, 30, 25], "area": 750, "iscrowd": 0,
                            "segmentation": [[10 + i, 20, 40 + i, 20, 25 + i, 45]]})
    (src / "annotations").mkdir()
    (src / "annotations" / "instances_default.json").write_text(json.dumps(
        {"images": images, "annotations": annotations,
         "categories": [{"id": 1, "name": "car"}, {"id": 2, "name": "bus"}]}))
    out = tmp_path / "out"
    assert expand(src, out, pipeline_file(tmp_path, FLIP), "-n", "1",
                  "--annotations", "cvat,labelstudio") == 0
    ok = {r["output"]: r["annotation"] for r in rows(out) if r["status"] == "ok"}
    for name in ("cvat", "labelstudio"):
        _, back = read_layout(out, name)
        assert set(back.items) == set(ok), name
        for key, item in back.items.items():
            (obj,) = item["annotation"]["objects"]
            (want,) = ok[key]["objects"]
            assert obj["category"] == want["category"]
            assert np.allclose(obj["polygons"][0], want["polygons"][0], atol=0.01)
    root = ET.parse(out / "default.xml").getroot()
    assert [n.text for n in root.iterfind("meta/task/labels/label/name")] == ["car", "bus"]


# an <image> as Datumaro 1.13's `cvat` export writes it (images/ beside default.xml, no
# subset attribute, outside/keyframe on every shape, the mask's runs over the whole image)
DATUMARO_IMAGE = """<image id="0" name="img_000.jpg" width="100" height="100">
    <box label="car" occluded="0" outside="0" keyframe="0" xtl="10.00" ytl="12.00"
     xbr="40.00" ybr="32.00" z_order="0"><attribute name="color">red</attribute></box>
    <polygon label="road" occluded="0" outside="0" keyframe="0"
     points="20.00,50.00;60.00,50.00;40.00,80.00" z_order="1"></polygon>
    <points label="person" occluded="0" outside="0" keyframe="0"
     points="15.00,15.00;18.00,22.00" z_order="0"></points>
    <polyline label="lane" occluded="0" outside="0" keyframe="0"
     points="5.00,85.00;110.00,80.00" z_order="0"></polyline>
    <mask label="sky" occluded="0" outside="0" keyframe="0" rle="RUNS" left="0" top="0"
     width="100" height="100" z_order="0"></mask>
  </image>"""


def test_reads_an_image_exactly_as_datumaro_writes_it(tmp_path):
    src = tmp_path / "dm"
    (src / "images").mkdir(parents=True)
    Image.fromarray(np.zeros((100, 100, 3), np.uint8)).save(src / "images" / "img_000.jpg")
    runs = "3040, " + "40, 60, " * 10 + "10, 5, 25, 60, " * 5 + "40, 60, " * 14 + "40, 4020"
    (src / "default.xml").write_text(
        '<?xml version="1.0" encoding="utf-8"?>\n<annotations><version>1.1</version><meta>'
        "<task><name>default</name><labels><label><name>car</name></label></labels></task>"
        f"</meta>{DATUMARO_IMAGE.replace('RUNS', runs)}</annotations>\n")
    layout, read = read_layout(src)
    assert layout.name == "cvat" and read.missing == []
    objects = read.items["images/img_000.jpg"]["annotation"]["objects"]
    assert [o["category"] for o in objects] == ["car", "road", "person", "lane", "sky"]
    assert objects[0]["extra"] == {"occluded": 0, "z_order": 0,
                                   "attributes": {"color": "red"}}
    assert objects[4]["bbox"] == [40.0, 30.0, 80.0, 60.0]
    from pycocotools import mask as mask_utils

    assert mask_utils.area({"size": [100, 100], "counts": objects[4]["rle"][
        "counts"].encode()}) == 40 * 30 - 25


def test_ellipses_become_polygons_and_skeletons_are_refused_by_name(tmp_path):
    src = tmp_path / "el"
    (src / "images").mkdir(parents=True)
    Image.fromarray(np.zeros((60, 80, 3), np.uint8)).save(src / "images" / "a.png")
    xml = ('<?xml version="1.0" encoding="utf-8"?>\n<annotations><version>1.1</version>'
           '<image id="0" name="a.png" width="80" height="60">'
           '<ellipse label="ball" occluded="0" cx="40" cy="30" rx="20" ry="10" z_order="0"/>'
           'EXTRA</image></annotations>\n')
    (src / "annotations.xml").write_text(xml.replace("EXTRA", ""))
    _, read = read_layout(src)
    (ball,) = read.items["images/a.png"]["annotation"]["objects"]
    assert ball["bbox"] == pytest.approx([20, 20, 60, 40])
    assert ball["extra"]["ellipse"] == [40, 30, 20, 10]
    text = cvat.cvat_xml([{"file": "images/default/a.png",
                           "annotation": read.items["images/a.png"]["annotation"]}],
                         [{"name": "ball"}], "default")
    assert len(ET.fromstring(text).findall("image/polygon")) == 1
    (src / "annotations.xml").write_text(xml.replace(
        "EXTRA", '<skeleton label="person"><points label="nose" points="1,1"/></skeleton>'))
    with pytest.raises(ConfigError, match="<skeleton> shapes, which are not read"):
        read_layout(src)


def test_mot_tracks_convert_to_cvat_video_and_label_studio_that_read_back(tmp_path):
    from mediasynth.cli import main

    src = tmp_path / "synth"
    assert main(["synth", "video", str(src), "--count", "3", "-q", "--no-report",
                 "--set", "width=96", "--set", "height=64", "--set", "duration_s=0.8"]) == 0
    out = tmp_path / "out"
    flip = pipeline_file(tmp_path, "video: {frames: [{type: image.flip_horizontal}]}\n")
    assert expand(src, out, flip, "-n", "1", "--layout", "tracks",
                  "--annotations", "cvat,labelstudio") == 0
    ok = {r["output"]: r["annotation"]["tracks"] for r in rows(out) if r["status"] == "ok"}
    assert ok and all(ok.values())
    for name in ("cvat", "labelstudio"):
        _, back = read_layout(out, name)
        assert set(back.items) == set(ok), name
        for key, item in back.items.items():
            got = sorted(item["annotation"]["tracks"], key=lambda t: (t["id"], t["frame"]))
            want = sorted(ok[key], key=lambda t: (t["id"], t["frame"]))
            assert [t["frame"] for t in got] == [t["frame"] for t in want]
            assert np.allclose([t["bbox"] for t in got], [t["bbox"] for t in want], atol=0.01)
            assert [t["category"] for t in got] == [t["category"] for t in want]


def test_boxes_on_real_photos_stay_within_1_5_px_of_the_rendered_objects(tmp_path):
    """A CVAT for images 1.1 export over crops of real photos with coloured objects, expanded
    with a geometric pipeline (flip, rotation, scale, shear, shift, crop): every box of the
    CVAT output inside the frame lies within 1.5 px of its object re-detected in the output's
    pixels, and every box cut by the frame covers its object's visible part."""
    from tests.io.layouts.photo_objects import compare_boxes, cvat_photo_tree, detected_boxes

    src = cvat_photo_tree(tmp_path / "cvat", 40, seed=11)
    out = tmp_path / "out"
    assert expand(src, out, pipeline_file(tmp_path, GEOMETRIC), "-n", "3",
                  "--annotations", "cvat") == 0
    errors, overshoots, problems, images = [], [], [], 0
    for xml in sorted(out.glob("*.xml")):
        for image in ET.parse(xml).getroot().iter("image"):
            path = out / "images" / image.get("subset") / image.get("name")
            written = {b.get("label"): tuple(float(b.get(k)) for k in ("xtl", "ytl", "xbr",
                                                                        "ybr"))
                       for b in image.iter("box")}
            assert all(float(b.get("rotation", 0)) == 0 for b in image.iter("box"))
            e, o, p = compare_boxes(written, detected_boxes(path), int(image.get("width")),
                                    int(image.get("height")))
            errors, overshoots, problems = errors + e, overshoots + o, problems + [
                f"{path.name}: {x}" for x in p]
            images += 1
    assert images == 40 * 3 and not problems, problems[:5]
    assert len(errors) >= 100 and max(errors) <= 1.5, (len(errors), max(errors))
    assert len(overshoots) >= 50 and max(overshoots) <= 1.5, (len(overshoots), max(overshoots))
