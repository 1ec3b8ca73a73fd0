"""The scene generator's pixel operations on real photos: a paste touches only its mask in
every blend mode, transforms move the mask with the pixels, Poisson clones land where
asked (also across the border), backgrounds cover the scene."""

from __future__ import annotations

import numpy as np
import pytest

from mediasynth.synth import scenes_paste as P


@pytest.fixture(scope="module")
def photos():
    from tests.photos import real_photos

    found = real_photos()
    return {k: np.asarray(found[k].convert("RGB")) for k in ("china", "chelsea", "coins")}


def _blob(h: int, w: int) -> np.ndarray:
    yy, xx = np.mgrid[0:h, 0:w]
    mask = ((yy - h / 2) / (h / 2.2)) ** 2 + ((xx - w / 2) / (w / 2.6)) ** 2 <= 1
    mask[h // 2 - 3:h // 2 + 3, w // 2 - 3:w // 2 + 3] = False  # a hole
    return mask


@pytest.mark.parametrize("blend", P.BLENDS)
@pytest.mark.parametrize("where", [(200, 120), (-30, -20), (600, 380)])
def test_a_paste_changes_pixels_inside_its_mask_only(photos, blend, where):
    canvas = photos["china"].copy()  # 640 x 427
    before = canvas.copy()
    patch = np.ascontiguousarray(photos["chelsea"][60:180, 100:260])
    mask = _blob(*patch.shape[:2])
    alpha = np.where(mask, 255, 0).astype(np.uint8)
    P.paste(canvas, patch, alpha, mask, *where, blend=blend, feather_px=1.5)
    rows, cols, prows, pcols = P.frame_window(*where, mask.shape[1], mask.shape[0], 640, 427)
    inside = np.zeros(canvas.shape[:2], bool)
    inside[rows, cols] = mask[prows, pcols]
    assert np.array_equal(canvas[~inside], before[~inside])
    changed = (canvas != before).any(axis=2)
    assert changed[inside].mean() > 0.8
    if blend == "none":  # an opaque alpha paste is the patch's pixels exactly
        assert np.array_equal(canvas[rows, cols][mask[prows, pcols]],
                              patch[prows, pcols][mask[prows, pcols]])


def test_transform_keeps_pixels_and_moves_the_mask(photos):
    rgb = np.ascontiguousarray(photos["coins"][40:120, 30:130])
    mask = _blob(*rgb.shape[:2])
    alpha = np.where(mask, 255, 0).astype(np.uint8)
    same = P.transform_cutout(rgb, alpha, scale=1.0, rotation_deg=0.0, flip=False)
    ys, xs = np.nonzero(mask)
    window = (slice(ys.min(), ys.max() + 1), slice(xs.min(), xs.max() + 1))
    assert np.array_equal(same[0], rgb[window]) and np.array_equal(same[2], mask[window])
    flipped = P.transform_cutout(rgb, alpha, scale=1.0, rotation_deg=0.0, flip=True)
    assert np.array_equal(flipped[2], mask[window][:, ::-1])
    turned = P.transform_cutout(rgb, alpha, scale=1.0, rotation_deg=90.0, flip=False)
    expected = np.rot90(mask[window])  # counter-clockwise
    assert turned[2].shape == expected.shape
    iou = (turned[2] & expected).sum() / (turned[2] | expected).sum()
    assert iou > 0.97
    half = P.transform_cutout(rgb, alpha, scale=0.5, rotation_deg=30.0, flip=True)
    assert abs(half[2].sum() / mask.sum() - 0.25) < 0.02
    speck = np.zeros_like(alpha)
    speck[40, 50] = 255  # a one-pixel object averaged away at a tenth of its size
    assert P.transform_cutout(rgb, speck, scale=0.1, rotation_deg=0.0, flip=False) is None


@pytest.mark.parametrize("where", [(30, 20), (-10, -5), (90, 60)])
def test_poisson_clone_lands_where_asked(photos, where):
    patch = np.ascontiguousarray(photos["chelsea"][100:141, 200:257])
    mask = np.zeros(patch.shape[:2], bool)
    mask[5:37, 4:50] = True
    canvas = np.full((100, 120, 3), 128, np.uint8)
    out = P.poisson_clone(canvas, patch, mask, *where)
    assert out.shape == patch.shape
    grad_in = np.diff(patch.astype(float), axis=1)[mask[:, 1:] & mask[:, :-1]]
    shifts = {}
    for dx in range(-2, 3):
        moved = np.roll(out.astype(float), dx, axis=1)
        grad_out = np.diff(moved, axis=1)[mask[:, 1:] & mask[:, :-1]]
        shifts[dx] = np.corrcoef(grad_in.ravel(), grad_out.ravel())[0, 1]
    assert max(shifts, key=shifts.get) == 0 and shifts[0] > 0.75  # its gradients, in place


def test_background_covers_the_scene(photos):
    photo = photos["coins"]  # 384 x 303: scaled up to cover 640 x 480
    assert P.cover_size(384, 303, 640, 480) == (640, 505)
    bg = P.fit_background(photo, 640, 480, 0, 25, False)
    assert bg.shape == (480, 640, 3)
    assert np.array_equal(P.fit_background(photo, 640, 480, 0, 25, True), bg[:, ::-1])
    assert P.fit_background(photos["china"], 320, 240, 3, 0, False).shape == (240, 320, 3)


def test_neutral_jitter_is_the_identity_and_hue_turns(photos):
    rgb = np.ascontiguousarray(photos["chelsea"][:64, :64])
    alpha = np.full(rgb.shape[:2], 255, np.uint8)
    same = P.jitter_colours(rgb, alpha, brightness=1.0, contrast=1.0, saturation=1.0, hue_deg=0.0)
    assert np.array_equal(same, rgb)
    brighter = P.jitter_colours(rgb, alpha, brightness=1.2, contrast=1.0, saturation=1.0,
                                hue_deg=0.0)
    assert brighter.astype(int).sum() > rgb.astype(int).sum()
    grey = P.jitter_colours(rgb, alpha, brightness=1.0, contrast=1.0, saturation=0.0,
                            hue_deg=0.0).astype(int)
    assert np.abs(grey[:, :, 0] - grey[:, :, 2]).max() <= 1
