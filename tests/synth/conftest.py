"""Fixtures of the synth tests: the scene generator's real assets, made once per session."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def scene_assets(tmp_path_factory):
    """{"coco", "yolo", "masks", "cutouts": OBJ folders of the same real instances,
    "backgrounds": BG} (tests/synth/scene_fixtures.py)."""
    pytest.importorskip("skimage")
    from tests.synth import scene_fixtures as F

    root = tmp_path_factory.mktemp("scene_assets")
    return {"coco": F.write_coco(root / "obj_coco"), "yolo": F.write_yolo_seg(root / "obj_yolo"),
            "masks": F.write_mask_pairs(root / "obj_masks"),
            "cutouts": F.write_cutouts(root / "obj_cutouts"),
            "backgrounds": F.write_backgrounds(root / "backgrounds")}
