"""Reading `albumentations.save` files (mediasynth/image/albumentations_files.py), without
running albumentations: what the file's content becomes."""

from __future__ import annotations

import json

import pytest

from mediasynth.core.config import load_pipeline
from mediasynth.core.errors import ConfigError
from mediasynth.image import albumentations_files as F

SAVED = {"__version__": "2.0.5", "transform": {
    "__class_fullname__": "Compose", "p": 1.0,
    "bbox_params": {"format": "pascal_voc", "min_visibility": 0.3, "min_area": 0},
    "transforms": [
        {"__class_fullname__": "HorizontalFlip", "p": 0.5},
        {"__class_fullname__": "albumentations.augmentations.transforms.RandomGamma",
         "p": 1.0, "gamma_limit": [80, 120]}]}}


def test_only_the_content_of_a_saved_file_is_recognised():
    assert F.is_saved_transform(SAVED)
    assert not F.is_saved_transform({"version": 1, "image": []})
    assert not F.is_saved_transform({**SAVED, "seed": 3})
    assert not F.is_saved_transform({"transform": {"p": 1}})


def test_a_compose_becomes_its_children_and_its_box_filters_dataset_options():
    assert F.saved_steps(SAVED) == [
        {"type": "albumentations.HorizontalFlip", "p": 0.5},
        {"type": "albumentations.RandomGamma", "p": 1.0, "gamma_limit": [80, 120]}]
    assert F.saved_dataset_options(SAVED) == {"min_box_visibility": 0.3}
    partly = {"transform": {**SAVED["transform"], "p": 0.25}}
    assert F.saved_steps(partly)[0]["type"] == "compose" and \
        F.saved_steps(partly)[0]["p"] == 0.25


def test_an_image_chain_file_that_is_no_saved_transform_is_named_with_its_line(tmp_path):
    (tmp_path / "other.json").write_text(json.dumps({"not": "albumentations"}))
    (tmp_path / "p.yaml").write_text("version: 1\nseed: 2\nimage:\n"
                                     "  albumentations: other.json\n")
    with pytest.raises(ConfigError, match="image: .*other.json: not a file written by "
                                          "albumentations.save") as info:
        load_pipeline(tmp_path / "p.yaml")
    assert info.value.line == 4
