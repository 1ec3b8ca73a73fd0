"""Small OpenCV helpers shared by the kernels."""

from __future__ import annotations

import numpy as np

INTERPOLATIONS = ("nearest", "linear", "cubic", "area", "lanczos")
BORDER_MODES = ("constant", "reflect", "reflect101", "replicate", "wrap")


def cv2():
    import cv2 as _cv2

    return _cv2


_FLAGS = {
    "interpolation": {"nearest": "INTER_NEAREST", "linear": "INTER_LINEAR",
                      "cubic": "INTER_CUBIC", "area": "INTER_AREA", "lanczos": "INTER_LANCZOS4"},
    "border": {"constant": "BORDER_CONSTANT", "reflect": "BORDER_REFLECT",
               "reflect101": "BORDER_REFLECT_101", "replicate": "BORDER_REPLICATE",
               "wrap": "BORDER_WRAP"},
}


def interpolation_flag(name: str) -> int:
    return getattr(cv2(), _FLAGS["interpolation"][name])


def border_flag(name: str) -> int:
    return getattr(cv2(), _FLAGS["border"][name])


def keep_shape(out: np.ndarray, like: np.ndarray) -> np.ndarray:
    """OpenCV drops a trailing channel axis of size 1; put it back."""
    if like.ndim == 3 and out.ndim == 2:
        return out[:, :, None]
    return out


# The dtypes handed to OpenCV as they are: the pixel dtypes. OpenCV refuses bool and uint32 in
# warps, silently turns int64/uint64 into int32, and its nearest warp of int8/int16/int32/
# float64 picks another source pixel than for uint8 at some ties (828 of 2.9 M pixels over
# 600 random warps), so every other dtype is moved as uint8/uint16 planes.
NATIVE_DTYPES = frozenset(np.dtype(t) for t in (np.uint8, np.uint16, np.float32))
MAX_PLANES = 4  # channels an OpenCV border value covers


def run_exact(op, array: np.ndarray, *, border: float | tuple | None = None,
              fill: float = 0, nearest: bool = True) -> np.ndarray:
    """`op(cv_array, border_value)` applied to `array`, returning its dtype and shape
    convention (a trailing axis of size 1 is kept).

    A NATIVE_DTYPES array goes to `op` as is, with `border` as the border value. Any other
    dtype (bool, int64, int32, uint32, float64...) is cut bytewise into 8 or 16-bit planes, which
    OpenCV moves exactly, at most MAX_PLANES at a time; the border is then `fill` (a value
    in the array's own dtype) cut the same way. Such arrays need a nearest-pixel op
    (`nearest`): interpolating planes would mix bytes, so ValueError otherwise.
    """
    if array.dtype in NATIVE_DTYPES:
        return keep_shape(op(array, border), array)
    if not nearest:
        raise ValueError(f"{array.dtype} arrays can only be moved with nearest interpolation")
    planes = _planes(array)
    values = _planes(np.full((1, 1) + array.shape[2:], fill, dtype=array.dtype))[0, 0]
    parts = [_run_planes(op, planes[:, :, i:i + MAX_PLANES], values[i:i + MAX_PLANES])
             for i in range(0, planes.shape[2], MAX_PLANES)]
    return _unplanes(np.concatenate(parts, axis=2), array)


def _run_planes(op, planes: np.ndarray, values: np.ndarray) -> np.ndarray:
    """`op` on 1 to MAX_PLANES planes with per-plane border `values`. Two planes get a third
    (dropped after): OpenCV's 2-channel nearest warp picks other source pixels than its 1, 3
    and 4-channel ones at some ties (824 of 1.4 M pixels over 300 random affine warps)."""
    count = planes.shape[2]
    if count == 2:
        planes, values = planes[:, :, [0, 1, 1]], values[[0, 1, 1]]
    value = [float(v) for v in values]
    out = op(np.ascontiguousarray(planes), tuple(value + [0.0] * (MAX_PLANES - len(value))))
    return keep_shape(out, planes)[:, :, :count]


def _planes(array: np.ndarray) -> np.ndarray:
    """H x W (x C) array -> H x W x P uint8 (1-byte dtypes) or uint16 planes of its bytes."""
    unit = np.uint8 if array.dtype.itemsize == 1 else np.uint16
    h, w = array.shape[:2]
    return np.ascontiguousarray(array).view(unit).reshape(h, w, -1)


def _unplanes(planes: np.ndarray, like: np.ndarray) -> np.ndarray:
    """Inverse of `_planes`, shaped like `like` (a bool is true where its byte is nonzero)."""
    h, w = planes.shape[:2]
    if like.dtype == np.bool_:
        return (planes != 0).reshape((h, w) + like.shape[2:])
    return np.ascontiguousarray(planes).view(like.dtype).reshape((h, w) + like.shape[2:])


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
