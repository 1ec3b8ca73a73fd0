"""Image reading and writing.

Reading: Pillow reads the header (format allow-list, size, mode, EXIF orientation, frame
count) and the pixel budget is checked BEFORE any decoding. Pixels are decoded by OpenCV for
the common formats (faster, keeps 16-bit RGB) and by Pillow otherwise. Every image comes out
H x W x C (C in 1, 3, 4), RGB(A), upright (EXIF orientation applied once, here):
L -> 1 channel; LA and P with transparency -> RGBA; P, CMYK, YCbCr -> RGB; 16-bit kept as
uint16; 32-bit float (TIFF 'F') -> float32 clipped to [0, 1]; multi-frame files -> first frame
(`meta["frames"]` says how many there were; only that frame is decoded: Pillow counts GIF
frames without decoding them, OpenCV decodes the first APNG frame / TIFF page only).

Damage: a file cut short by its own structure (JPEG without its end marker, PNG without IEND,
WebP/BMP shorter than their declared size) is refused as "truncated" before any decoding, whatever
OpenCV (which fills a cut JPEG with grey) or Pillow's LOAD_TRUNCATED_IMAGES would accept;
pixel data that fails to decode behind a sound header is "damaged". `verify_image` decodes
every frame in full.

Memory: `decoded_bytes` estimates the decoded size from the header; `check_memory` refuses
an image whose file plus WORKING_COPIES decoded copies would exceed the worker's budget.

Writing: OpenCV encoders (JPEG, PNG, WebP, TIFF, BMP), Pillow for GIF; always atomic. Alpha
is composited over white only when the format cannot hold it (JPEG, BMP); uint16 is kept for
PNG and TIFF and reduced to 8 bits elsewhere.
"""

from __future__ import annotations

import contextlib
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mediasynth.core.errors import MediaError
from mediasynth.core.media import Image
from mediasynth.io.atomic import atomic_path
from mediasynth.io.sniff import sniff_bytes

ALLOWED_FORMATS = ("JPEG", "PNG", "GIF", "TIFF", "BMP", "WEBP")
FORMAT_EXTENSIONS = {"jpeg": ".jpg", "png": ".png", "gif": ".gif", "tiff": ".tif",
                     "bmp": ".bmp", "webp": ".webp"}
_FORMAT_ALIASES = {"jpg": "jpeg", "jpeg": "jpeg", "png": "png", "gif": "gif", "tif": "tiff",
                   "tiff": "tiff", "bmp": "bmp", "webp": "webp"}
_CV_MODES = {"L", "RGB", "RGBA", "I;16", "I;16B", "I;16L"}
DEFAULT_MAX_PIXELS = 100_000_000
# Peak RSS of a worker rendering one output with the default chain (flip, rotate, colour
# jitter in bands) plus encode and stats, above the idle worker, over the decoded size
# (bench/memory.py): 5.2x (100 MP JPEG) to 6.0x (64 MP GIF: Pillow's 4-byte RGB on top);
# 3.3-3.5x for read + rotate + encode of 16-bit RGBA PNGs. One copy of margin.
WORKING_COPIES = 7
DECODED_FRAMES = 1  # frames read_image keeps in memory (the first)
TAIL_BYTES = 4096  # where an end marker is looked for (trailing padding or junk allowed)
_DECODED_CHANNELS = {"1": 1, "L": 1, "I": 1, "F": 1, "LA": 4, "PA": 4, "RGBA": 4, "CMYK": 3,
                     "RGB": 3, "YCbCr": 3, "LAB": 3, "HSV": 3, "RGBX": 3}


@dataclass(frozen=True)
class ImageHeader:
    format: str  # lower-case: jpeg, png, ...
    width: int
    height: int
    mode: str
    orientation: int
    frames: int
    channels: int = 3  # of the decoded array (P -> 3, or 4 with transparency; LA -> 4)
    bytes_per_sample: int = 1  # 2 for 16-bit files (PNG/TIFF), 4 for 32-bit int/float TIFF

    @property
    def decoded_bytes(self) -> int:
        """Bytes of the pixels read_image decodes: width x height x channels x bytes per
        sample x DECODED_FRAMES."""
        return (self.width * self.height * self.channels * self.bytes_per_sample
                * DECODED_FRAMES)


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
            problem = cut_short(path)
            if problem:
                raise MediaError("truncated", problem) from None
            raise MediaError("unreadable", f"cannot read image header: {exc}") from None


