"""Where scene objects come from: every instance-annotated layout (through expand's readers)
and RGBA cut-outs give the same instances; boxes alone are refused; files are split by file,
the same way in every process."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from mediasynth.core.errors import ConfigError
from mediasynth.synth import scenes_assets as A

pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")


def _areas(root, layout="auto") -> list[int]:
    index = A.object_index(str(root), layout)
    return sorted(int(np.count_nonzero(A.object_cutout(str(root), index.layout, r.file,
                                                       r.instance).alpha >= 128))
                  for r in index.refs)


def test_every_layout_gives_the_same_instances(scene_assets):
    from tests.synth.scene_fixtures import instances

    truth = sorted(int(m.sum()) for _, _, objs in instances() for _, m in objs)
    coco = A.object_index(str(scene_assets["coco"]))
    assert coco.layout == "coco" and coco.classes() == ("coin", "segment")
    assert _areas(scene_assets["cutouts"]) == truth  # alpha: exactly the mask
    coins = sorted(int(m.sum()) for _, _, objs in instances() for c, m in objs if c == "coin")
    index = A.object_index(str(scene_assets["coco"]))
    rle_areas = sorted(_areas_of(scene_assets["coco"], index, "coin"))
    assert rle_areas == coins  # RLE instances: exact
    masks = A.object_index(str(scene_assets["masks"]))
    assert masks.layout == "masks" and masks.classes() == ("1", "2")
    # one region per connected region of a value: the coins exactly (touching segments merge)
    assert sorted(_areas_of(scene_assets["masks"], masks, "1")) == coins
    assert 0 < len(_areas_of(scene_assets["masks"], masks, "2")) <= len(truth) - len(coins)
    for layout in ("coco", "yolo"):  # outer contours through pixel centres: holes filled, edges thinned
        index = A.object_index(str(scene_assets[layout]))
        assert len(index.refs) == len(truth)
        for ref in index.refs:
            stem = ref.file.rsplit("/", 1)[1][:-4]
            mask = dict((s, o) for s, _, o in instances())[stem][ref.instance][1]
            area = int(np.count_nonzero(A.object_cutout(str(scene_assets[layout]), layout,
                                                        ref.file, ref.instance).alpha >= 128))
            assert 0.9 * mask.sum() <= area <= 1.03 * _filled(mask).sum(), (layout, ref)
    assert A.object_index(str(scene_assets["yolo"])).layout == "yolo"
    cut = A.object_index(str(scene_assets["cutouts"]))
    assert cut.layout == A.CUTOUTS and cut.classes() == ("coin", "segment")


def _filled(mask: np.ndarray) -> np.ndarray:
    import cv2

    contours, _ = cv2.findContours(mask.astype(np.uint8), cv2.RETR_EXTERNAL,
                                   cv2.CHAIN_APPROX_NONE)
    out = np.zeros(mask.shape, np.uint8)
    cv2.drawContours(out, contours, -1, 1, thickness=cv2.FILLED)
    return out


def _areas_of(root, index, cls):
    return [int(np.count_nonzero(A.object_cutout(str(root), index.layout, r.file,
                                                 r.instance).alpha >= 128))
            for r in index.refs if r.cls == cls]


def test_a_cutout_keeps_the_real_pixels_and_context(scene_assets):
    from tests.synth.scene_fixtures import instances

    stem, rgb, objs = instances()[0]
    cut = A.object_cutout(str(scene_assets["coco"]), "coco", f"images/{stem}.png", 0)
    mask = objs[0][1]
    ys, xs = np.nonzero(mask)
    m = A.CUTOUT_MARGIN_PX
    window = (slice(ys.min() - m, ys.max() + 1 + m), slice(xs.min() - m, xs.max() + 1 + m))
    assert np.array_equal(cut.rgb, rgb[window])
    assert np.array_equal(cut.alpha == 255, mask[window])


def test_boxes_alone_are_refused(tmp_path):
    (tmp_path / "JPEGImages").mkdir()
    (tmp_path / "Annotations").mkdir()
    from PIL import Image

    Image.new("RGB", (64, 48), (90, 120, 30)).save(tmp_path / "JPEGImages" / "a.jpg")
    (tmp_path / "Annotations" / "a.xml").write_text(
        "<annotation><filename>a.jpg</filename><size><width>64</width><height>48</height>"
        "<depth>3</depth></size><object><name>cat</name><bndbox><xmin>5</xmin><ymin>5</ymin>"
        "<xmax>30</xmax><ymax>30</ymax></bndbox></object></annotation>")
    with pytest.raises(ConfigError, match="boxes alone cannot be cut out"):
        A.object_index(str(tmp_path))


def test_missing_folders_are_config_errors(tmp_path):
    with pytest.raises(ConfigError, match="is not a folder"):
        A.object_index(str(tmp_path / "nope"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(ConfigError, match="holds no image"):
        A.background_files(str(tmp_path / "empty"))


def test_files_split_by_file_in_a_fresh_process_too(scene_assets):
    """The partition depends on the files, the shares and the seed only: a new process
    (a worker) computes the same one."""
    import json
    import os
    import subprocess
    import sys

    import mediasynth

    root = Path(mediasynth.__file__).resolve().parents[1]
    shares = (("test", 0.2), ("train", 0.6), ("val", 0.2))
    here = A.background_splits(str(scene_assets["backgrounds"]), shares, 5)
    assert set(here.values()) == {"train", "val", "test"}
    assert sum(v == "train" for v in here.values()) == round(0.6 * len(here))
    code = ("import json, sys\nfrom mediasynth.synth import scenes_assets as A\n"
            f"print(json.dumps(A.background_splits(sys.argv[1], {shares!r}, 5)))")
    done = subprocess.run([sys.executable, "-c", code, str(scene_assets["backgrounds"])],
                          capture_output=True, text=True, check=True,
                          env={**os.environ, "PYTHONPATH": str(root)})
    assert json.loads(done.stdout) == here
    assert A.background_splits(str(scene_assets["backgrounds"]), shares, 6) != here


def test_an_unreadable_asset_is_named(tmp_path, scene_assets):
    import shutil

    from mediasynth.core.errors import MediaError

    photo = next(scene_assets["backgrounds"].glob("moon_*.jpg"))
    shutil.copy(photo, tmp_path / "whole.jpg")
    (tmp_path / "cut.jpg").write_bytes(photo.read_bytes()[:3000])
    with pytest.raises(MediaError, match="cut.jpg") as caught:
        A.rgb_image(str(tmp_path / "cut.jpg"))
    assert caught.value.code == "truncated"


def test_non_utf8_names_are_kept_in_json_safe_params(tmp_path, scene_assets):
    import json
    import os
    import shutil

    from mediasynth.core.registry import lookup
    from mediasynth.synth.base import ItemContext

    photo = next(scene_assets["backgrounds"].glob("flower_*.jpg"))
    name = os.fsdecode(b"fl\xe9ur.jpg")  # Latin-1 bytes, not UTF-8
    shutil.copy(photo, tmp_path / name)
    generator = lookup("synth.scenes")(objects=str(scene_assets["coco"]),
                                       backgrounds=str(tmp_path), width=160, height=120)
    item, record = generator.generate(np.random.default_rng(0), "scene", ItemContext(0))
    assert record.params["background"]["file"] == name
    params = json.loads(json.dumps(record.params))
    again = generator.render(params)
    assert np.array_equal(again.media.pixels, item.media.pixels)
