"""Near-duplicate signatures of images: two 64-bit perceptual hashes of a small grey copy.

- pHash: the signs of the 8x8 lowest DCT frequencies (DC left out) of a 32x32 grey
  thumbnail against their median. Robust to resizing, recompression, global brightness and
  contrast changes and a few percent of crop (low frequencies hardly move).
- dHash: the signs of horizontal neighbour differences on a 9x8 thumbnail (a second, mostly
  independent view, so that two distinct photos must agree on both to be merged).

Decoding is cheap: JPEGs are decoded at 1/8 scale through libjpeg's DCT scaling
(`Image.draft`), so a signature costs about a millisecond for a 640x480 JPEG. Measured on
real photos (tests/image/test_signature.py): edited copies (resized 50 % + JPEG q70, +8 %
brightness, 3 % crop, PNG re-encode) stay within the bounds below, while distinct photos
and their non-overlapping quarter crops do not. Known limits: a crop of a few percent of a
pure texture (gravel, grass, a page of text) can move the hashes past the bounds, and
tiny aligned images (25x25 faces) of different people can fall within them.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

SIGNATURE_BYTES = 16
PHASH_MAX_BITS = 12  # of 64: at most this many differing bits for a near-duplicate
DHASH_MAX_BITS = 22
SUM_MAX_BITS = 30  # and both together at most this many


def image_signature(path: Path) -> bytes:
    """16 bytes (pHash then dHash) of the image's first frame, upright. Raises what Pillow
    raises for an unreadable file."""
    from PIL import Image, ImageOps

    with Image.open(path) as im:
        im.draft("L", (64, 64))  # JPEG: DCT-domain downscale; other formats: no-op
        im = ImageOps.exif_transpose(im)
        grey = np.asarray(im.convert("L"), dtype=np.float32)
    return pixels_signature(grey)


def pixels_signature(grey: np.ndarray) -> bytes:
    """Signature of a 2-D grey image (any size, float or integer)."""
    grey = np.asarray(grey, dtype=np.float32)
    if grey.ndim == 3:
        grey = grey.mean(axis=2, dtype=np.float32)
    import scipy.fft  # here, not at import: the run's parent loads this handler but never
    # signs (0.3-0.5 s of its start-up went to importing scipy.fft)

    small = _box_resize(grey, 32, 32)
    dct = scipy.fft.dctn(small, norm="ortho")[:8, :8].ravel()[1:]
    phash = np.concatenate([[False], dct > np.median(dct)])
    tiny = _box_resize(grey, 9, 8)
    dhash = (tiny[:, 1:] > tiny[:, :-1]).ravel()
    return np.packbits(np.concatenate([phash, dhash])).tobytes()


def _box_resize(grey: np.ndarray, width: int, height: int) -> np.ndarray:
    """Area-average resize with Pillow's single-threaded float path: the same bits whatever
    the thread settings (OpenCV's parallel resize rounds differently with its thread count,
    and a hash bit at the median flips on the last bit)."""
    from PIL import Image

    image = Image.fromarray(np.ascontiguousarray(grey, dtype=np.float32), mode="F")
    return np.asarray(image.resize((width, height), Image.Resampling.BOX), dtype=np.float64)


def near_pairs(signatures: dict[str, bytes]) -> list[tuple[str, str, float]]:
    """Pairs (a, b, distance) of keys whose signatures are near-duplicates, a < b; the
    distance is the pHash's share of differing bits (0: identical). Vectorised in blocks
    (about 10^8 comparisons a second)."""
    keys = sorted(signatures)
    if len(keys) < 2:
        return []
    packed = np.frombuffer(b"".join(signatures[k] for k in keys), np.uint8).reshape(
        len(keys), SIGNATURE_BYTES)
    ph = packed[:, :8].copy().view(np.uint64).ravel()
    dh = packed[:, 8:].copy().view(np.uint64).ravel()
    pairs = []
    block = 2048
    for start in range(0, len(keys), block):
        a_ph, a_dh = ph[start:start + block, None], dh[start:start + block, None]
        p_bits = _popcount(a_ph ^ ph[None, :])
        d_bits = _popcount(a_dh ^ dh[None, :])
        rows, cols = np.nonzero(is_near(p_bits, d_bits))
        for r, c in zip(rows.tolist(), cols.tolist()):
            i = start + r
            if i < c:
                pairs.append((keys[i], keys[c], round(int(p_bits[r, c]) / 64, 4)))
    return pairs


def is_near(phash_bits, dhash_bits):
    """The rule (element-wise on arrays): both hashes close, and close together."""
    return ((phash_bits <= PHASH_MAX_BITS) & (dhash_bits <= DHASH_MAX_BITS)
            & (phash_bits + dhash_bits <= SUM_MAX_BITS))


def hash_bits(a: bytes, b: bytes) -> tuple[int, int]:
    """Differing bits of two signatures: (pHash, dHash)."""
    x = np.unpackbits(np.frombuffer(a, np.uint8) ^ np.frombuffer(b, np.uint8))
    return int(x[:64].sum()), int(x[64:].sum())


def _popcount(x: np.ndarray) -> np.ndarray:
    """Set bits of each uint64."""
    if hasattr(np, "bitwise_count"):
        return np.bitwise_count(x)
    as_bytes = x.view(np.uint8).reshape(*x.shape, 8)
    return np.unpackbits(as_bytes, axis=-1).sum(axis=-1)
