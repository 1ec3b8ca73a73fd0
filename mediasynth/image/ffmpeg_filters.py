"""FFmpeg filters equivalent to image kernels, for the frame transforms' `ffmpeg_filters`
hooks (the video fused path, see video/graph.py). Frames there are limited-range YUV."""

from __future__ import annotations


def affine_rgb_as_yuv(scale: float, offset: float) -> str:
    """R,G,B -> R*scale + offset (offset in 0-255 RGB units) done on limited-range YUV
    without leaving it: luma moves by the same affine map (offset scaled by 219/255),
    chroma scales about 128. Exact up to clipping, and no RGB round trip. (+0.5: lut
    truncates each entry to an integer; this makes it round.) A pure offset that one of
    eq's brightness steps reaches within a luma level goes to eq's faster SIMD path."""
    if scale == 1.0 and (fast := _eq_luma_offset(offset * 219.0 / 255.0)) is not None:
        return fast
    y = f"clip((val-16)*{scale:.6f}+16+{offset * 219.0 / 255.0:.6f}+0.5,0,255)"
    c = f"clip((val-128)*{scale:.6f}+128+0.5,0,255)"
    return f"lutyuv=y='{y}':u='{c}':v='{c}'"


def _eq_luma_offset(offset_y: float) -> str | None:
    """Y -> Y + offset_y (chroma untouched) with eq's brightness step closest to offset_y,
    or None when that step is more than one level off. eq reads brightness in hundredths,
    so the value given sits inside its step."""
    # the luma offset of eq's brightness (k - 100) / 100 at contrast 1: its integer
    # arithmetic (libavfilter/vf_eq.c process_c), steps of 511/200 levels
    offsets = [(k * 511) // 200 - 256 for k in range(201)]
    k = min(range(201), key=lambda k: abs(offsets[k] - offset_y))
    if abs(offsets[k] - offset_y) > 1.0:
        return None
    return f"eq=brightness={min((k - 100 + 0.25) / 100.0, 1.0):.4f}"
