"""Where a loader item's CPU time goes: mediasynth's stages next to albumentations' on the
loader bench's pipeline (bench/loader.py), in one process, stage by stage, item by item,
interleaved, `--repeats` passes (medians of CPU ms per item), and what decoding at size
buys on larger photos.

    python bench/data.py --only photos      # once
    python bench/loader_stages.py [--repeats 5]

A diagnostic, not a ratio against an anchor: bench/loader.py times the DataLoader.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import DATA, median, single_thread_env  # noqa: E402

single_thread_env()
PIPELINE = {"version": 1, "image": [
    {"type": "image.random_resized_crop", "width": 224, "height": 224},
    {"type": "image.flip_horizontal", "p": 0.5},
    {"type": "image.color_jitter", "brightness": 0.2, "contrast": 0.2, "saturation": 0.2}]}


def _cpu_per_item(stages: dict, count: int, repeats: int) -> dict[str, float]:
    """Median over repeats of each stage's CPU ms per item (stages interleaved per item)."""
    runs: dict[str, list[float]] = {name: [] for name in stages}
    for _ in range(repeats):
        spent = dict.fromkeys(stages, 0.0)
        for i in range(count):
            for name, fn in stages.items():
                start = time.process_time()
                fn(i)
                spent[name] += time.process_time() - start
        for name in stages:
            runs[name].append(1000 * spent[name] / count)
    return {name: median(v) for name, v in runs.items()}


def loader_stages(src: Path, repeats: int) -> None:
    import albumentations as A
    import cv2

    from mediasynth.core.config import Budgets, pipeline_from_config
    from mediasynth.image.render import FileSource, decode_scale, render
    from mediasynth.io.image_io import check_header, read_image
    from mediasynth.loaders import MediaDataset

    cv2.setNumThreads(1)
    pipeline = pipeline_from_config(PIPELINE)
    chain, budgets = pipeline.image, Budgets()
    ds = MediaDataset(src, pipeline, kinds=("image",))
    paths = [Path(item.path) for item in ds.items]
    headers = [check_header(p) for p in paths]
    decoded = [read_image(p) for p in paths]
    rgb = [cv2.cvtColor(cv2.imread(str(p)), cv2.COLOR_BGR2RGB) for p in paths]
    aug = A.Compose([A.RandomResizedCrop(size=(224, 224)), A.HorizontalFlip(p=0.5),
                     A.ColorJitter(brightness=0.2, contrast=0.2, saturation=0.2, hue=0.0)])
    stages = {
        "albumentations: cv2.imread + BGR->RGB": lambda i: cv2.cvtColor(
            cv2.imread(str(paths[i])), cv2.COLOR_BGR2RGB),
        "albumentations: A.Compose": lambda i: aug(image=rgb[i]),
        "albumentations: whole item": lambda i: aug(image=cv2.cvtColor(
            cv2.imread(str(paths[i])), cv2.COLOR_BGR2RGB)),
        "mediasynth: header check (budgets, truncation)": lambda i: check_header(paths[i]),
        "mediasynth: decode (straight to RGB)": lambda i: read_image(paths[i],
                                                                     header=headers[i]),
        "mediasynth: per-item generator": ds.rng,
        "mediasynth: decode-scale probe": lambda i: decode_scale(
            chain, FileSource(paths[i], headers[i]), rng=ds.rng(i)),
        "mediasynth: chain (crop, flip, jitter)": lambda i: chain.run(decoded[i], ds.rng(i)),
        "mediasynth: render (header + decode + chain)": lambda i: render(
            chain, FileSource.open(paths[i], budgets), rng=ds.rng(i)),
        "mediasynth: whole item (MediaDataset[i])": ds.__getitem__,
    }
    costs = _cpu_per_item(stages, len(paths), repeats)
    print(f"### Loader item stages, {len(paths)} photos, CPU ms per item (median of "
          f"{repeats})\n\n| stage | CPU ms/item |\n| --- | ---: |")
    for name, ms in costs.items():
        print(f"| {name} | {ms:.3f} |")
    whole = costs["mediasynth: whole item (MediaDataset[i])"]
    theirs = costs["albumentations: whole item"]
    print(f"\nalbumentations whole item / mediasynth whole item: {theirs / whole:.2f}x\n")


def _window(px):
    h, w = px.shape[:2]
    return px[h // 10: h // 10 + int(h * 0.8), w // 10: w // 10 + int(w * 0.8)]


def _decode_row(path: Path, repeats: int) -> list[str]:
    """CPU ms of: the full decode, the window's resize from it, and 1/2, 1/4, 1/8 decodes
    plus the window's resize from them."""
    from mediasynth.image.functional.geometric import resize
    from mediasynth.io.image_io import check_header, read_image

    header = check_header(path)
    full = read_image(path, header=header).pixels

    def reduced(scale):
        px = read_image(path, reduce=scale, header=header).pixels
        return resize(_window(px), width=224, height=224)

    fns = [lambda: read_image(path, header=header),
           lambda: resize(_window(full), width=224, height=224),
           lambda: reduced(2), lambda: reduced(4), lambda: reduced(8)]
    cells = []
    for fn in fns:
        runs = []
        for _ in range(repeats):
            start = time.process_time()
            for _ in range(10):
                fn()
            runs.append(100 * (time.process_time() - start))
        cells.append(f"{median(runs):.2f}")
    return cells


def decode_at_size(repeats: int) -> None:
    """On larger photo-like JPEGs (a bench photo upscaled, then JPEG q90)."""
    import cv2

    cv2.setNumThreads(1)
    print("### Decode at size: one 80 % window to 224 x 224, CPU ms (median of "
          f"{repeats} x 10)\n")
    print("| photo | full decode | resize from the full decode | 1/2 decode + resize | "
          "1/4 decode + resize | 1/8 decode + resize |\n| --- | ---: | ---: | ---: | ---: | "
          "---: |")
    photo = cv2.imread(str(sorted((DATA / "photos").rglob("*.jpg"))[0]))
    with tempfile.TemporaryDirectory() as tmp:
        for width, height in ((1280, 960), (4000, 3000)):
            path = Path(tmp) / f"photo_{width}.jpg"
            cv2.imwrite(str(path), cv2.resize(photo, (width, height),
                                              interpolation=cv2.INTER_CUBIC),
                        [cv2.IMWRITE_JPEG_QUALITY, 90])
            print(f"| {width}x{height} | " + " | ".join(_decode_row(path, repeats)) + " |")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--src", type=Path, default=DATA / "photos")
    args = parser.parse_args()
    if not any(args.src.rglob("*.jpg")):
        raise SystemExit("no photos: run `python bench/data.py --only photos` first")
    loader_stages(args.src, args.repeats)
    decode_at_size(args.repeats)


if __name__ == "__main__":
    main()