def probe_image(path: str | Path) -> ImageHeader:
    """Read only the header (no pixel data is decoded). Raises MediaError for unreadable
    files."""
    path = Path(path)
    with _open(path) as im:
        width, height = im.size
        if width <= 0 or height <= 0:
            raise MediaError("unreadable", f"image declares size {width}x{height}")
        bytes_per_sample = _bytes_per_sample(im)  # before anything moves the tile
        return ImageHeader(
            format=im.format.lower(),
            width=width,
            height=height,
            mode=im.mode,
            orientation=_orientation(im),
            frames=int(getattr(im, "n_frames", 1) or 1),
            channels=_decoded_channels(im),
            bytes_per_sample=bytes_per_sample,
        )


def _orientation(im) -> int:
    """EXIF orientation (1-8; 1 when absent or broken). A PNG's eXIf chunk counts only when
    it comes before the pixel data: Pillow's PNG getexif() decodes the whole image to look
    for one behind it (1.8 s and 141 MiB for a 36 MP 16-bit RGBA PNG, in a header check)."""
    if im.format == "PNG" and "exif" not in im.info:
        return 1
    try:
        orientation = int(im.getexif().get(0x0112, 1) or 1)
    except Exception:  # noqa: BLE001 - broken EXIF must not make the image unusable
        return 1
    return orientation if 1 <= orientation <= 8 else 1


def _decoded_channels(im) -> int:
    if im.mode == "P":
        return 4 if "transparency" in im.info else 3
    return _DECODED_CHANNELS.get(im.mode, 1)


def _bytes_per_sample(im) -> int:
    """From the mode and the file's raw mode (Pillow calls a 16-bit RGB(A) PNG or TIFF "RGB"
    or "RGBA"; its tile's raw mode says "RGB;16B")."""
    args = im.tile[0][3] if im.tile else ""
    raw = str(args[0] if isinstance(args, tuple) and args else args)
    if im.mode in ("I", "F") or "32" in raw:
        return 4
    return 2 if "16" in im.mode or ";16" in raw else 1


def check_budget(header: ImageHeader, max_pixels: int) -> None:
    pixels = header.width * header.height
    if pixels > max_pixels:
        raise MediaError(
            "too_large",
            f"{header.width}x{header.height} = {pixels:,} pixels exceeds the budget of "
            f"{max_pixels:,} (budgets.max_image_pixels)",
        )


def check_memory(header: ImageHeader, file_bytes: int, max_bytes: int) -> None:
    """MediaError("too_large") when the file's bytes (read whole) plus WORKING_COPIES times
    the decoded size exceed `max_bytes` (budgets.max_worker_memory_bytes)."""
    need = file_bytes + WORKING_COPIES * header.decoded_bytes
    if need > max_bytes:
        raise MediaError(
            "too_large",
            f"{header.width}x{header.height} x {header.channels} channels x "
            f"{header.bytes_per_sample} bytes decodes to {header.decoded_bytes / 2**20:,.0f} MiB; "
            f"with the file and the chain's working copies ({WORKING_COPIES}x) a worker would "
            f"need {need / 2**20:,.0f} MiB, over the budget of {max_bytes / 2**20:,.0f} MiB "
            "(budgets.max_worker_memory_bytes)",
        )


def cut_short(path: Path, image_format: str | None = None) -> str | None:
    """Why the file is shorter than its own structure says, or None: a JPEG whose header
    segments run past the end or which has no end marker (EOI) in its last TAIL_BYTES, a PNG
    with a sound IHDR but no IEND there, a WebP or BMP shorter than the size its header
    declares. GIF and TIFF (and files that are not these formats at all) give None: Pillow
    reports them cut when decoding (a GIF's trailer proves nothing: sound GIFs without one
    exist, e.g. CPython's idlelib/Icons/minusnode.gif). `image_format` (as probed) skips
    sniffing."""
    size = path.stat().st_size
    with open(path, "rb") as fh:
        head = fh.read(32)
        fh.seek(max(0, size - TAIL_BYTES))
        tail = fh.read().rstrip(b"\x00")
        fmt = image_format or _sniff(head)
        if fmt == "jpeg" and head.startswith(b"\xff\xd8\xff"):
            if not _jpeg_headers_complete(fh, size):
                return "JPEG headers run past the end of the file: the file is cut short"
            if b"\xff\xd9" not in tail:
                return "JPEG end marker missing: the file is cut short"
        if fmt == "png" and head[12:16] == b"IHDR" and b"IEND\xaeB`\x82" not in tail:
            return "PNG end marker (IEND) missing: the file is cut short"
        declared = _declared_size(head, fmt)
        if declared is not None and size < declared:
            return (f"{fmt.upper()} header declares {declared:,} bytes but the file has "
                    f"{size:,}: it is cut short")
    return None


