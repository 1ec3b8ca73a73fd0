"""Weight-free features of one media file, registered per kind, for the probes and the
fidelity measures of `mediasynth evaluate`.

Every extractor maps a path to a 1-D float64 vector whose length depends only on the kind
(`feature_size`), so items of one kind stack into a matrix. Nothing here is learnt: the same
file always gives the same vector.

- image: a fixed-size thumbnail (`THUMB_PX` square, area-resampled, grayscale replicated to
  RGB, alpha dropped): gradient-orientation histograms (HOG), colour histograms
  (RGB per channel, saturation-weighted hue) with channel means and deviations, and texture
  statistics (gradient, Laplacian, local contrast, grey-level entropy, edge density).
- audio: mono at `AUDIO_RATE_HZ`: log-mel band means and deviations, MFCC means and
  deviations, spectral contrast means and deviations (librosa).
- video: the image features averaged over `KEYFRAME_FRACTIONS` of the clip, then its
  soundtrack's audio features (zeros and a 0 flag when it has none).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np

os.environ.setdefault("NO_ALBUMENTATIONS_UPDATE", "1")

THUMB_PX = 64
HOG_BINS = 9
AUDIO_RATE_HZ = 16000
AUDIO_MAX_S = 30.0
N_MELS = 40
N_MFCC = 20
KEYFRAME_FRACTIONS = (0.1, 0.5, 0.9)

FeatureFn = Callable[[Path], np.ndarray]
EXTRACTORS: dict[str, FeatureFn] = {}
DESCRIPTIONS: dict[str, str] = {}


def register(kind: str, description: str):
    """Register the feature extractor of a media kind (one per kind)."""
    def wrap(fn: FeatureFn) -> FeatureFn:
        EXTRACTORS[kind] = fn
        DESCRIPTIONS[kind] = description
        return fn
    return wrap


def features(kind: str, path: str | Path, box: tuple | None = None,
             window_s: tuple | None = None) -> np.ndarray:
    """The feature vector of the file at `path`, a `kind` item, of the `box` (x0, y0, x1,
    y1 pixels) of an image, or of the `window_s` (onset, offset seconds) of a recording: the
    same features as a whole file's, of the crop or the cut. MediaError when it does not
    decode (ValueError for a window outside the recording); KeyError for a kind without an
    extractor or a region it cannot cut."""
    if box is not None:
        if kind != "image":
            raise KeyError(f"{kind}: object crops are images only")
        return thumbnail_features(thumbnail_of(read_crop(Path(path), box)))
    if window_s is not None:
        if kind != "audio":
            raise KeyError(f"{kind}: event windows are audio only")
        return samples_features(read_window(Path(path), window_s))
    return EXTRACTORS[kind](Path(path))


def read_crop(path: Path, box: tuple) -> np.ndarray:
    """RGB uint8 pixels of `box` (x0, y0, x1, y1, continuous pixels) of an image, clamped
    to the frame, at least one pixel a side."""
    from mediasynth.io.image_io import read_image

    rgb = rgb_uint8(read_image(path).pixels)
    h, w = rgb.shape[:2]
    x0, y0 = min(max(int(np.floor(box[0])), 0), w - 1), min(max(int(np.floor(box[1])), 0), h - 1)
    x1, y1 = max(min(int(np.ceil(box[2])), w), x0 + 1), max(min(int(np.ceil(box[3])), h), y0 + 1)
    return np.ascontiguousarray(rgb[y0:y1, x0:x1])


def feature_set(kind: str) -> str:
    """What the features of `kind` are, in words (the label fidelity numbers carry)."""
    return DESCRIPTIONS[kind]


# --- images ------------------------------------------------------------------------------

def rgb_uint8(pixels: np.ndarray) -> np.ndarray:
    """H x W x 3 uint8 RGB of any `Image.pixels` (uint8/uint16/float32; 1, 3 or 4 channels)."""
    if pixels.dtype == np.uint16:
        pixels = (pixels >> 8).astype(np.uint8)
    elif pixels.dtype != np.uint8:
        pixels = np.clip(np.rint(pixels * 255.0), 0, 255).astype(np.uint8)
    if pixels.ndim == 2:
        pixels = pixels[:, :, None]
    if pixels.shape[2] == 1:
        pixels = np.repeat(pixels, 3, axis=2)
    return np.ascontiguousarray(pixels[:, :, :3])


def thumbnail_of(rgb: np.ndarray, size_px: int = THUMB_PX) -> np.ndarray:
    """A `size_px` square RGB uint8 thumbnail (area resampling; the aspect is not kept)."""
    import cv2

    interpolation = cv2.INTER_AREA if min(rgb.shape[:2]) >= size_px else cv2.INTER_LINEAR
    return cv2.resize(rgb, (size_px, size_px), interpolation=interpolation)


def read_thumbnail(path: Path, size_px: int = THUMB_PX) -> np.ndarray:
    from mediasynth.io.image_io import read_image

    return thumbnail_of(rgb_uint8(read_image(path).pixels), size_px)


HOG_CELL_PX = 8


def hog(gray: np.ndarray, cell_px: int = HOG_CELL_PX, bins: int = HOG_BINS) -> np.ndarray:
    """Histograms of oriented gradients (Dalal & Triggs; OpenCV 5 dropped its
    HOGDescriptor): unsigned orientations in `bins` bins with linear vote interpolation,
    `cell_px` square cells, 2 x 2-cell blocks on a 2-cell stride, L2-Hys normalised."""
    import cv2

    g = gray.astype(np.float32)
    gx = cv2.Sobel(g, cv2.CV_32F, 1, 0, ksize=1)
    gy = cv2.Sobel(g, cv2.CV_32F, 0, 1, ksize=1)
    magnitude = np.sqrt(gx * gx + gy * gy)
    angle = (np.degrees(np.arctan2(gy, gx)) % 180.0) / (180.0 / bins) - 0.5
    low = np.floor(angle).astype(np.int64)
    upper_share = (angle - low).astype(np.float32)
    cy, cx = gray.shape[0] // cell_px, gray.shape[1] // cell_px
    cells = np.zeros((cy, cx, bins), np.float64)
    crop = (slice(0, cy * cell_px), slice(0, cx * cell_px))
    cell_of = (np.arange(cy * cell_px)[:, None] // cell_px) * cx + (
        np.arange(cx * cell_px)[None, :] // cell_px)
    for offset, share in ((0, 1.0 - upper_share), (1, upper_share)):
        index = cell_of * bins + (low[crop] + offset) % bins
        cells += np.bincount(index.ravel(), (magnitude * share)[crop].ravel(),
                             minlength=cy * cx * bins).reshape(cy, cx, bins)
    by, bx = cy // 2, cx // 2
    blocks = cells[: by * 2, : bx * 2].reshape(by, 2, bx, 2, bins).transpose(0, 2, 1, 3, 4)
    blocks = blocks.reshape(by * bx, 4 * bins)
    blocks /= np.sqrt((blocks ** 2).sum(1, keepdims=True) + 1e-6)
    blocks = np.minimum(blocks, 0.2)
    blocks /= np.sqrt((blocks ** 2).sum(1, keepdims=True) + 1e-6)
    return blocks.ravel()


COLOUR_PX = 16
TEXTURE_PX = 32


def thumbnail_features(thumb: np.ndarray) -> np.ndarray:
    """HOG, colour and texture features of a THUMB_PX square RGB uint8 thumbnail. Colour is
    read from a COLOUR_PX and texture from a TEXTURE_PX area-averaged copy: pixel-level
    detail (sensor noise, JPEG blocks, chroma subsampling) barely moves them."""
    import cv2

    gray = cv2.cvtColor(thumb, cv2.COLOR_RGB2GRAY)
    gradients = hog(gray)
    small = cv2.resize(thumb, (COLOUR_PX, COLOUR_PX), interpolation=cv2.INTER_AREA)
    rgb = small.reshape(-1, 3).astype(np.float64) / 255.0
    colour_hist = np.concatenate([np.histogram(rgb[:, c], bins=16, range=(0, 1))[0]
                                  for c in range(3)]) / rgb.shape[0]
    hsv = cv2.cvtColor(small, cv2.COLOR_RGB2HSV).reshape(-1, 3).astype(np.float64)
    hue_hist = np.histogram(hsv[:, 0], bins=12, range=(0, 180), weights=hsv[:, 1] / 255.0)[0]
    hue_hist = hue_hist / rgb.shape[0]
    moments = np.concatenate([rgb.mean(0), rgb.std(0), [hsv[:, 1].mean() / 255.0,
                                                        hsv[:, 2].mean() / 255.0]])
    texture_gray = cv2.resize(gray, (TEXTURE_PX, TEXTURE_PX), interpolation=cv2.INTER_AREA)
    return np.concatenate([gradients, colour_hist, hue_hist, moments, _texture(texture_gray)])


def _texture(gray: np.ndarray) -> np.ndarray:
    import cv2

    g = gray.astype(np.float32) / 255.0
    gx = cv2.Sobel(g, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(g, cv2.CV_32F, 0, 1, ksize=3)
    magnitude = np.sqrt(gx * gx + gy * gy)
    laplacian = np.abs(cv2.Laplacian(g, cv2.CV_32F, ksize=3))
    mean = cv2.blur(g, (3, 3))
    local_std = np.sqrt(np.maximum(cv2.blur(g * g, (3, 3)) - mean * mean, 0))
    counts = np.bincount(gray.ravel() >> 3, minlength=32).astype(np.float64)
    p = counts[counts > 0] / counts.sum()
    edges = cv2.Canny(gray, 50, 150)
    return np.array([magnitude.mean(), magnitude.std(), laplacian.mean(), laplacian.std(),
                     local_std.mean(), local_std.std(), float(-(p * np.log2(p)).sum()) / 5.0,
                     float((edges > 0).mean()), float(g.mean()), float(g.std())], np.float64)


@register("image", f"image: HOG (9 bins, 8 px cells, 2 x 2-cell blocks) of a {THUMB_PX} px "
          f"thumbnail, RGB and hue histograms and colour moments at {COLOUR_PX} px, texture "
          f"statistics at {TEXTURE_PX} px")
def image_features(path: Path) -> np.ndarray:
    return thumbnail_features(read_thumbnail(path))


# --- audio -------------------------------------------------------------------------------

def mono_at_rate(path: Path, rate_hz: int = AUDIO_RATE_HZ,
                 max_s: float = AUDIO_MAX_S) -> np.ndarray:
    """The first `max_s` seconds of a recording, mixed to mono and resampled to `rate_hz`."""
    import librosa

    from mediasynth.io.audio_io import read_audio

    audio = read_audio(path)
    mono = np.asarray(audio.samples, np.float32).mean(axis=0)
    mono = mono[: int(max_s * audio.sample_rate)]
    if audio.sample_rate != rate_hz:
        mono = librosa.resample(mono, orig_sr=audio.sample_rate, target_sr=rate_hz,
                                res_type="soxr_hq")
    return np.ascontiguousarray(mono, np.float32)


def log_mel(mono: np.ndarray, rate_hz: int = AUDIO_RATE_HZ) -> np.ndarray:
    """N_MELS x frames log-mel power (dB, 25 ms windows, 10 ms hop)."""
    import librosa

    if mono.size < 512:
        mono = np.pad(mono, (0, 512 - mono.size))
    mel = librosa.feature.melspectrogram(y=mono, sr=rate_hz, n_fft=512, win_length=400,
                                         hop_length=160, n_mels=N_MELS, power=2.0)
    return librosa.power_to_db(mel + 1e-10, ref=1.0, top_db=None)


WINDOW_FILE_MAX_S = 3600.0


@functools.lru_cache(maxsize=2)
def _whole_mono(path: Path, mtime_ns: int) -> np.ndarray:
    return mono_at_rate(path, max_s=WINDOW_FILE_MAX_S)


def read_window(path: Path, window_s: tuple) -> np.ndarray:
    """Mono samples at AUDIO_RATE_HZ of (onset, offset) seconds of a recording (the offset
    clamped to its end). The decoded recording is kept for the next window of the same file
    (an event table's windows come file by file). ValueError when the window starts at or
    after the recording's end."""
    mono = _whole_mono(path, path.stat().st_mtime_ns)
    start = int(round(float(window_s[0]) * AUDIO_RATE_HZ))
    stop = min(int(round(float(window_s[1]) * AUDIO_RATE_HZ)), mono.size)
    if start >= stop:
        raise ValueError(f"event window {window_s[0]:g}-{window_s[1]:g} s is outside the "
                         f"recording ({mono.size / AUDIO_RATE_HZ:g} s)")
    return np.ascontiguousarray(mono[start:stop])


def samples_features(mono: np.ndarray, rate_hz: int = AUDIO_RATE_HZ) -> np.ndarray:
    import librosa

    mel_db = log_mel(mono, rate_hz)
    mfcc = librosa.feature.mfcc(S=mel_db, n_mfcc=N_MFCC)
    padded = mono if mono.size >= 512 else np.pad(mono, (0, 512 - mono.size))
    contrast = librosa.feature.spectral_contrast(y=padded, sr=rate_hz, n_fft=512,
                                                 hop_length=160, n_bands=6, fmin=100.0)
    parts = [mel_db.mean(1), mel_db.std(1), mfcc.mean(1), mfcc.std(1), contrast.mean(1),
             contrast.std(1)]
    return np.concatenate(parts).astype(np.float64)


AUDIO_SIZE = 2 * N_MELS + 2 * N_MFCC + 2 * 7


@register("audio", f"audio: log-mel ({N_MELS} bands), MFCC ({N_MFCC}) and spectral-contrast "
          f"means and deviations at {AUDIO_RATE_HZ} Hz (librosa)")
def audio_features(path: Path) -> np.ndarray:
    return samples_features(mono_at_rate(path))


# --- video -------------------------------------------------------------------------------

def video_keyframes(path: Path) -> list[np.ndarray]:
    """THUMB_PX square thumbnails of the clip at KEYFRAME_FRACTIONS of its duration."""
    from mediasynth.core.errors import MediaError
    from mediasynth.video.keyframes import keyframes

    try:
        frames = keyframes(path, KEYFRAME_FRACTIONS, width_px=2 * THUMB_PX)
    except Exception as exc:  # PyAV raises its own errors for damaged streams
        raise MediaError("unreadable", f"video frames do not decode: {exc}") from None
    if not frames:
        raise MediaError("unreadable", "video has no decodable frame")
    return [thumbnail_of(rgb_uint8(f)) for f in frames]


@register("video", "video: the image features averaged over keyframes at 10/50/90 % of the "
          "clip, then its soundtrack's audio features and a has-audio flag")
def video_features(path: Path) -> np.ndarray:
    from mediasynth.core.errors import MediasynthError

    image = np.mean([thumbnail_features(f) for f in video_keyframes(path)], axis=0)
    try:
        sound, flag = audio_features(path), 1.0
    except MediasynthError:
        sound, flag = np.zeros(AUDIO_SIZE), 0.0
    return np.concatenate([image, sound, [flag]])


# --- network inputs ----------------------------------------------------------------------

CNN_THUMB_PX = 32
CNN_FRAMES = 100  # 1 s of log-mel frames at a 10 ms hop


def network_input(kind: str, path: str | Path, box: tuple | None = None,
                  window_s: tuple | None = None) -> np.ndarray:
    """What the `cnn` probe sees of one item, float32 channels-first: a CNN_THUMB_PX square
    RGB thumbnail in [0, 1] (images, an object's crop; a video's middle keyframe), or a
    N_MELS x CNN_FRAMES log-mel patch from the middle of a recording or an event's window
    (dB / 80, padded with silence)."""
    path = Path(path)
    if box is not None:
        return thumbnail_input(read_crop(path, box))
    if window_s is not None:
        if kind != "audio":
            raise KeyError(f"{kind}: event windows are audio only")
        return mel_patch_input(read_window(path, window_s))
    if kind == "audio":
        return mel_patch_input(mono_at_rate(path))
    if kind == "video":
        frames = video_keyframes(path)
        return thumbnail_input(frames[len(frames) // 2])
    if kind == "image":
        return thumbnail_input(rgb_uint8(read_thumbnail(path, CNN_THUMB_PX)))
    raise KeyError(kind)


def thumbnail_input(rgb: np.ndarray) -> np.ndarray:
    """3 x CNN_THUMB_PX x CNN_THUMB_PX float32 in [0, 1] of RGB uint8 pixels."""
    thumb = thumbnail_of(rgb, CNN_THUMB_PX)
    return (thumb.astype(np.float32) / 255.0).transpose(2, 0, 1).copy()


def mel_patch_input(mono: np.ndarray) -> np.ndarray:
    """1 x N_MELS x CNN_FRAMES float32: the log-mel patch (dB / 80) from the middle of mono
    samples at AUDIO_RATE_HZ, padded with its quietest value when shorter."""
    mel = log_mel(mono) / 80.0
    frames = mel.shape[1]
    if frames >= CNN_FRAMES:
        start = (frames - CNN_FRAMES) // 2
        mel = mel[:, start:start + CNN_FRAMES]
    else:
        mel = np.pad(mel, ((0, 0), (0, CNN_FRAMES - frames)), constant_values=mel.min())
    return mel[None].astype(np.float32)


def sample_input(kind: str, sample: dict) -> np.ndarray:
    """`network_input` of a `MediaDataset` sample (an item as the loader augmented it):
    "image" pixels, "audio" samples at "sample_rate", or the middle frame of "video"."""
    import librosa

    if kind == "image":
        return thumbnail_input(rgb_uint8(np.asarray(sample["image"])))
    if kind == "video":
        frames = np.asarray(sample["video"])
        return thumbnail_input(rgb_uint8(frames[len(frames) // 2]))
    if kind == "audio":
        mono = np.asarray(sample["audio"], np.float32).mean(axis=0)
        mono = mono[: int(AUDIO_MAX_S * sample["sample_rate"])]
        if sample["sample_rate"] != AUDIO_RATE_HZ:
            mono = librosa.resample(mono, orig_sr=sample["sample_rate"],
                                    target_sr=AUDIO_RATE_HZ, res_type="soxr_hq")
        return mel_patch_input(np.ascontiguousarray(mono, np.float32))
    raise KeyError(kind)
