"""Geometric kernels against Pillow/numpy, and targets against the pixels they label."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image as PILImage

from mediasynth.core.media import Image
from mediasynth.core.registry import lookup
from mediasynth.image.functional import geometric as G
from tests.conftest import scene


def _rand(h=37, w=53, c=3):
    return np.random.default_rng(0).integers(0, 256, (h, w, c), dtype=np.uint8)


def test_flips_match_pillow():
    a = _rand()
    pil = PILImage.fromarray(a)
    assert np.array_equal(G.flip_horizontal(a), np.asarray(pil.transpose(PILImage.FLIP_LEFT_RIGHT)))
    assert np.array_equal(G.flip_vertical(a), np.asarray(pil.transpose(PILImage.FLIP_TOP_BOTTOM)))


@pytest.mark.parametrize("turns,pil_op", [(1, PILImage.ROTATE_90), (2, PILImage.ROTATE_180),
                                          (3, PILImage.ROTATE_270)])
def test_rotate90_matches_pillow(turns, pil_op):
    a = _rand()
    assert np.array_equal(G.rotate90(a, turns=turns), np.asarray(PILImage.fromarray(a).transpose(pil_op)))


def test_single_channel_keeps_its_axis():
    a = _rand(c=1)
    assert G.flip_horizontal(a).shape == a.shape
    assert G.rotate90(a, turns=1).shape == (53, 37, 1)


@pytest.mark.parametrize("angle", [-30.0, 12.5, 90.0])
def test_rotate_matches_pillow_inside_the_frame(angle):
    yy, xx = np.mgrid[0:64, 0:64]
    a = np.stack([xx * 4, yy * 4, (xx + yy) * 2], axis=2).astype(np.uint8)
    m = G.rotation_matrix(angle, 64, 64)
    ours = G.warp(a, matrix=m, width=64, height=64, interpolation="linear")
    ref = np.asarray(PILImage.fromarray(a).rotate(angle, resample=PILImage.BILINEAR))
    inner = (slice(16, 48), slice(16, 48))
    diff = np.abs(ours[inner].astype(int) - ref[inner].astype(int))
    assert diff.mean() < 1.0 and diff.max() <= 3


def test_crop_to_fit_shows_no_border():
    a = np.full((40, 80, 3), 200, np.uint8)
    for angle in (-20.0, 7.0, 33.0):
        s = G.crop_to_fit_scale(angle, 80, 40)
        out = G.warp(a, matrix=G.rotation_matrix(angle, 80, 40, scale=s), width=80, height=40)
        assert out[1:-1, 1:-1].min() >= 190, angle


def _bbox_of(mask: np.ndarray) -> np.ndarray:
    ys, xs = np.nonzero(mask)
    return np.array([xs.min(), ys.min(), xs.max() + 1, ys.max() + 1], dtype=float)


def _iou(a, b) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    area = lambda r: (r[2] - r[0]) * (r[3] - r[1])  # noqa: E731
    return inter / (area(a) + area(b) - inter)


GEOMETRIC = ["image.flip_horizontal", "image.flip_vertical", "image.rotate90", "image.rotate"]


@pytest.mark.parametrize("name", GEOMETRIC)
@pytest.mark.parametrize("seed", range(4))
def test_targets_follow_the_pixels(name, seed):
    """Draw a white rectangle on black, transform, and find it again in the output."""
    h, w = 60, 80
    px = np.zeros((h, w, 3), np.uint8)
    px[12:30, 20:44] = 255
    mask = (px[:, :, 0] > 0).astype(np.uint8)
    img = Image(px, mask=mask, boxes=np.array([[20.0, 12.0, 44.0, 30.0]]),
                keypoints=np.array([[20.0, 12.0], [44.0, 30.0]]))
    t = lookup(name)()
    out, rec = t.run(img, np.random.default_rng(seed))
    seen = out.pixels[:, :, 0] > 127
    assert (out.mask > 0).sum() == pytest.approx(seen.sum(), rel=0.08)
    assert np.mean((out.mask > 0) == seen) > 0.98
    if name.split(".")[1] == "rotate":
        # a rotated rectangle's box is the hull of its corners: it contains the shape
        box = out.boxes[0]
        found = _bbox_of(seen)
        assert box[0] <= found[0] + 1 and box[1] <= found[1] + 1
        assert box[2] >= found[2] - 1 and box[3] >= found[3] - 1
        assert _iou(box, found) > 0.6
    else:
        assert _iou(out.boxes[0], _bbox_of(seen)) > 0.9
    # the keypoints are two opposite corners of the shape: their hull is the found box
    kp = out.keypoints
    hull = np.array([kp[:, 0].min(), kp[:, 1].min(), kp[:, 0].max(), kp[:, 1].max()])
    if name.split(".")[1] != "rotate":
        assert np.allclose(hull, _bbox_of(seen), atol=1.0)


def registry_build(name, cfg):
    from mediasynth.core.registry import build

    return build({"type": name, **cfg})


def test_affine_and_perspective_matrices_match_opencv():
    import cv2

    m = G.affine_matrix(80, 60, angle_deg=10, scale=1.2, translate_x=0.1)
    ref = cv2.getRotationMatrix2D((39.5, 29.5), 10, 1.2)
    ref[0, 2] += 8.0
    assert np.allclose(G.to_index_matrix(m)[:2], ref, atol=1e-9)
    offsets = np.array([[0.1, 0.0], [0.0, 0.1], [-0.1, 0.0], [0.0, -0.1]])
    h = G.perspective_matrix(80, 60, offsets)
    corners = np.array([[0, 0], [80, 0], [80, 60], [0, 60]], float)
    from mediasynth.image.functional.targets import transform_points

    assert np.allclose(transform_points(corners, h), corners + offsets * (80, 60), atol=1e-4)


def test_resize_matches_pillow_on_upscale():
    a = _rand(20, 30)
    ours = G.resize(a, width=60, height=40, interpolation="nearest")
    ref = np.asarray(PILImage.fromarray(a).resize((60, 40), PILImage.NEAREST))
    assert np.array_equal(ours, ref)


def test_boxes_leaving_the_frame_are_dropped_with_their_labels():
    t = lookup("image.rotate")(angle_deg_range=(90, 90), box_min_visibility=0.5)
    img = np.zeros((40, 100, 3), np.uint8)
    out = t(image=img, bboxes=[[1, 1, 9, 9, "far"], [45, 15, 55, 25, "centre"]], rng=0)
    assert [row[4] for row in out["bboxes"]] == ["centre"]


def test_albumentations_style_call_returns_dict():
    t = lookup("image.flip_horizontal")()
    img = scene()
    out = t(image=img.pixels[:, :, 0], mask=img.mask, bboxes=img.boxes, keypoints=img.keypoints)
    assert out["image"].shape == img.pixels.shape[:2]
    assert np.array_equal(out["image"], img.pixels[:, ::-1, 0])
    assert np.array_equal(out["mask"], img.mask[:, ::-1])
    assert np.allclose(out["bboxes"][0], [64 - 32, 12, 64 - 16, 28])
