"""Round trips through the real tools: a dataset written by the tool -> `mediasynth expand` ->
loaded back in the tool, each tool in its own virtual environment (never mediasynth's).

    python bench/real_clients.py [--venvs /work/.bench-venvs] [--install] [--images 120]
        [--only pycocotools|ultralytics] [--mediasynth OTHER_TREE] [--from-out]

Environments live under --venvs (outside the repository): `bench-pycocotools`
(pycocotools) and `bench-ultralytics` (ultralytics, torch 2.13 CPU). `--install` makes the
missing ones with pip (a tool whose install fails or is absent is reported "skipped").

1. pycocotools: a COCO dataset of --images images (every third grayscale; per image a
   polygon, a two-part polygon, an RLE ring with a hole, a box-only object) is encoded with
   pycocotools (RLE) and loaded by COCO(); `mediasynth expand` (flip, train/val split,
   `--annotations yolo,voc`) -> COCO() loads each OUT split; objects and images counted,
   COCOeval(bbox) of the OUT against itself must give AP 1.0.
2. Ultralytics: its own converter (`ultralytics.data.converter.convert_coco`,
   use_segments=True) writes the YOLO segment dataset from that COCO; `mediasynth expand`
   of it (layout yolo) -> from another working directory, Ultralytics' check_det_dataset
   resolves data.yaml, its YOLODataset scans OUT's labels per split (its label cache:
   found, missing, empty, corrupt; segments kept) and one epoch trains: every train batch
   of its dataloader through the model's loss (yolo11n-seg.yaml, no weights, imgsz 64,
   fp32, CPU) and an SGD step. Not `model.train()`: its validator imports torchvision,
   whose PyPI build needs CUDA torch (only the CPU torch is allowed here). Same for the
   COCO OUT's YOLO extra (RLE traced to polygons) and a VOC source's YOLO extra (detect,
   yolo11n.yaml).

Prints a table: tool, round trip, images and objects per split (expected / read), corrupt
labels, verdict.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.engine.test_exports import coco_source, voc_source  # noqa: E402

TOOLS = {
    "pycocotools": ["pycocotools"],
    # torchvision only for its metadata: the PyPI build needs CUDA torch, and Ultralytics
    # imports it lazily (NMS in pure torch when it is not imported); faster-coco-eval for
    # convert_coco of RLE objects
    "ultralytics": ["torch==2.13.0", "torchvision==0.28.0", "ultralytics", "faster-coco-eval"],
}
INSTALL_LIMIT_S = 600
MEDIASYNTH = ROOT  # the tree whose mediasynth expands (--mediasynth: compare another)
FROM_OUT = False  # --from-out: Ultralytics runs inside OUT (as an older data.yaml needed)

COCO_HELPER = r'''
import json, sys
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval
out = {}
for path in sys.argv[1:]:
    coco = COCO(path)
    anns = coco.dataset["annotations"]
    dets = [{"image_id": a["image_id"], "category_id": a["category_id"], "bbox": a["bbox"],
             "score": 1.0} for a in anns]
    ev = COCOeval(coco, coco.loadRes(dets), "bbox")
    ev.evaluate(); ev.accumulate(); ev.summarize()
    out[path] = {"images": len(coco.getImgIds()), "objects": len(anns), "ap": ev.stats[0]}
print("RESULT " + json.dumps(out))
'''

CONVERT_HELPER = r'''
import sys
from ultralytics.data.converter import convert_coco
convert_coco(labels_dir=sys.argv[1], save_dir=sys.argv[2], use_segments=True,
             cls91to80=False)
'''

TRAIN_HELPER = r'''
import json, math, sys
from pathlib import Path
import numpy as np
import torch
from ultralytics.cfg import get_cfg
from ultralytics.data import build_dataloader, build_yolo_dataset
from ultralytics.data.utils import check_det_dataset
from ultralytics.nn.tasks import DetectionModel, SegmentationModel
yaml_path, model_yaml = sys.argv[1], sys.argv[2]
task = "segment" if "seg" in model_yaml else "detect"
data = check_det_dataset(yaml_path)  # resolves train/val from the cwd, as `yolo train` does
cfg = get_cfg(overrides={"imgsz": 64, "task": task, "mode": "train", "batch": 16})
torch.manual_seed(0)
model = (SegmentationModel if task == "segment" else DetectionModel)(
    model_yaml, nc=len(data["names"]), verbose=False)
model.args = cfg
optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
scans, losses = {}, []
for split in ("train", "val"):
    dataset = build_yolo_dataset(cfg, data[split], 16, data, mode=split, stride=32)
    if split == "train":  # one epoch: every batch through the model's loss and a step
        model.train()
        for batch in build_dataloader(dataset, 16, 0, shuffle=True):
            batch["img"] = batch["img"].float() / 255
            loss, _ = model.loss(batch)
            loss.sum().backward()
            optimizer.step()
            optimizer.zero_grad()
            losses.append(float(loss.sum().detach()))
    cache = Path(dataset.label_files[0]).parent.with_suffix(".cache")
    c = np.load(cache, allow_pickle=True).item()
    nf, nm, ne, nc, n = c["results"]
    scans[split] = {"found": int(nf), "missing": int(nm), "empty": int(ne),
                    "corrupt": int(nc), "images": int(n),
                    "objects": int(sum(len(l["cls"]) for l in dataset.labels)),
                    "segments": int(sum(len(l["segments"]) for l in dataset.labels))}
scans["train"]["batches"] = len(losses)
scans["train"]["loss_finite"] = all(math.isfinite(v) for v in losses)
print("RESULT " + json.dumps(scans))
'''


def python_of(venvs: Path, tool: str) -> Path:
    return venvs / f"bench-{tool}" / "bin" / "python"


def install(venvs: Path, tool: str) -> str:
    """Make the tool's environment; '' when ready, else why not."""
    python = python_of(venvs, tool)
    if python.exists():
        return ""
    start = time.monotonic()
    subprocess.run([sys.executable, "-m", "venv", str(python.parent.parent)], check=True)
    try:
        done = subprocess.run([str(python), "-m", "pip", "install", "-q", *TOOLS[tool]],
                              capture_output=True, text=True, timeout=INSTALL_LIMIT_S)
    except subprocess.TimeoutExpired:
        shutil.rmtree(python.parent.parent, ignore_errors=True)
        return f"install over {INSTALL_LIMIT_S} s"
    if done.returncode:
        shutil.rmtree(python.parent.parent, ignore_errors=True)
        return "install failed: " + done.stderr.strip().splitlines()[-1][:120]
    print(f"{tool}: installed in {time.monotonic() - start:.0f} s")
    return ""


