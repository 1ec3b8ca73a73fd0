"""Pixel operations of `synth.scenes` (pure, deterministic functions): fit a background,
colour-jitter and transform a cut-out, paste it with a blend mode.

A pasted object's *mask* is its transformed alpha at >= 128 (BINARY_ALPHA): the pixels its
annotation claims. Every blend mode changes canvas pixels inside that mask only, so the
pixels outside a visible mask are never touched by the object (what makes visible-pixel
annotations exact): `none` composites with the object's alpha, `gaussian` also fades the
alpha towards the mask's edge (a Gaussian-blurred mask, `feather_px` its sigma), `poisson`
takes the pixels of OpenCV's seamless clone (Poisson blending, Perez et al. 2003) inside the
mask.
"""

from __future__ import annotations

import math

import numpy as np

BLENDS = ("none", "gaussian", "poisson")
BINARY_ALPHA = 128
POISSON_MARGIN_PX = 2


def cover_size(width: int, height: int, scene_width: int, scene_height: int) -> tuple[int, int]:
    """(w, h) of a width x height photo scaled to cover the scene (aspect kept)."""
    scale = max(scene_width / width, scene_height / height)
    return (max(scene_width, math.ceil(width * scale - 1e-9)),
            max(scene_height, math.ceil(height * scale - 1e-9)))


def fit_background(pixels: np.ndarray, scene_width: int, scene_height: int, offset_x: int,
                   offset_y: int, flip: bool) -> np.ndarray:
    """The scene's background: the photo scaled to cover the scene (cover_size), the
    scene-sized window at (offset_x, offset_y) of it, mirrored left-right when `flip`."""
    import cv2

    h, w = pixels.shape[:2]
    cover = cover_size(w, h, scene_width, scene_height)
    interpolation = cv2.INTER_AREA if cover[0] < w else cv2.INTER_LINEAR
    resized = cv2.resize(pixels[:, :, :3], cover, interpolation=interpolation)
    window = resized[offset_y:offset_y + scene_height, offset_x:offset_x + scene_width]
    return np.ascontiguousarray(window[:, ::-1] if flip else window)


def jitter_colours(rgb: np.ndarray, alpha: np.ndarray, *, brightness: float, contrast: float,
                   saturation: float, hue_deg: float) -> np.ndarray:
    """Hue rotated by `hue_deg` (OpenCV's 2-degree hue steps), saturation scaled around the
    luma, brightness scaled, contrast scaled around the object's mean luma (its alpha >=
    128); uint8 out, rounded and clipped."""
    import cv2

    shift = int(round(hue_deg / 2.0))
    if shift % 180:
        hsv = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV)
        hsv[:, :, 0] = ((hsv[:, :, 0].astype(np.int16) + shift) % 180).astype(np.uint8)
        rgb = cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB)
    if brightness == 1.0 and contrast == 1.0 and saturation == 1.0:
        return rgb
    f = rgb.astype(np.float32)
    luma = f @ np.array([0.299, 0.587, 0.114], np.float32)
    if saturation != 1.0:
        f = luma[:, :, None] + (f - luma[:, :, None]) * np.float32(saturation)
    f *= np.float32(brightness)
    if contrast != 1.0:
        inside = alpha >= BINARY_ALPHA
        mean = np.float32(luma[inside].mean() if inside.any() else luma.mean()) \
            * np.float32(brightness)
        f = (f - mean) * np.float32(contrast) + mean
    return np.clip(np.rint(f), 0, 255).astype(np.uint8)


