"""`synth.scenes` options, one scene at a time (no engine): an untouched paste is the
cut-out's own pixels, distractor classes are pasted but never labelled, each layout of OBJ
makes labelled scenes, a split without files and bad options are refused by name."""

from __future__ import annotations

import numpy as np
import pytest

from mediasynth.core.errors import ConfigError
from mediasynth.core.registry import lookup
from mediasynth.synth import scenes_assets as A
from mediasynth.synth.base import ItemContext

pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")
NEUTRAL = {"brightness_range": (1, 1), "contrast_range": (1, 1), "saturation_range": (1, 1),
           "hue_shift_deg_range": (0, 0), "rotation_deg_range": (0, 0), "flip": False,
           "blend": "none"}


def _scenes(assets, objects="coco", **options):
    return lookup("synth.scenes")(objects=str(assets[objects]),
                                  backgrounds=str(assets["backgrounds"]), **options)


def test_an_untouched_paste_is_the_cutouts_own_pixels(scene_assets):
    generator = _scenes(scene_assets, "cutouts", objects_range=(1, 1), width=1024, height=1024,
                        **NEUTRAL)
    for seed in range(6):
        params = generator.get_params(np.random.default_rng(seed), "scene", ItemContext(seed))
        (obj,) = params["objects"]
        params["objects"][0] = {**obj, "scale": 1.0, "x": 7, "y": 5}  # as cut, whole in frame
        item = generator.render(params)
        cut = A.object_cutout(str(scene_assets["cutouts"]), A.CUTOUTS, obj["source"]["file"], 0)
        mask = cut.alpha >= 128
        ys, xs = np.nonzero(mask)
        window = (slice(ys.min(), ys.max() + 1), slice(xs.min(), xs.max() + 1))
        h, w = mask[window].shape
        pasted = item.media.pixels[5:5 + h, 7:7 + w]
        assert np.array_equal(pasted[mask[window]], cut.rgb[window][mask[window]])
        assert np.array_equal(item.media.mask[5:5 + h, 7:7 + w] == 1, mask[window])
        assert item.media.mask.sum() == mask.sum()


def test_distractor_classes_are_pasted_but_never_labelled(scene_assets):
    generator = _scenes(scene_assets, distractor_classes=["segment"], objects_range=(2, 3),
                        distractors_range=(2, 3), scale_range=(0.15, 0.3))
    assert generator.annotation_classes() == ("coin",)
    seen = 0
    for seed in range(5):
        item, record = generator.generate(np.random.default_rng(seed), "scene",
                                          ItemContext(seed))
        assert {o["class"] for o in item.annotations["objects"]} == {"coin"}
        distractors = [o for o in record.params["objects"] if not o["label"]]
        assert all(o["class"] == "segment" for o in distractors)
        seen += len(distractors)
        labelled = sum(o["label"] for o in record.params["objects"])
        assert item.media.mask.max() <= labelled
    assert seen >= 8


def test_patch_distractors_come_from_background_photos(scene_assets):
    generator = _scenes(scene_assets, objects_range=(1, 2), distractors_range=(3, 3))
    _, record = generator.generate(np.random.default_rng(3), "scene", ItemContext(3))
    patches = [o["source"] for o in record.params["objects"] if not o["label"]]
    assert patches and all("background" in p and len(p["vertices"]) >= 5 for p in patches)


@pytest.mark.parametrize("objects", ["yolo", "masks", "cutouts"])
def test_every_object_layout_makes_labelled_scenes(scene_assets, objects):
    generator = _scenes(scene_assets, objects, objects_range=(3, 5), width=320, height=240)
    classes = set(generator.annotation_classes())
    for seed in range(3):
        item, _ = generator.generate(np.random.default_rng(seed), "scene", ItemContext(seed))
        found = item.annotations["objects"]
        assert found and {o["class"] for o in found} <= classes
        for o in found:
            ys, xs = np.nonzero(item.media.mask == o["instance"])
            assert o["box"] == [xs.min(), ys.min(), xs.max() + 1, ys.max() + 1]


def test_a_split_without_files_is_refused_by_name(scene_assets):
    generator = _scenes(scene_assets)
    shares = {"train": 0.98, "val": 0.01, "test": 0.01}  # 5 object files: test gets none
    with pytest.raises(ConfigError, match="split 'test' has .* object instance"):
        generator.get_params(np.random.default_rng(0), "scene",
                             ItemContext(0, "test", shares, 0))


@pytest.mark.parametrize("options, message", [
    ({"blend": "soft"}, "blend must be one of"),
    ({"objects_range": (3, 2)}, "objects_range must be"),
    ({"max_occlusion": 1.5}, "max_occlusion must be in"),
    ({"max_truncation": 1.0}, "max_truncation must be below 1"),
    ({"distractor_classes": ["cars"]}, "distractor_classes names classes"),
    ({"distractor_classes": ["coin", "segment"]}, "every class of OBJ is a distractor"),
    ({"object_weights": {"coin": 0, "segment": 0}}, "not all zero"),
])
def test_bad_options_are_refused_by_name(scene_assets, options, message):
    with pytest.raises(ConfigError, match=message):
        _scenes(scene_assets, **options)


def test_objects_and_backgrounds_are_required():
    with pytest.raises(ConfigError, match="objects .* and backgrounds .* are required"):
        lookup("synth.scenes")()