def run_helper(python: Path, helper: str, *args: str, cwd: Path | None = None) -> dict:
    env = {**os.environ, "YOLO_OFFLINE": "1", "YOLO_VERBOSE": "False"}
    env.pop("PYTHONPATH", None)
    done = subprocess.run([str(python), "-c", helper, *args], capture_output=True, text=True,
                          cwd=cwd, env=env)
    line = next((x for x in done.stdout.splitlines() if x.startswith("RESULT ")), None)
    if done.returncode or line is None:
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        raise RuntimeError(" | ".join(tail))
    return json.loads(line[len("RESULT "):])


def expand(src: Path, out: Path, layout: str, *extra: str) -> list[dict]:
    pipeline = out.parent / "bench_pipeline.yaml"
    pipeline.write_text("image: [{type: image.flip_horizontal}]\n"
                        "dataset: {split: {train: 0.75, val: 0.25}}\n")
    args = [sys.executable, "-m", "mediasynth", "expand", str(src), str(out), "-n", "1",
            "-q", "--no-report", "-p", str(pipeline), "--layout", layout, *extra]
    env = {**os.environ, "PYTHONPATH": str(MEDIASYNTH), "NO_ALBUMENTATIONS_UPDATE": "1"}
    # cwd outside any source tree: `python -m` puts the cwd first on sys.path
    done = subprocess.run(args, capture_output=True, text=True, env=env, cwd=out.parent)
    if done.returncode:
        raise RuntimeError(f"expand exit {done.returncode}: {done.stderr.strip()[-200:]}")
    rows = [json.loads(x) for x in (out / "manifest.jsonl").read_text().splitlines()]
    return [r for r in rows if r["status"] == "ok"]


def expected(rows: list[dict]) -> dict[str, tuple[int, int]]:
    per: dict[str, list[int]] = {}
    for r in rows:
        n = per.setdefault(r["split"], [0, 0])
        n[0] += 1
        n[1] += len(r["annotation"]["objects"])
    return {s: (a, b) for s, (a, b) in sorted(per.items())}


def coco_round_trip(python: Path, work: Path, images: int) -> list[list[str]]:
    src, _ = coco_source(work / "coco_src", count=images)
    before = run_helper(python, COCO_HELPER, str(src / "annotations" /
                                                 "instances_default.json"))
    out = work / "coco_out"
    rows = expand(src, out, "coco", "--annotations", "yolo,voc")
    want = expected(rows)
    paths = [str(out / "annotations" / f"instances_{s}.json") for s in want]
    got = run_helper(python, COCO_HELPER, *paths)
    table = [["pycocotools", "source (tool's RLE)", "all",
              f"{images}/{next(iter(before.values()))['images']}",
              f"{4 * images}/{next(iter(before.values()))['objects']}", "-", "-"]]
    for split, path in zip(want, paths):
        g = got[path]
        ok = (g["images"], g["objects"]) == want[split] and abs(g["ap"] - 1.0) < 1e-9
        table.append(["pycocotools", "COCO -> expand -> COCO", split,
                      f"{want[split][0]}/{g['images']}", f"{want[split][1]}/{g['objects']}",
                      f"AP {g['ap']:.3f}", "pass" if ok else "FAIL"])
    return table


