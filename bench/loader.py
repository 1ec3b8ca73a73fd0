"""Training-loader throughput against anchors on the same pipeline and photos.

    python bench/data.py --only photos
    python bench/loader.py [--repeats 2] [--passes 3] [--torchvision-python PATH]

Pipeline (each runner's own spelling of it): random resized crop to 224 x 224 (scale
0.08-1, ratio 3/4-4/3), horizontal flip p=0.5, colour jitter brightness/contrast/saturation
0.2; every batch ends as a float32 (32, 3, 224, 224) tensor in [0, 1] and int64 labels.

Runners, each a fresh process per measurement (imports, dataset set-up and DataLoader
worker start included in the first-batch latency):

- mediasynth: `MediaDataset(photos, pipeline)` + `DataLoader(collate_fn=collate)`.
- albumentations: a plain `torch.utils.data.Dataset` doing `cv2.imread` + BGR->RGB +
  `A.Compose([RandomResizedCrop, HorizontalFlip, ColorJitter(hue=0), ToFloat, ToTensorV2])`,
  default collate.
- torchvision v2: `ImageFolder` (PIL decode) + `v2.Compose([RandomResizedCrop,
  RandomHorizontalFlip, ColorJitter, ToImage, ToDtype(float32, scale=True)])`, default
  collate. Run by `--torchvision-python` (a Python whose torchvision imports beside a torch
  of the matching version; left out when none is found).

Each runner reads the photos `--passes` times in one DataLoader pass (batch 32, shuffled
with a fixed generator), at 0 and 2 workers. Reported: items/s after the first batch (the
steady rate), CPU ms per item over the same span (the main process and its workers, from
/proc: the steadier figure on a machine shared with other jobs; its ratio is the
runner's CPU per item over mediasynth's, so above 1 means mediasynth needs less), and the
first batch's latency from the process's start of work. Runner order
is reversed every other repeat (ABBA); every repeat is printed, and the ratios use medians.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import DATA, RESULTS, compile_package, machine, median, single_thread_env  # noqa: E402

single_thread_env()
BATCH = 32
SIZE = 224
RUNNERS = ("mediasynth", "albumentations", "torchvision v2")

# torchvision's PyPI wheels are CUDA builds: beside a CPU torch of the same version their
# C++ ops library does not load, and torchvision 0.28's import then fails registering fake
# kernels for two of those ops. The transforms and ImageFolder used here are pure Python:
# declaring the two op schemas first lets the import through (no op is ever called).
TORCHVISION_SHIM = """
import torch
try:
    import torchvision  # noqa: F401
except RuntimeError:
    _lib = torch.library.Library("torchvision", "DEF")
    for _op in ("nms", "qnms"):
        _lib.define(f"{_op}(Tensor dets, Tensor scores, float iou_threshold) -> Tensor")
    for _name in [m for m in sys.modules if m.startswith("torchvision")]:
        del sys.modules[_name]
    import torchvision  # noqa: F401
"""


def _items(src: Path) -> list[tuple[str, int]]:
    classes = sorted(p.name for p in src.iterdir() if p.is_dir())
    return [(str(path), classes.index(path.parent.name))
            for path in sorted(src.rglob("*.jpg"))]


def _cpu_s(pids: list[int]) -> float:
    """User + system CPU seconds of the given processes (Linux /proc)."""
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


def _time_loader(loader, started: float) -> dict:
    """Items/s and CPU ms per item (this process and its DataLoader workers) from the
    first batch to the last, and the first batch's latency."""
    it = iter(loader)
    batches = len(loader)
    pids = [os.getpid()] + [w.pid for w in getattr(it, "_workers", [])]
    items = 0
    for n in range(1, batches + 1):
        batch = next(it)
        images = batch["image"] if isinstance(batch, dict) else batch[0]
        assert images.shape[1:] == (3, SIZE, SIZE) and images.dtype.is_floating_point
        if n == 1:
            first = time.perf_counter()
            cpu0 = _cpu_s(pids)
        else:
            items += images.shape[0]
    end = time.perf_counter()
    cpu = _cpu_s(pids) - cpu0
    del it
    return {"first_batch_s": first - started, "items_per_s": items / (end - first),
            "cpu_ms_per_item": 1000 * cpu / items, "items": items + BATCH}


def _indices(n: int, passes: int) -> list[int]:
    import torch

    g = torch.Generator().manual_seed(0)
    return [int(i) for _ in range(passes) for i in torch.randperm(n, generator=g)]


def run_mediasynth(src: Path, workers: int, passes: int, started: float) -> dict:
    import torch
    from torch.utils.data import DataLoader

    from mediasynth.core.config import pipeline_from_config
    from mediasynth.loaders import MediaDataset
    from mediasynth.loaders.torch import collate

    pipeline = pipeline_from_config({"version": 1, "image": [
        {"type": "image.random_resized_crop", "width": SIZE, "height": SIZE},
        {"type": "image.flip_horizontal", "p": 0.5},
        {"type": "image.color_jitter", "brightness": 0.2, "contrast": 0.2,
         "saturation": 0.2}]})
    ds = MediaDataset(src, pipeline, kinds=("image",))
    loader = DataLoader(ds, batch_size=BATCH, num_workers=workers, collate_fn=collate,
                        sampler=_indices(len(ds), passes))
    torch.set_num_threads(1)
    return _time_loader(loader, started)