def _declared_size(head: bytes, fmt: str | None) -> int | None:
    """The file size a WebP (RIFF) or BMP header declares, when it declares a plausible one."""
    if fmt == "webp" and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        declared = int.from_bytes(head[4:8], "little") + 8
    elif fmt == "bmp" and head[:2] == b"BM":
        declared = int.from_bytes(head[2:6], "little")
    else:
        return None
    return declared if 26 <= declared < 0xFFFFFFFF else None


def _sniff(head: bytes) -> str | None:
    """The image format of a file head, from the one magic-byte table (io/sniff.py)."""
    sniffed = sniff_bytes(head)
    return sniffed.format if sniffed.kind == "image" else None


def _jpeg_headers_complete(fh, size: int) -> bool:
    """Walk the JPEG marker segments from SOI to the first scan (SOS): False when a segment
    runs past the end of the file. A malformed segment stops the walk (True: damage, not a
    cut, is for the decoder to report)."""
    pos = 2
    while pos + 4 <= size:
        fh.seek(pos)
        marker = fh.read(4)
        if marker[0] != 0xFF:
            return True
        if marker[1] == 0xFF:  # fill byte
            pos += 1
            continue
        if marker[1] in (0x01, 0xD8) or 0xD0 <= marker[1] <= 0xD7:
            pos += 2
            continue
        if marker[1] == 0xD9:
            return True
        length = int.from_bytes(marker[2:4], "big")
        if marker[1] == 0xDA:
            return pos + 2 + length <= size
        if length < 2:
            return True
        pos += 2 + length
    return False


REDUCTIONS = (1, 2, 4, 8)  # the DCT scalings a JPEG decodes at (libjpeg-turbo, in OpenCV)


def reducible(header: ImageHeader) -> bool:
    """Whether `read_image(..., reduce=s)` decodes this file at 1/s: a baseline or
    progressive JPEG of 1 or 3 channels (CMYK goes through Pillow at full size)."""
    return header.format == "jpeg" and header.mode in ("L", "RGB")


def upright_size(header: ImageHeader) -> tuple[int, int]:
    """(width, height) of the decoded image, EXIF orientation applied."""
    if header.orientation in (5, 6, 7, 8):
        return header.height, header.width
    return header.width, header.height


def read_image(path: str | Path, *, max_pixels: int = DEFAULT_MAX_PIXELS,
               max_memory_bytes: int | None = None, reduce: int = 1,
               header: ImageHeader | None = None) -> Image:
    """Decode the first frame of `path` into an upright RGB(A) Image; MediaError with a
    reason code on failure ("truncated" for a file cut short, "damaged" for pixel data that
    does not decode, "too_large" over `max_pixels` or `max_memory_bytes`, see check_memory).

    `reduce` (1, 2, 4 or 8): a `reducible` JPEG is decoded at 1/reduce of its size by the
    codec's DCT scaling (each side ceil(side / reduce); much cheaper than a full decode and
    a resize, and anti-aliased); meta["decoded_at"] then holds {"scale", "width", "height"}
    (the full upright size), which the shrinking transforms read (image/transforms/crop.py)
    to keep their maths in full-size coordinates. Other files ignore `reduce`. `header`: the
    checked header when the caller has it (see check_header), not read again."""
    path = Path(path)
    if reduce not in REDUCTIONS:
        raise ValueError(f"reduce must be one of {REDUCTIONS}, got {reduce!r}")
    if header is None:
        header = check_header(path, max_pixels=max_pixels, max_memory_bytes=max_memory_bytes)
    data = np.fromfile(path, dtype=np.uint8)
    pixels = None
    scale = reduce if reduce > 1 and reducible(header) else 1
    if header.mode in _CV_MODES and header.format in ("jpeg", "png", "bmp", "webp", "tiff") \
            and not (header.format == "jpeg" and not _jpeg_complete(data)):
        pixels = _decode_cv(data, header, scale)
    if pixels is None:
        scale = 1
        pixels = _decode_pil(path)
    pixels = apply_orientation(pixels, header.orientation)
    meta = {"format": header.format, "mode": header.mode, "source_size": [header.width,
                                                                          header.height]}
    if scale > 1:
        width, height = upright_size(header)
        meta["decoded_at"] = {"scale": scale, "width": width, "height": height}
    if header.frames > 1:
        meta["frames"] = header.frames
        meta["note"] = f"multi-frame {header.format}: first frame of {header.frames} used"
    if header.orientation != 1:
        meta["exif_orientation"] = header.orientation
    return Image(np.ascontiguousarray(pixels), meta=meta)


