"""Every reader puts the subset its source declares on each item ("valid" and "validation"
become "val"), so splitting can keep a dataset's own splits."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mediasynth.io.layouts import get
from mediasynth.io.layouts.base import normal_subset
from tests.io.layouts import tool_trees as T

PER_SUBSET = 30
SUBSETS = {"train": "train", "validation": "val", "test": "test"}


def _coco_datumaro(src: Path) -> None:
    (src / "annotations").mkdir(parents=True)
    for k, subset in enumerate(SUBSETS):
        doc = T.coco_doc(PER_SUBSET, T.image_name)
        (src / "annotations" / f"instances_{subset}.json").write_text(json.dumps(doc))
        for i in range(PER_SUBSET):
            T.write_image(src / "images" / subset / T.image_name(i), i + k)


def _coco_roboflow(src: Path) -> None:
    for subset in ("train", "valid", "test"):
        T.fiftyone_coco(src / subset, PER_SUBSET)
        (src / subset / "labels.json").rename(src / subset / "_annotations.coco.json")
        for image in (src / subset / "data").iterdir():
            image.rename(src / subset / image.name)


def _yolo_ultralytics(src: Path) -> None:
    for subset in SUBSETS:
        for i in range(PER_SUBSET):
            T.write_image(src / "images" / subset / T.image_name(i), i)
            label = (src / "labels" / subset / T.image_name(i)).with_suffix(".txt")
            label.parent.mkdir(parents=True, exist_ok=True)
            label.write_text("".join(T.yolo_line(c, b) for c, *b in T.boxes(i)))
    (src / "data.yaml").write_text("names: " + json.dumps(T.CLASSES) + "\n")


def _yolo_darknet(src: Path) -> None:
    (src).mkdir(parents=True)
    (src / "obj.names").write_text("".join(n + "\n" for n in T.CLASSES))
    for subset in SUBSETS:
        folder = src / f"obj_{subset}_data"
        for i in range(PER_SUBSET):
            T.write_image(folder / T.image_name(i), i)
            (folder / T.image_name(i)).with_suffix(".txt").write_text(
                "".join(T.yolo_line(c, b) for c, *b in T.boxes(i)))
        (src / f"{subset}.txt").write_text("".join(f"data/obj_{subset}_data/{T.image_name(i)}\n"
                                                   for i in range(PER_SUBSET)))


def _voc(src: Path) -> None:
    (src / "Annotations").mkdir(parents=True)
    (src / "ImageSets" / "Main").mkdir(parents=True)
    count = PER_SUBSET * len(SUBSETS)
    for i in range(count):
        T.write_image(src / "JPEGImages" / T.image_name(i), i)
        (src / "Annotations" / f"{Path(T.image_name(i)).stem}.xml").write_text(
            T.voc_xml(T.image_name(i), "JPEGImages", i))
    for k, subset in enumerate(SUBSETS):
        (src / "ImageSets" / "Main" / f"{subset}.txt").write_text("".join(
            f"{Path(T.image_name(i)).stem}\n" for i in range(k * PER_SUBSET,
                                                             (k + 1) * PER_SUBSET)))
        (src / "ImageSets" / "Main" / f"dog_{subset}.txt").write_text("")  # class-wise


def _masks(src: Path) -> None:
    for subset in SUBSETS:
        for i in range(PER_SUBSET):
            T.write_image(src / "images" / subset / T.image_name(i), i)
            mask = src / "masks" / subset / f"{Path(T.image_name(i)).stem}.png"
            T.write_image(mask, 0)


def _events(src: Path) -> None:
    import numpy as np
    import soundfile as sf

    (src / "metadata").mkdir(parents=True)
    for subset in SUBSETS:
        lines = ["filename\tonset\toffset\tevent_label"]
        for i in range(PER_SUBSET):
            path = src / "audio" / subset / f"clip_{i:03d}.wav"
            path.parent.mkdir(parents=True, exist_ok=True)
            sf.write(path, np.zeros(800, np.float32), 8000)
            lines.append(f"clip_{i:03d}.wav\t0.01\t0.05\tdog")
        (src / "metadata" / f"{subset}.tsv").write_text("\n".join(lines) + "\n")


def _tracks(src: Path) -> None:
    import numpy as np

    from tests.video.helpers import encode_frames

    (src / "annotations").mkdir(parents=True)
    for subset in SUBSETS:
        rows = ["file,frame,id,x,y,w,h,class"]
        for i in range(3):
            clip = f"{subset}/moving/clip_{i}.mp4"
            frames = [np.full((24, 32, 3), 40 * f, np.uint8) for f in range(4)]
            (src / clip).parent.mkdir(parents=True, exist_ok=True)
            encode_frames(src / clip, frames, fps=4)
            rows.append(f"{clip},1,1,2,2,8,8,square")
        (src / "annotations" / f"{subset}.mot.csv").write_text("\n".join(rows) + "\n")


@pytest.mark.parametrize("layout, build, count", [
    ("coco", _coco_datumaro, PER_SUBSET * 3),
    ("coco", _coco_roboflow, PER_SUBSET * 3),
    ("yolo", _yolo_ultralytics, PER_SUBSET * 3),
    ("yolo", _yolo_darknet, PER_SUBSET * 3),
    ("voc", _voc, PER_SUBSET * 3),
    ("masks", _masks, PER_SUBSET * 3),
    ("events", _events, PER_SUBSET * 3),
    ("tracks", _tracks, 9),
])
def test_every_reader_sets_the_declared_subset(tmp_path, layout, build, count):
    src = tmp_path / "src"
    build(src)
    read = get(layout).read(src)
    assert len(read.items) == count and not read.missing
    want = {"train", "val", "test"}
    assert {item.get("subset") for item in read.items.values()} == want
    for key, item in read.items.items():
        assert item["subset"] == _declared(layout, key), key


def _declared(layout: str, key: str) -> str | None:
    """The subset the tree builders above give `key`, normalised."""
    if layout == "voc":
        return SUBSETS[list(SUBSETS)[int(Path(key).stem[4:]) // PER_SUBSET]]
    folders = {part.removeprefix("obj_").removesuffix("_data")
               for part in Path(key).parts[:-1]}
    return normal_subset(next(s for s in ("train", "valid", "validation", "test")
                              if s in folders))


def test_subset_names_are_normalised():
    assert [normal_subset(n) for n in ("valid", "Validation", "val", "train", "test",
                                       "minival", None, "")] == [
        "val", "val", "val", "train", "test", "minival", None, None]