def transform_cutout(rgb: np.ndarray | None, alpha: np.ndarray, *, scale: float,
                     rotation_deg: float, flip: bool
                     ) -> tuple[np.ndarray | None, np.ndarray, np.ndarray] | None:
    """The cut-out resized by `scale` (area-averaged when shrinking), mirrored left-right
    when `flip`, rotated by `rotation_deg` (counter-clockwise) on a canvas that holds it
    whole, then cropped to its mask: (rgb, alpha, mask bool), or None when nothing of the
    object is left at this scale. `rgb` None transforms the alpha alone (the same mask)."""
    import cv2

    h, w = alpha.shape
    size = (max(1, int(round(w * scale))), max(1, int(round(h * scale))))
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    if rgb is not None:
        rgb = cv2.resize(rgb, size, interpolation=interpolation)
        rgb = rgb[:, ::-1] if flip else rgb
    alpha = cv2.resize(alpha, size, interpolation=interpolation)
    alpha = alpha[:, ::-1] if flip else alpha
    if rotation_deg % 360:
        nw, nh = size
        a = math.radians(rotation_deg)
        cos, sin = abs(math.cos(a)), abs(math.sin(a))
        out_w, out_h = math.ceil(nw * cos + nh * sin), math.ceil(nw * sin + nh * cos)
        m = cv2.getRotationMatrix2D(((nw - 1) / 2.0, (nh - 1) / 2.0), rotation_deg, 1.0)
        m[0, 2] += (out_w - nw) / 2.0
        m[1, 2] += (out_h - nh) / 2.0
        if rgb is not None:
            rgb = cv2.warpAffine(np.ascontiguousarray(rgb), m, (out_w, out_h),
                                 flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        alpha = cv2.warpAffine(np.ascontiguousarray(alpha), m, (out_w, out_h),
                               flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT,
                               borderValue=0)
    mask = alpha >= BINARY_ALPHA
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    if rows.size == 0:
        return None
    window = (slice(rows[0], rows[-1] + 1), slice(cols[0], cols[-1] + 1))
    return (None if rgb is None else np.ascontiguousarray(rgb[window]),
            np.ascontiguousarray(alpha[window]), np.ascontiguousarray(mask[window]))


def frame_window(x: int, y: int, patch_w: int, patch_h: int, width: int, height: int
                 ) -> tuple[slice, slice, slice, slice] | None:
    """(canvas rows, canvas cols, patch rows, patch cols) of the part of a patch at (x, y)
    inside a width x height frame; None when no part is inside."""
    x0, y0, x1, y1 = max(0, x), max(0, y), min(width, x + patch_w), min(height, y + patch_h)
    if x0 >= x1 or y0 >= y1:
        return None
    return (slice(y0, y1), slice(x0, x1), slice(y0 - y, y1 - y), slice(x0 - x, x1 - x))


def paste(canvas: np.ndarray, rgb: np.ndarray, alpha: np.ndarray, mask: np.ndarray, x: int,
          y: int, *, blend: str, feather_px: float) -> None:
    """Paste a transformed cut-out with its top-left at (x, y) (may be outside the frame)
    into `canvas` (h, w, 3 uint8) in place; pixels outside `mask` are left as they are."""
    import cv2

    height, width = canvas.shape[:2]
    where = frame_window(x, y, mask.shape[1], mask.shape[0], width, height)
    if where is None:
        return
    rows, cols, prows, pcols = where
    weight = mask.astype(np.float32)
    if blend == "poisson":
        source = poisson_clone(canvas, rgb, mask, x, y)
    else:
        source = rgb
        weight *= alpha.astype(np.float32) / np.float32(255.0)
        if blend == "gaussian" and feather_px > 0:
            weight *= cv2.GaussianBlur(mask.astype(np.float32), (0, 0), feather_px,
                                       borderType=cv2.BORDER_CONSTANT)
    region = canvas[rows, cols].astype(np.float32)
    a = weight[prows, pcols, None]
    mixed = region + (source[prows, pcols].astype(np.float32) - region) * a
    canvas[rows, cols] = np.clip(np.rint(mixed), 0, 255).astype(np.uint8)


def poisson_clone(canvas: np.ndarray, rgb: np.ndarray, mask: np.ndarray, x: int,
                  y: int) -> np.ndarray:
    """The pixels (patch-sized, aligned with the patch at (x, y)) of `cv2.seamlessClone`
    (NORMAL_CLONE) of the patch into the canvas. The clone runs on the canvas window around
    the patch (its part outside the frame mirrored in), so a patch at or across the border
    clones like any other, and the cost is the patch's, not the canvas's."""
    import cv2

    ph, pw = mask.shape
    m = POISSON_MARGIN_PX
    src = cv2.copyMakeBorder(rgb, m, m, m, m, cv2.BORDER_REPLICATE)
    msk = cv2.copyMakeBorder(mask.astype(np.uint8) * np.uint8(255), m, m, m, m,
                             cv2.BORDER_CONSTANT, value=0)
    bx, by, bw, bh = cv2.boundingRect(msk)
    height, width = canvas.shape[:2]
    x0, y0, x1, y1 = x - m - 1, y - m - 1, x + pw + m + 1, y + ph + m + 1
    cx0, cy0 = min(max(0, x0), width - 1), min(max(0, y0), height - 1)
    cx1, cy1 = max(min(width, x1), cx0 + 1), max(min(height, y1), cy0 + 1)
    dst = np.pad(canvas[cy0:cy1, cx0:cx1], ((cy0 - y0, y1 - cy1), (cx0 - x0, x1 - cx1), (0, 0)),
                 mode="symmetric")
    center = (1 + bx + bw // 2, 1 + by + bh // 2)  # src's top-left lands at (1, 1) of dst
    cloned = cv2.seamlessClone(src, np.ascontiguousarray(dst), msk, center, cv2.NORMAL_CLONE)
    return cloned[1 + m:1 + m + ph, 1 + m:1 + m + pw]
