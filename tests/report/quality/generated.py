"""Generated datasets for the evaluate tests: photo-like procedural textures cut into
crops, tinted classes, clean and noisy recordings, shapes drawn on texture backgrounds; and
a helper that expands a tree into an OUT through the real engine."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

os.environ.setdefault("NO_ALBUMENTATIONS_UPDATE", "1")

import cv2  # noqa: E402

TEXTURES = ("bark", "clouds", "gravel", "waves")


def _noise(rng: np.random.Generator, size: int, sigma_xy: tuple[float, float]) -> np.ndarray:
    field = rng.standard_normal((size, size)).astype(np.float32)
    field = cv2.GaussianBlur(field, (0, 0), sigmaX=sigma_xy[0], sigmaY=sigma_xy[1])
    field -= field.mean()
    return field / (field.std() + 1e-6)


def photo(texture: str, rng: np.random.Generator, size: int = 192,
          distinct: float = 1.0) -> np.ndarray:
    """A photo-like RGB uint8 scene of one texture family: filtered noise at several scales
    (1/f-like), a family-specific structure (its share of the texture: `distinct`), a
    palette and uneven lighting."""
    detail = 0.6 * _noise(rng, size, (2.0, 2.0)) + 0.4 * _noise(rng, size, (6.0, 6.0))
    if texture == "bark":
        base = _noise(rng, size, (2.0, 12.0)) + 0.3 * detail
        palette = np.array([0.45, 0.32, 0.22])
    elif texture == "clouds":
        base = _noise(rng, size, (10.0, 10.0)) + 0.5 * _noise(rng, size, (4.0, 4.0))
        palette = np.array([0.55, 0.62, 0.72])
    elif texture == "gravel":
        base = _noise(rng, size, (2.5, 2.5)) + 0.3 * detail
        palette = np.array([0.52, 0.50, 0.47])
    else:  # waves
        yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
        angle = rng.uniform(0.5, 1.0)
        base = np.sin((xx * np.cos(angle) + yy * np.sin(angle)) / 3.0) + 0.5 * detail
        palette = np.array([0.30, 0.48, 0.52])
    base = (base - base.mean()) / (base.std() + 1e-6)
    base = distinct * base + (1.0 - distinct) * detail
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32) / size
    light = 1.0 + 0.25 * (xx * rng.uniform(-1, 1) + yy * rng.uniform(-1, 1))
    tint = palette * rng.uniform(0.9, 1.1, 3)
    rgb = (tint[None, None, :] + 0.14 * base[..., None]) * light[..., None]
    return np.clip(np.rint(rgb * 255), 0, 255).astype(np.uint8)


def crops(image: np.ndarray, n: int, rng: np.random.Generator, size: int = 48) -> list:
    h, w = image.shape[:2]
    out = []
    for _ in range(n):
        y, x = rng.integers(0, h - size), rng.integers(0, w - size)
        out.append(image[y:y + size, x:x + size].copy())
    return out


def darken_cast(rgb: np.ndarray) -> np.ndarray:
    """The test nuisance: 45 % of the light and a blue colour cast."""
    out = rgb.astype(np.float32) * 0.45 * np.array([0.8, 0.95, 1.3], np.float32)
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


def write_png(path: Path, rgb: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if rgb.ndim == 2 or rgb.shape[2] == 1:
        ok, buf = cv2.imencode(".png", rgb)
    else:
        ok, buf = cv2.imencode(".png", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    assert ok
    path.write_bytes(buf.tobytes())


def texture_tree(root: Path, *, per_class: int, seed: int, nuisance=None,
                 photos_per_class: int = 4, distinct: float = 1.0) -> Path:
    """root/<texture>/<n>.png crops of `photos_per_class` photos per class, with
    `nuisance` applied when given."""
    rng = np.random.default_rng(seed)
    for texture in TEXTURES:
        scenes = [photo(texture, rng, distinct=distinct) for _ in range(photos_per_class)]
        for i in range(per_class):
            crop = crops(scenes[i % photos_per_class], 1, rng)[0]
            write_png(root / texture / f"{i:03d}.png", nuisance(crop) if nuisance else crop)
    return root


def expand_tree(src: Path, out: Path, config: dict) -> Path:
    """Expand SRC into OUT through the engine (one worker), as `mediasynth expand` does."""
    from mediasynth.core.config import pipeline_from_config
    from mediasynth.engine.run import ExpandOptions, expand

    result = expand(src, out, pipeline_from_config(config),
                    ExpandOptions(workers=1, quiet=True, previews=False))
    assert result.exit_code == 0, result.problems[:3]
    return out


TINTS = {"red": (1.25, 0.9, 0.85), "green": (0.88, 1.2, 0.9), "blue": (0.85, 0.92, 1.25)}


def tint_tree(root: Path, *, per_class: int, seed: int) -> Path:
    """root/<tint>/<n>.png: the same texture families in every class; only the tint tells
    the classes apart."""
    rng = np.random.default_rng(seed)
    scenes = [photo(TEXTURES[i % len(TEXTURES)], rng) for i in range(8)]
    for name, gains in TINTS.items():
        for i in range(per_class):
            gray = crops(scenes[rng.integers(len(scenes))], 1, rng)[0].mean(2, keepdims=True)
            rgb = np.clip(gray * np.array(gains) * rng.uniform(0.9, 1.1), 0, 255)
            write_png(root / name / f"{i:03d}.png", rgb.astype(np.uint8))
    return root


SOUNDS = ("hum", "chirp", "clicks", "bell")
RATE_HZ = 16000


def sound(name: str, rng: np.random.Generator, seconds: float = 0.5) -> np.ndarray:
    """A clean mono recording of one sound family, with its own pitch and timing."""
    t = np.arange(int(RATE_HZ * seconds)) / RATE_HZ
    if name == "hum":
        f0 = rng.uniform(110, 220)
        x = sum(np.sin(2 * np.pi * f0 * k * t + rng.uniform(0, 6)) / k for k in range(1, 6))
    elif name == "chirp":
        f0, f1 = rng.uniform(300, 600), rng.uniform(2000, 4000)
        x = np.sin(2 * np.pi * (f0 * t + (f1 - f0) * t * t / (2 * seconds)))
    elif name == "clicks":
        x = np.zeros_like(t)
        period = int(RATE_HZ / rng.uniform(8, 20))
        x[rng.integers(0, period)::period] = 1.0
        x = np.convolve(x, np.exp(-np.arange(80) / 10.0), mode="same")
    else:  # bell
        f0 = rng.uniform(800, 1400)
        x = (np.sin(2 * np.pi * f0 * t) + 0.5 * np.sin(2 * np.pi * 2.76 * f0 * t)) * np.exp(
            -t * rng.uniform(4, 9))
    x = x / (np.abs(x).max() + 1e-9) * rng.uniform(0.3, 0.7)
    return x.astype(np.float32)


def with_noise(x: np.ndarray, snr_db: float, rng: np.random.Generator) -> np.ndarray:
    noise = rng.standard_normal(x.size).astype(np.float32)
    noise *= np.sqrt(np.mean(x ** 2) / 10 ** (snr_db / 10) / np.mean(noise ** 2))
    return np.clip(x + noise, -1, 1).astype(np.float32)


def sound_tree(root: Path, *, per_class: int, seed: int, snr_db_range=None) -> Path:
    """root/<sound>/<n>.wav, clean or with white noise at an SNR drawn from `snr_db_range`."""
    import soundfile as sf

    rng = np.random.default_rng(seed)
    for name in SOUNDS:
        (root / name).mkdir(parents=True, exist_ok=True)
        for i in range(per_class):
            x = sound(name, rng)
            if snr_db_range:
                x = with_noise(x, rng.uniform(*snr_db_range), rng)
            sf.write(root / name / f"{i:03d}.wav", x, RATE_HZ, subtype="PCM_16")
    return root


SHAPES = ("circle", "square", "triangle")


def drawn_shapes_tree(root: Path, *, per_class: int, seed: int, size_px: int = 48,
                      real_photos: bool = False) -> Path:
    """root/<shape>/<n>.png: one filled shape drawn by OpenCV on a crop of a texture photo,
    or with `real_photos` of one of scikit-learn's two bundled photographs (the "real"
    renderings a TSTR test scores a synthetic training set on)."""
    rng = np.random.default_rng(seed)
    if real_photos:
        from sklearn.datasets import load_sample_images

        scenes = [np.ascontiguousarray(im[y:y + 192, x:x + 192])
                  for im in load_sample_images().images for y, x in
                  ((0, 0), (120, 200), (230, 420), (200, 60))]
    else:
        scenes = [photo(TEXTURES[i % len(TEXTURES)], rng) for i in range(8)]
    for name in SHAPES:
        for i in range(per_class):
            bgr = np.ascontiguousarray(crops(scenes[rng.integers(8)], 1, rng, size_px)[0][..., ::-1])
            colour = tuple(int(c) for c in rng.integers(0, 256, 3))
            cx, cy = rng.integers(size_px // 3, 2 * size_px // 3, 2)
            r = int(rng.uniform(0.18, 0.3) * size_px)
            if name == "circle":
                cv2.circle(bgr, (int(cx), int(cy)), r, colour, -1, cv2.LINE_AA)
            elif name == "square":
                cv2.rectangle(bgr, (int(cx - r), int(cy - r)), (int(cx + r), int(cy + r)),
                              colour, -1, cv2.LINE_AA)
            else:
                pts = np.array([[cx, cy - r], [cx - r, cy + r], [cx + r, cy + r]], np.int32)
                cv2.fillPoly(bgr, [pts], colour, cv2.LINE_AA)
            write_png(root / name / f"{i:03d}.png", np.ascontiguousarray(bgr[..., ::-1]))
    return root


def strong_cast(rgb: np.ndarray) -> np.ndarray:
    """A harder test nuisance: 35 % of the light and a strong blue cast."""
    out = rgb.astype(np.float32) * 0.35 * np.array([0.75, 0.95, 1.4], np.float32)
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


def photo_crop_tree(root: Path, *, per_class: int, seed: int, nuisance=None) -> Path:
    """root/<class>/<n>.png: crops (48-120 px, resized to 48 px) of real photographs, the two
    bundled with scikit-learn; a class is the top or bottom half of one photo."""
    from sklearn.datasets import load_sample_images

    rng = np.random.default_rng(seed)
    halves = {}
    for name, image in zip(("china", "flower"), load_sample_images().images):
        h = image.shape[0]
        halves[f"{name}_top"], halves[f"{name}_bottom"] = image[: h // 2], image[h // 2:]
    for cls, image in halves.items():
        for i in range(per_class):
            size = int(rng.integers(48, 120))
            y = rng.integers(0, image.shape[0] - size)
            x = rng.integers(0, image.shape[1] - size)
            crop = cv2.resize(np.ascontiguousarray(image[y:y + size, x:x + size]), (48, 48),
                              interpolation=cv2.INTER_AREA)
            write_png(root / cls / f"{i:03d}.png", nuisance(crop) if nuisance else crop)
    return root


def coco_shapes_tree(root: Path, *, images: int, seed: int, size_px: int = 96) -> Path:
    """A COCO dataset: `images` texture photos with 2-3 filled shapes each (circle, square,
    triangle), root/images/*.png and root/annotations/instances_default.json."""
    import json

    rng = np.random.default_rng(seed)
    scenes = [photo(TEXTURES[i % len(TEXTURES)], rng) for i in range(4)]
    coco = {"images": [], "annotations": [],
            "categories": [{"id": i + 1, "name": n} for i, n in enumerate(SHAPES)]}
    for k in range(images):
        bgr = np.ascontiguousarray(crops(scenes[k % 4], 1, rng, size_px)[0][..., ::-1])
        for _ in range(int(rng.integers(2, 4))):
            c = int(rng.integers(3))
            r = int(rng.integers(8, 14))
            cx, cy = (int(v) for v in rng.integers(r, size_px - r, 2))
            colour = tuple(int(v) for v in rng.integers(0, 256, 3))
            if c == 0:
                cv2.circle(bgr, (cx, cy), r, colour, -1, cv2.LINE_AA)
            elif c == 1:
                cv2.rectangle(bgr, (cx - r, cy - r), (cx + r, cy + r), colour, -1)
            else:
                pts = np.array([[cx, cy - r], [cx - r, cy + r], [cx + r, cy + r]], np.int32)
                cv2.fillPoly(bgr, [pts], colour, cv2.LINE_AA)
            coco["annotations"].append({"id": len(coco["annotations"]) + 1, "image_id": k + 1,
                                        "category_id": c + 1, "iscrowd": 0,
                                        "bbox": [cx - r, cy - r, 2 * r, 2 * r],
                                        "area": 4 * r * r})
        write_png(root / "images" / f"{k:03d}.png", np.ascontiguousarray(bgr[..., ::-1]))
        coco["images"].append({"id": k + 1, "file_name": f"{k:03d}.png", "width": size_px,
                               "height": size_px})
    (root / "annotations").mkdir(parents=True, exist_ok=True)
    (root / "annotations" / "instances_default.json").write_text(json.dumps(coco))
    return root


def events_tree(root: Path, *, recordings: int, seed: int, snr_db_range=None,
                seconds: float = 4.0, subset: str = "train") -> Path:
    """A DCASE 2019+ style sound-event dataset: root/audio/<subset>/*.wav and
    root/metadata/<subset>.tsv (`filename onset offset event_label`). Each recording is a
    quiet brown-noise ambience with 2-4 events of the SOUNDS families (0.3-0.9 s, placed at
    random, so some overlap); every tenth has no event (one row with empty columns, as DCASE
    writes it). With `snr_db_range`, white noise at an SNR drawn from it (against the
    recording's mean power) covers the whole recording."""
    import soundfile as sf

    rng = np.random.default_rng(seed)
    n = int(RATE_HZ * seconds)
    lines = ["filename\tonset\toffset\tevent_label"]
    (root / "audio" / subset).mkdir(parents=True, exist_ok=True)
    for k in range(recordings):
        brown = np.cumsum(rng.standard_normal(n)).astype(np.float32)
        brown -= np.convolve(brown, np.ones(801) / 801, mode="same")
        x = 0.02 * brown / (np.abs(brown).max() + 1e-9)
        name = f"rec_{k:03d}.wav"
        events = [] if k % 10 == 9 else range(int(rng.integers(2, 5)))
        for _ in events:
            label = SOUNDS[int(rng.integers(len(SOUNDS)))]
            length_s = float(rng.uniform(0.3, 0.9))
            onset_s = float(rng.uniform(0.0, seconds - length_s))
            clip = sound(label, rng, length_s)
            start = int(round(onset_s * RATE_HZ))
            x[start:start + clip.size] += clip
            lines.append(f"{name}\t{onset_s:.3f}\t{onset_s + length_s:.3f}\t{label}")
        if not events:
            lines.append(f"{name}\t\t\t")
        if snr_db_range:
            x = with_noise(x, rng.uniform(*snr_db_range), rng)
        sf.write(root / "audio" / subset / name, np.clip(x, -1, 1), RATE_HZ,
                 subtype="PCM_16")
    (root / "metadata").mkdir(parents=True, exist_ok=True)
    (root / "metadata" / f"{subset}.tsv").write_text("\n".join(lines) + "\n")
    return root
