"""Image reading and writing.

Reading: Pillow reads the header (format allow-list, size, mode, EXIF orientation, frame
count) and the pixel budget is checked BEFORE any decoding. Pixels are decoded by OpenCV for
the common formats (faster, keeps 16-bit RGB) and by Pillow otherwise. Every image comes out
H x W x C (C in 1, 3, 4), RGB(A), upright (EXIF orientation applied once, here):
L -> 1 channel; LA and P with transparency -> RGBA; P, CMYK, YCbCr -> RGB; 16-bit kept as
uint16; 32-bit float (TIFF 'F') -> float32 clipped to [0, 1]; multi-frame files -> first frame
(`meta["frames"]` says how many there were).

Writing: OpenCV encoders (JPEG, PNG, WebP, TIFF, BMP), Pillow for GIF; always atomic. Alpha
is composited over white only when the format cannot hold it (JPEG, BMP); uint16 is kept for
PNG and TIFF and reduced to 8 bits elsewhere.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mediasynth.core.errors import MediaError
from mediasynth.core.media import Image
from mediasynth.io.atomic import atomic_path

ALLOWED_FORMATS = ("JPEG", "PNG", "GIF", "TIFF", "BMP", "WEBP")
FORMAT_EXTENSIONS = {"jpeg": ".jpg", "png": ".png", "gif": ".gif", "tiff": ".tif",
                     "bmp": ".bmp", "webp": ".webp"}
_FORMAT_ALIASES = {"jpg": "jpeg", "jpeg": "jpeg", "png": "png", "gif": "gif", "tif": "tiff",
                   "tiff": "tiff", "bmp": "bmp", "webp": "webp"}
_CV_MODES = {"L", "RGB", "RGBA", "I;16", "I;16B", "I;16L"}
DEFAULT_MAX_PIXELS = 100_000_000


@dataclass(frozen=True)
class ImageHeader:
    format: str  # lower-case: jpeg, png, ...
    width: int
    height: int
    mode: str
    orientation: int
    frames: int


def normalize_format(name: str) -> str:
    try:
        return _FORMAT_ALIASES[name.lower().lstrip(".")]
    except KeyError:
        raise ValueError(f"unsupported image format {name!r}; use one of "
                         f"{sorted(set(_FORMAT_ALIASES))}") from None


def _open(path: Path):
    from PIL import Image as PILImage

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PILImage.DecompressionBombWarning)
        try:
            return PILImage.open(path, formats=ALLOWED_FORMATS)
        except PILImage.DecompressionBombError as exc:
            raise MediaError("too_large", f"image exceeds the pixel budget: {exc}") from None
        except PILImage.UnidentifiedImageError:
            raise MediaError("unreadable", "not an image Pillow can identify "
                             f"(allowed: {', '.join(ALLOWED_FORMATS)})") from None
        except (OSError, SyntaxError, ValueError) as exc:
            raise MediaError("unreadable", f"cannot read image header: {exc}") from None


def probe_image(path: str | Path) -> ImageHeader:
    """Read only the header. Raises MediaError for unreadable files."""
    path = Path(path)
    with _open(path) as im:
        orientation = 1
        try:
            orientation = int(im.getexif().get(0x0112, 1) or 1)
        except Exception:  # noqa: BLE001 - broken EXIF must not make the image unusable
            orientation = 1
        width, height = im.size
        if width <= 0 or height <= 0:
            raise MediaError("unreadable", f"image declares size {width}x{height}")
        return ImageHeader(
            format=im.format.lower(),
            width=width,
            height=height,
            mode=im.mode,
            orientation=orientation if 1 <= orientation <= 8 else 1,
            frames=int(getattr(im, "n_frames", 1) or 1),
        )


def check_budget(header: ImageHeader, max_pixels: int) -> None:
    pixels = header.width * header.height
    if pixels > max_pixels:
        raise MediaError(
            "too_large",
            f"{header.width}x{header.height} = {pixels:,} pixels exceeds the budget of "
            f"{max_pixels:,} (budgets.max_image_pixels)",
        )


def read_image(path: str | Path, *, max_pixels: int = DEFAULT_MAX_PIXELS) -> Image:
    """Decode `path` into an upright RGB(A) Image; MediaError with a reason code on failure."""
    path = Path(path)
    header = probe_image(path)
    check_budget(header, max_pixels)
    data = np.fromfile(path, dtype=np.uint8)
    pixels = None
    if header.mode in _CV_MODES and header.format in ("jpeg", "png", "bmp", "webp", "tiff") \
            and not (header.format == "jpeg" and not _jpeg_complete(data)):
        pixels = _decode_cv(data, header)
    if pixels is None:
        pixels = _decode_pil(path)
    pixels = apply_orientation(pixels, header.orientation)
    meta = {"format": header.format, "mode": header.mode, "source_size": [header.width,
                                                                          header.height]}
    if header.frames > 1:
        meta["frames"] = header.frames
        meta["note"] = f"multi-frame {header.format}: first frame of {header.frames} used"
    if header.orientation != 1:
        meta["exif_orientation"] = header.orientation
    return Image(np.ascontiguousarray(pixels), meta=meta)


def _jpeg_complete(data: np.ndarray) -> bool:
    """True when a JPEG ends with its EOI marker (trailing zero padding allowed). Anything
    else goes to Pillow, which reports truncation instead of filling with grey."""
    tail = data[-4096:].tobytes().rstrip(b"\x00")
    return tail.endswith(b"\xff\xd9")


def _decode_cv(data: np.ndarray, header: ImageHeader) -> np.ndarray | None:
    import cv2

    flags = cv2.IMREAD_UNCHANGED | cv2.IMREAD_IGNORE_ORIENTATION
    if header.format == "jpeg":
        flags = (cv2.IMREAD_GRAYSCALE if header.mode == "L" else cv2.IMREAD_COLOR) | \
            cv2.IMREAD_IGNORE_ORIENTATION
    try:
        arr = cv2.imdecode(data, flags)
    except cv2.error:
        return None
    if arr is None or arr.shape[:2] != (header.height, header.width):
        return None
    if arr.ndim == 2:
        arr = arr[:, :, None]
    if arr.shape[2] == 3:
        arr = cv2.cvtColor(arr, cv2.COLOR_BGR2RGB)
    elif arr.shape[2] == 4:
        arr = cv2.cvtColor(arr, cv2.COLOR_BGRA2RGBA)
    if arr.dtype not in (np.uint8, np.uint16):
        return None
    return arr


def _decode_pil(path: Path) -> np.ndarray:
    with _open(path) as im:
        try:
            im.seek(0)
            im.load()
        except OSError as exc:
            code = "truncated" if "truncated" in str(exc) or "broken" in str(exc) else "unreadable"
            raise MediaError(code, f"cannot decode image: {exc}") from None
        except (SyntaxError, ValueError, EOFError) as exc:
            raise MediaError("unreadable", f"cannot decode image: {exc}") from None
        return _pil_to_array(im)


def _pil_to_array(im) -> np.ndarray:
    mode = im.mode
    if mode == "1":
        im = im.convert("L")
    elif mode == "LA" or mode == "PA" or (mode == "P" and "transparency" in im.info):
        im = im.convert("RGBA")
    elif mode in ("P", "CMYK", "YCbCr", "LAB", "HSV", "RGBX"):
        im = im.convert("RGB")
    mode = im.mode
    if mode.startswith("I;16"):
        arr = np.asarray(im).astype(np.uint16)
    elif mode == "I":
        arr = np.asarray(im)
        arr = np.clip(arr, 0, 65535).astype(np.uint16)
    elif mode == "F":
        arr = np.clip(np.nan_to_num(np.asarray(im, dtype=np.float32)), 0.0, 1.0)
    else:
        arr = np.asarray(im)
    if arr.ndim == 2:
        arr = arr[:, :, None]
    return arr


def apply_orientation(pixels: np.ndarray, orientation: int) -> np.ndarray:
    """Apply an EXIF orientation (1-8) so the image is upright."""
    ops = {
        1: lambda a: a,
        2: lambda a: a[:, ::-1],
        3: lambda a: a[::-1, ::-1],
        4: lambda a: a[::-1],
        5: lambda a: a.transpose(1, 0, 2),
        6: lambda a: np.rot90(a, -1),
        7: lambda a: a[::-1, ::-1].transpose(1, 0, 2),
        8: lambda a: np.rot90(a, 1),
    }
    return ops.get(orientation, ops[1])(pixels)


def output_extension(image_format: str) -> str:
    return FORMAT_EXTENSIONS[normalize_format(image_format)]


def encode_image(
    image: Image, image_format: str, *, jpeg_quality: int = 95, png_compression: int = 1
) -> bytes:
    """Encode to bytes in `image_format` (jpeg, png, webp, tiff, bmp, gif)."""
    import cv2

    fmt = normalize_format(image_format)
    px = image.pixels
    if px.dtype == np.float32:
        px = np.clip(np.rint(px * 255.0), 0, 255).astype(np.uint8)
    if px.dtype == np.uint16 and fmt not in ("png", "tiff"):
        px = (px >> 8).astype(np.uint8)
    if px.shape[2] == 4 and fmt in ("jpeg", "bmp"):
        px = _flatten_alpha(px)
    if fmt == "gif":
        return _encode_pil(px, "GIF")
    if px.shape[2] == 3:
        px = cv2.cvtColor(px, cv2.COLOR_RGB2BGR)
    elif px.shape[2] == 4:
        px = cv2.cvtColor(px, cv2.COLOR_RGBA2BGRA)
    params: list[int] = []
    if fmt == "jpeg":
        params = [cv2.IMWRITE_JPEG_QUALITY, int(jpeg_quality)]
    elif fmt == "png":
        params = [cv2.IMWRITE_PNG_COMPRESSION, int(png_compression)]
    elif fmt == "webp":
        params = [cv2.IMWRITE_WEBP_QUALITY, int(jpeg_quality)]
    ok, buf = cv2.imencode(FORMAT_EXTENSIONS[fmt], px, params)
    if not ok:
        raise ValueError(f"OpenCV could not encode {fmt}")
    return buf.tobytes()


def _flatten_alpha(px: np.ndarray) -> np.ndarray:
    top = 65535.0 if px.dtype == np.uint16 else 255.0
    alpha = px[:, :, 3:4].astype(np.float32) / top
    color = px[:, :, :3].astype(np.float32)
    out = color * alpha + top * (1.0 - alpha)
    return np.clip(np.rint(out), 0, top).astype(px.dtype)


def _encode_pil(px: np.ndarray, pil_format: str) -> bytes:
    import io

    from PIL import Image as PILImage

    mode = {1: "L", 3: "RGB", 4: "RGBA"}[px.shape[2]]
    im = PILImage.fromarray(px[:, :, 0] if px.shape[2] == 1 else px, mode=mode)
    buf = io.BytesIO()
    im.save(buf, format=pil_format)
    return buf.getvalue()


def write_image(
    image: Image,
    dest: str | Path,
    *,
    image_format: str | None = None,
    jpeg_quality: int = 95,
    png_compression: int = 1,
) -> Path:
    """Encode and write atomically; the format defaults to dest's extension."""
    dest = Path(dest)
    fmt = image_format or dest.suffix
    data = encode_image(image, fmt, jpeg_quality=jpeg_quality, png_compression=png_compression)
    with atomic_path(dest) as tmp:
        tmp.write_bytes(data)
    return dest