def check_header(path: Path, *, max_pixels: int = DEFAULT_MAX_PIXELS,
                 max_memory_bytes: int | None = None) -> ImageHeader:
    """The header of `path` after the checks that need no decoding: readable header, pixel
    and memory budgets, not cut short (MediaError otherwise)."""
    header = probe_image(path)
    check_budget(header, max_pixels)
    if max_memory_bytes is not None:
        check_memory(header, path.stat().st_size, max_memory_bytes)
    problem = cut_short(path, header.format)
    if problem:
        raise MediaError("truncated", problem)
    return header


def verify_image(path: str | Path, *, max_pixels: int = DEFAULT_MAX_PIXELS,
                 max_memory_bytes: int | None = None) -> None:
    """Decode every frame of `path` in full with Pillow (truncated data refused whatever
    LOAD_TRUNCATED_IMAGES says): MediaError "truncated" for a file cut short, "damaged" for
    other decode errors, and the header errors of check_header."""
    path = Path(path)
    header = check_header(path, max_pixels=max_pixels, max_memory_bytes=max_memory_bytes)
    with _open(path) as im:
        for frame in range(header.frames):
            _load_frame(im, frame)


@contextlib.contextmanager
def _strict_truncation():
    """Pillow refuses truncated data inside this block, whatever LOAD_TRUNCATED_IMAGES
    was set to (by us or anyone) outside it."""
    from PIL import ImageFile

    saved = ImageFile.LOAD_TRUNCATED_IMAGES
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        yield
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = saved


def _load_frame(im, frame: int) -> None:
    """Seek to and decode one frame; MediaError "truncated" or "damaged" on failure."""
    try:
        with _strict_truncation():
            im.seek(frame)
            im.load()
    except (OSError, EOFError) as exc:
        text = str(exc)
        code = "truncated" if isinstance(exc, EOFError) or "truncated" in text else "damaged"
        raise MediaError(code, f"cannot decode image (frame {frame}): {exc}") from None
    except (SyntaxError, ValueError, MemoryError) as exc:
        raise MediaError("damaged", f"cannot decode image (frame {frame}): {exc}") from None


def _jpeg_complete(data: np.ndarray) -> bool:
    """True when a JPEG ends with its EOI marker (trailing zero padding allowed). Anything
    else goes to Pillow, which reports truncation instead of filling with grey."""
    tail = data[-4096:].tobytes().rstrip(b"\x00")
    return tail.endswith(b"\xff\xd9")


_REDUCED_FLAGS = {("L", 2): "IMREAD_REDUCED_GRAYSCALE_2", ("L", 4): "IMREAD_REDUCED_GRAYSCALE_4",
                  ("L", 8): "IMREAD_REDUCED_GRAYSCALE_8", ("RGB", 2): "IMREAD_REDUCED_COLOR_2",
                  ("RGB", 4): "IMREAD_REDUCED_COLOR_4", ("RGB", 8): "IMREAD_REDUCED_COLOR_8"}


def _decode_cv(data: np.ndarray, header: ImageHeader, scale: int = 1) -> np.ndarray | None:
    import cv2

    flags = cv2.IMREAD_UNCHANGED | cv2.IMREAD_IGNORE_ORIENTATION
    rgb = False  # the codec writes RGB itself (OpenCV >= 4.10): no conversion pass
    if header.format == "jpeg":
        flags = getattr(cv2, _REDUCED_FLAGS[header.mode, scale]) if scale > 1 else \
            (cv2.IMREAD_GRAYSCALE if header.mode == "L" else cv2.IMREAD_COLOR)
        if header.mode != "L" and hasattr(cv2, "IMREAD_COLOR_RGB"):
            flags = (flags & ~cv2.IMREAD_COLOR) | cv2.IMREAD_COLOR_RGB
            rgb = True
        flags |= cv2.IMREAD_IGNORE_ORIENTATION
    try:
        arr = cv2.imdecode(data, flags)
    except cv2.error:
        return None
    size = (-(-header.height // scale), -(-header.width // scale))
    if arr is None or arr.shape[:2] != size:
        return None
    if arr.ndim == 2:
        arr = arr[:, :, None]
    if arr.shape[2] == 3 and not rgb:
        arr = cv2.cvtColor(arr, cv2.COLOR_BGR2RGB)
    elif arr.shape[2] == 4:
        arr = cv2.cvtColor(arr, cv2.COLOR_BGRA2RGBA)
    if arr.dtype not in (np.uint8, np.uint16):
        return None
    return arr


def _decode_pil(path: Path) -> np.ndarray:
    with _open(path) as im:
        _load_frame(im, 0)
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
