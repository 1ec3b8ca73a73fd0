"""Small OpenCV helpers shared by the kernels."""

from __future__ import annotations

import numpy as np

INTERPOLATIONS = ("nearest", "linear", "cubic", "area", "lanczos")
BORDER_MODES = ("constant", "reflect", "reflect101", "replicate", "wrap")


def cv2():
    import cv2 as _cv2

    return _cv2


def interpolation_flag(name: str) -> int:
    c = cv2()
    return {
        "nearest": c.INTER_NEAREST,
        "linear": c.INTER_LINEAR,
        "cubic": c.INTER_CUBIC,
        "area": c.INTER_AREA,
        "lanczos": c.INTER_LANCZOS4,
    }[name]


def border_flag(name: str) -> int:
    c = cv2()
    return {
        "constant": c.BORDER_CONSTANT,
        "reflect": c.BORDER_REFLECT,
        "reflect101": c.BORDER_REFLECT_101,
        "replicate": c.BORDER_REPLICATE,
        "wrap": c.BORDER_WRAP,
    }[name]


def keep_shape(out: np.ndarray, like: np.ndarray) -> np.ndarray:
    """OpenCV drops a trailing channel axis of size 1; put it back."""
    if like.ndim == 3 and out.ndim == 2:
        return out[:, :, None]
    return out


def fill_value(fill: float | tuple, array: np.ndarray):
    """A border value for cv2 in the array's value scale (fill is given in 0-255 units)."""
    values = fill if isinstance(fill, (tuple, list)) else (fill,)
    scale = {np.dtype(np.uint8): 1.0, np.dtype(np.uint16): 257.0}.get(array.dtype, 1 / 255.0)
    scaled = [float(v) * scale for v in values]
    channels = array.shape[2] if array.ndim == 3 else 1
    if len(scaled) == 1:
        scaled = scaled * channels
    return tuple(scaled[:4]) + (0.0,) * max(0, 4 - len(scaled))


def max_value(dtype: np.dtype) -> float:
    if dtype == np.uint8:
        return 255.0
    if dtype == np.uint16:
        return 65535.0
    return 1.0


def to_float01(array: np.ndarray) -> np.ndarray:
    """float32 copy in [0, 1]."""
    if array.dtype == np.float32:
        return array.copy()
    return array.astype(np.float32) / max_value(array.dtype)


def from_float01(array: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """Back to `dtype`, clipped and rounded."""
    if dtype == np.float32:
        return np.clip(array, 0.0, 1.0, out=array if array.dtype == np.float32 else None).astype(
            np.float32, copy=False
        )
    top = max_value(dtype)
    return np.clip(np.rint(array * top), 0, top).astype(dtype)
