"""YOLO in: class names from data.yaml, notes.json, obj.names or classes.txt (Label Studio,
labelImg, FiftyOne), ids never renumbered, the YAML's own name, subsets."""

from __future__ import annotations

import os
from pathlib import Path

import yaml

from mediasynth.io.layouts import detect, read_layout
from tests.io.layouts import tool_trees as T
from tests.io.layouts.helpers import FLIP, expand, pipeline_file, rows

# Label Studio numbers categories as they appear in its labeling config, not alphabetically
LS_IDS = {"person": 3, "bicycle": 0, "car": 4, "dog": 1, "cat": 2}


def _out_labels(out: Path) -> dict[str, list[int]]:
    """{source file name: class ids in its output's label file} (output names may differ
    from the source's: names that are not UTF-8 are made safe)."""
    labels = {p.stem: [int(line.split()[0]) for line in p.read_text().splitlines()]
              for p in (out / "labels").rglob("*.txt")}
    return {Path(r["source"]).name: labels[Path(r["output"]).stem] for r in rows(out)}


def _names(out: Path, yaml_name: str = "data.yaml") -> dict[int, str]:
    return yaml.safe_load((out / yaml_name).read_text())["names"]


def test_label_studio_yolo_names_and_ids_survive_expand(tmp_path):
    src, out = tmp_path / "ls", tmp_path / "out"
    T.label_studio_yolo(src, 200, LS_IDS)
    layout, read = read_layout(src)
    assert layout.name == "yolo" and not read.warnings and not read.missing
    assert read.meta["names"] == ["bicycle", "dog", "cat", "person", "car"]
    assert {"classes.txt", "notes.json"} <= read.consumed
    by_key = {k: [o["category"] for o in v["annotation"]["objects"]]
              for k, v in read.items.items()}
    for i in range(200):
        assert by_key[f"images/{T.image_name(i)}"] == [T.CLASSES[c] for c, *_ in T.boxes(i)]
    assert expand(src, out, pipeline_file(tmp_path, FLIP), "-n", "1") == 0
    assert all(r["status"] == "ok" for r in rows(out)) and len(rows(out)) == 200
    assert _names(out) == {0: "bicycle", 1: "dog", 2: "cat", 3: "person", 4: "car"}
    got = _out_labels(out)
    for i in range(200):
        assert got[T.image_name(i)] == [LS_IDS[T.CLASSES[c]] for c, *_ in T.boxes(i)]


def test_labelimg_folder_with_classes_txt(tmp_path):
    src = tmp_path / "labelimg"
    (src).mkdir()
    (src / "classes.txt").write_text("".join(n + "\n" for n in T.CLASSES))
    for i in range(150):
        T.write_image(src / T.image_name(i), i)
        (src / T.image_name(i)).with_suffix(".txt").write_text(
            "".join(T.yolo_line(c, b) for c, *b in T.boxes(i)))
    assert detect(src) == "yolo"
    _, read = read_layout(src)
    assert len(read.items) == 150 and not read.warnings
    assert sum(len(v["annotation"]["objects"]) for v in read.items.values()) == \
        T.objects_in(150)
    item = read.items[T.image_name(2)]
    assert [o["category"] for o in item["annotation"]["objects"]] == \
        [T.CLASSES[c] for c, *_ in T.boxes(2)]


def test_ids_without_names_are_kept_and_said_once(tmp_path):
    src, out = tmp_path / "bare", tmp_path / "out"
    ids = [11, 3, 7]
    names = [T.image_name(i) for i in range(120)]
    names[5] = os.fsdecode(b"caf\xe9_5.jpg")  # not UTF-8
    for i, name in enumerate(names):
        T.write_image(src / "images" / name, i)
        label = (src / "labels" / name).with_suffix(".txt")
        label.parent.mkdir(parents=True, exist_ok=True)
        label.write_text("".join(T.yolo_line(ids[c % 3], b) for c, *b in T.boxes(i)))
    _, read = read_layout(src)
    assert len(read.warnings) == 1 and "no class names" in read.warnings[0]
    assert read.meta["names"] == [str(i) for i in range(12)]
    assert expand(src, out, pipeline_file(tmp_path, FLIP), "-n", "1") == 0
    assert len(rows(out)) == 120 and all(r["status"] == "ok" for r in rows(out))
    assert _names(out) == {i: str(i) for i in range(12)}
    got = _out_labels(out)
    assert len(got) == 120
    for i, name in enumerate(names):
        assert got[name] == [ids[c % 3] for c, *_ in T.boxes(i)]