def run_albumentations(src: Path, workers: int, passes: int, started: float) -> dict:
    import albumentations as A
    import cv2
    import torch
    from albumentations.pytorch import ToTensorV2
    from torch.utils.data import DataLoader, Dataset

    items = _items(src)
    aug = A.Compose([A.RandomResizedCrop(size=(SIZE, SIZE)), A.HorizontalFlip(p=0.5),
                     A.ColorJitter(brightness=0.2, contrast=0.2, saturation=0.2, hue=0.0),
                     A.ToFloat(max_value=255), ToTensorV2()])

    class Photos(Dataset):
        def __len__(self):
            return len(items)

        def __getitem__(self, i):
            path, label = items[i]
            img = cv2.cvtColor(cv2.imread(path), cv2.COLOR_BGR2RGB)
            return aug(image=img)["image"], label

    loader = DataLoader(Photos(), batch_size=BATCH, num_workers=workers,
                        sampler=_indices(len(items), passes))
    torch.set_num_threads(1)
    return _time_loader(loader, started)


def run_torchvision(src: Path, workers: int, passes: int, started: float) -> dict:
    exec(TORCHVISION_SHIM, {"sys": sys})
    import torch
    from torch.utils.data import DataLoader
    from torchvision.datasets import ImageFolder
    from torchvision.transforms import v2

    tf = v2.Compose([v2.RandomResizedCrop(SIZE), v2.RandomHorizontalFlip(),
                     v2.ColorJitter(brightness=0.2, contrast=0.2, saturation=0.2),
                     v2.ToImage(), v2.ToDtype(torch.float32, scale=True)])
    ds = ImageFolder(str(src), transform=tf)
    loader = DataLoader(ds, batch_size=BATCH, num_workers=workers,
                        sampler=_indices(len(ds), passes))
    torch.set_num_threads(1)
    return _time_loader(loader, started)


def run_one(name: str, src: Path, workers: int, passes: int) -> None:
    """One measurement in this (fresh) process; prints its JSON."""
    started = time.perf_counter()
    import cv2

    cv2.setNumThreads(1)
    fn = {"mediasynth": run_mediasynth, "albumentations": run_albumentations,
          "torchvision v2": run_torchvision}[name]
    print(json.dumps(fn(src, workers, passes, started)))


def _torchvision_python(given: str | None) -> str | None:
    if given:
        return given
    if importlib.util.find_spec("torchvision") is not None:
        return sys.executable
    return os.environ.get("BENCH_TORCHVISION_PYTHON")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--passes", type=int, default=3,
                        help="how many times each runner reads the photos")
    parser.add_argument("--workers", type=int, nargs="+", default=[0, 2])
    parser.add_argument("--src", type=Path, default=DATA / "photos")
    parser.add_argument("--torchvision-python",
                        help="a Python with torchvision (default: this one when it has it, "
                             "else $BENCH_TORCHVISION_PYTHON)")
    parser.add_argument("--run", choices=RUNNERS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run:
        run_one(args.run, args.src, args.workers[0], args.passes)
        return
    if not any(args.src.rglob("*.jpg")):
        raise SystemExit("no photos: run `python bench/data.py --only photos` first")
    compile_package()
    tv = _torchvision_python(args.torchvision_python)
    pythons = {"mediasynth": sys.executable, "albumentations": sys.executable,
               "torchvision v2": tv}
    runners = [r for r in RUNNERS if pythons[r]]
    if tv is None:
        print("torchvision v2: no Python with torchvision (--torchvision-python): left out")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(Path(__file__).resolve().parents[1]), os.environ.get("PYTHONPATH", "")])}
    results: dict[tuple[str, int], list[dict]] = {}
    for rep in range(args.repeats):
        for workers in args.workers:
            order = runners if rep % 2 == 0 else runners[::-1]
            for name in order:
                cmd = [pythons[name], str(Path(__file__).resolve()), "--run", name,
                       "--workers", str(workers), "--passes", str(args.passes),
                       "--src", str(args.src)]
                out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env)
                res = json.loads(out.stdout.strip().splitlines()[-1])
                results.setdefault((name, workers), []).append(res)
                print(f"repeat {rep + 1}, {workers} workers, {name}: "
                      f"{res['items_per_s']:.1f} items/s, {res['cpu_ms_per_item']:.2f} CPU "
                      f"ms/item, first batch {res['first_batch_s']:.2f} s", flush=True)
    _report(results, runners, args)


def _report(results, runners, args) -> None:
    n = len(list(args.src.rglob("*.jpg")))
    lines = [f"### Loader: {n} photos x {args.passes} passes, batch {BATCH}, "
             f"{args.repeats} repeats (fresh process each)", "",
             f"machine: {json.dumps(machine())}", "",
             "| runner | workers | items/s (each repeat) | median items/s | CPU ms/item (each "
             "repeat) | first batch s (median) | mediasynth / runner, items/s | mediasynth / "
             "runner, CPU per item |", "| --- | ---: | --- | ---: | --- | ---: | ---: | ---: |"]
    for workers in args.workers:
        ours = median([r["items_per_s"] for r in results[("mediasynth", workers)]])
        our_cpu = median([r["cpu_ms_per_item"] for r in results[("mediasynth", workers)]])
        for name in runners:
            runs = results[(name, workers)]
            rate = median([r["items_per_s"] for r in runs])
            cpu = median([r["cpu_ms_per_item"] for r in runs])
            each = ", ".join(f"{r['items_per_s']:.1f}" for r in runs)
            each_cpu = ", ".join(f"{r['cpu_ms_per_item']:.2f}" for r in runs)
            first = median([r["first_batch_s"] for r in runs])
            ratio = "-" if name == "mediasynth" else f"{ours / rate:.2f}x"
            cpu_ratio = "-" if name == "mediasynth" else f"{cpu / our_cpu:.2f}x"
            lines.append(f"| {name} | {workers} | {each} | {rate:.1f} | {each_cpu} | "
                         f"{first:.2f} | {ratio} | {cpu_ratio} |")
    text = "\n".join(lines) + "\n"
    print(text)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "loader.md").write_text(text)


if __name__ == "__main__":
    main()