def ultralytics_round_trips(python: Path, work: Path, images: int) -> list[list[str]]:
    import yaml

    table = []
    coco_src = work / "coco_src"
    if not coco_src.is_dir():
        coco_source(coco_src, count=images)
    converted = work / "ul_converted"
    run_helper(python, CONVERT_HELPER + '\nprint("RESULT {}")\n',
               str(coco_src / "annotations"), str(converted))
    # convert_coco writes labels/<json stem>/; the images go to images/<same>/ beside them
    (labels,) = [p for p in (converted / "labels").iterdir() if p.is_dir()]
    shutil.copytree(coco_src / "images", converted / "images" / labels.name)
    names = ["cat", "dog", "ring"]
    (converted / "data.yaml").write_text(yaml.safe_dump(
        {"train": f"images/{labels.name}", "val": f"images/{labels.name}",
         "names": dict(enumerate(names))}))
    cases = [("Ultralytics YOLO-seg -> expand -> YOLO", converted, "yolo", (),
              "yolo11n-seg.yaml"),
             ("COCO RLE -> expand --annotations yolo", work / "coco_src", "coco",
              ("--annotations", "yolo"), "yolo11n-seg.yaml")]
    voc = voc_source(work / "voc_src", count=images)
    cases.append(("VOC -> expand --annotations yolo", voc, "voc", ("--annotations", "yolo"),
                  "yolo11n.yaml"))
    elsewhere = work / "elsewhere"
    elsewhere.mkdir(exist_ok=True)
    for label, src, layout, extra, model in cases:
        out = work / f"ul_out_{layout}"
        rows = expand(src, out, layout, *extra)
        want = expected(rows)
        try:
            scans = run_helper(python, TRAIN_HELPER, str(out / "data.yaml"), model,
                               cwd=out if FROM_OUT else elsewhere)
        except RuntimeError as exc:
            table.append(["ultralytics", label, "-", "-", "-", "-", f"FAIL: {exc}"[:160]])
            continue
        for split, (n_images, n_objects) in want.items():
            s = scans.get(split, {})
            segment = "seg" in model
            ok = (s.get("found"), s.get("objects"), s.get("corrupt")) == (
                n_images, n_objects, 0) and (not segment or s.get("segments") == n_objects)
            trained = f", {s['batches']} batches" if "batches" in s else ""
            ok = ok and s.get("loss_finite", True)
            table.append(["ultralytics", label + (" (train 1 epoch)" if split == "train"
                                                  else ""), split,
                          f"{n_images}/{s.get('found')}", f"{n_objects}/{s.get('objects')}",
                          f"corrupt {s.get('corrupt')}, segments {s.get('segments')}{trained}",
                          "pass" if ok else "FAIL"])
    return table


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--venvs", type=Path, default=Path("/work/.bench-venvs"))
    parser.add_argument("--install", action="store_true")
    parser.add_argument("--images", type=int, default=120)
    parser.add_argument("--work", type=Path, default=None)
    parser.add_argument("--mediasynth", type=Path, default=ROOT,
                        help="source tree of the mediasynth that expands (default: this one)")
    parser.add_argument("--only", choices=sorted(TOOLS), default=None)
    parser.add_argument("--from-out", action="store_true",
                        help="run Ultralytics with OUT as its working directory")
    args = parser.parse_args()
    global MEDIASYNTH, FROM_OUT
    MEDIASYNTH, FROM_OUT = args.mediasynth.resolve(), args.from_out
    work = args.work or Path(tempfile.mkdtemp(prefix="ms-real-clients-"))
    work.mkdir(parents=True, exist_ok=True)
    table = []
    for tool, run in (("pycocotools", coco_round_trip),
                      ("ultralytics", ultralytics_round_trips)):
        if args.only and tool != args.only:
            continue
        why = install(args.venvs, tool) if args.install else (
            "" if python_of(args.venvs, tool).exists() else "no environment (--install)")
        if why:
            table.append([tool, "-", "-", "-", "-", "-", f"skipped: {why}"])
            continue
        start = time.monotonic()
        table += run(python_of(args.venvs, tool), work, args.images)
        print(f"{tool}: {time.monotonic() - start:.0f} s", file=sys.stderr)
    head = ["tool", "round trip", "split", "images (want/read)", "objects (want/read)",
            "checks", "verdict"]
    print("| " + " | ".join(head) + " |")
    print("|" + " --- |" * len(head))
    for row in table:
        print("| " + " | ".join(row) + " |")
    return 1 if any(r[-1].startswith("FAIL") for r in table) else 0


if __name__ == "__main__":
    raise SystemExit(main())