def test_fiftyone_yolov5_dataset_yaml_comes_back_by_its_name_with_subsets(tmp_path):
    src, out = tmp_path / "fo", tmp_path / "out"
    for split, offset, count in (("train", 0, 150), ("val", 150, 50)):
        for i in range(offset, offset + count):
            T.write_image(src / "images" / split / T.image_name(i), i)
            label = (src / "labels" / split / T.image_name(i)).with_suffix(".txt")
            label.parent.mkdir(parents=True, exist_ok=True)
            label.write_text("".join(T.yolo_line(c, b) for c, *b in T.boxes(i)))
    (src / "dataset.yaml").write_text(yaml.safe_dump({
        "path": "/elsewhere/where/it/was/exported", "train": "./images/train/",
        "val": "./images/val/", "names": dict(enumerate(T.CLASSES))}))
    _, read = read_layout(src)
    assert read.meta["yaml_name"] == "dataset.yaml"
    assert {k: v["subset"] for k, v in read.items.items()} == {
        **{f"images/train/{T.image_name(i)}": "train" for i in range(150)},
        **{f"images/val/{T.image_name(i)}": "val" for i in range(150, 200)}}
    assert expand(src, out, pipeline_file(tmp_path, FLIP), "-n", "1") == 0
    assert (out / "dataset.yaml").is_file() and not (out / "data.yaml").is_file()
    assert list(_names(out, "dataset.yaml").values()) == T.CLASSES


def test_yaml_split_lists_and_roboflow_folders_declare_subsets(tmp_path):
    src = tmp_path / "lists"
    for i in range(60):
        T.write_image(src / "images" / T.image_name(i), i)
    (src / "train.txt").write_text("".join(f"./images/{T.image_name(i)}\n" for i in range(45)))
    (src / "valid.txt").write_text("".join(f"images/{T.image_name(i)}\n"
                                           for i in range(45, 60)))
    (src / "data.yaml").write_text("train: train.txt\nval: valid.txt\nnames: [a, b]\n")
    _, read = read_layout(src)
    assert {v["subset"] for k, v in read.items.items() if int(Path(k).stem[4:]) < 45} == {"train"}
    assert {v["subset"] for k, v in read.items.items() if int(Path(k).stem[4:]) >= 45} == {"val"}
    assert {"train.txt", "valid.txt"} <= read.consumed

    robo = tmp_path / "robo"
    for folder in ("train", "valid", "test"):
        for i in range(20):
            T.write_image(robo / folder / "images" / T.image_name(i), i)
            label = (robo / folder / "labels" / T.image_name(i)).with_suffix(".txt")
            label.parent.mkdir(parents=True, exist_ok=True)
            label.write_text("".join(T.yolo_line(c, b) for c, *b in T.boxes(i)))
    (robo / "data.yaml").write_text("train: ../train/images\nval: ../valid/images\n"
                                    "test: ../test/images\nnc: 5\nnames: " +
                                    str(T.CLASSES) + "\n")
    _, read = read_layout(robo)
    assert len(read.items) == 60 and not read.missing
    assert {k.split("/")[0]: v["subset"] for k, v in read.items.items()} == {
        "train": "train", "valid": "val", "test": "test"}
    assert sum(len(v["annotation"]["objects"]) for v in read.items.values()) == \
        3 * T.objects_in(20)


def test_fiftyone_yolov4_images_txt_and_data_folder(tmp_path):
    src = tmp_path / "v4"
    T.fiftyone_yolov4(src, 200)
    layout, read = read_layout(src)
    assert layout.name == "yolo" and read.meta["format"] == "darknet"
    assert len(read.items) == 200 and not read.missing and not read.warnings
    assert {"obj.names", "images.txt"} <= read.consumed
    assert sum(len(v["annotation"]["objects"]) for v in read.items.values()) == \
        T.objects_in(200)
    assert [o["category"] for o in read.items[f"data/{T.image_name(4)}"]["annotation"][
        "objects"]] == [T.CLASSES[c] for c, *_ in T.boxes(4)]


def test_label_files_without_their_image_are_counted_missing(tmp_path):
    src = tmp_path / "orphans"
    T.label_studio_yolo(src, 30, LS_IDS)
    (src / "labels" / "gone.txt").write_text("0 0.5 0.5 0.1 0.1\n")
    _, read = read_layout(src)
    assert read.missing == ["labels/gone.txt"] and "labels/gone.txt" in read.consumed
