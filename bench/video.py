"""Video benchmark: mediasynth's frame path and fused path vs one FFmpeg command per clip
(the floor) and AugLy (if installed), on the same job, in one run. `--memory` also measures
peak memory on a 10-second and a 10-minute 720p clip.

    python bench/data.py --only clips       # once (camera pans over real photos, with sound)
    python bench/video.py [--repeats 3] [--memory]
    python bench/video.py --fused-only [--repeats 3]   # the one-worker target only

`--fused-only` also runs the fused path with `dataset.near_duplicates: off`: the header
checks then skip the clip signatures (frames decoded at 10-90 % of each clip), which a
single FFmpeg command does not compute.

Job: horizontal flip + brightness +0.1 on every frame, H.264 (libx264 veryfast, CRF 23),
audio kept, 1 variant per clip. Every runner is a fresh command; medians are reported as
frames per second. mediasynth runs with one worker and with its default (a worker per
core); the floor runs its commands one after another, each using every core.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (  # noqa: E402
    DATA,
    RESULTS,
    fresh,
    interleaved_tree,
    median,
    report,
    single_thread_env,
)

single_thread_env()


def pipeline_text(path: str) -> str:
    return f"""version: 1
seed: 0
variants: 1
video:
  frames:
    - {{type: image.flip_horizontal}}
    - {{type: image.brightness_contrast, brightness_range: [0.1, 0.1], contrast_range: [1, 1]}}
output:
  video: {{codec: libx264, crf: 23, preset: veryfast, path: {path}}}
"""


FLOOR = r'''
import subprocess, sys
from pathlib import Path
from mediasynth.io.ffmpeg import ffmpeg_binary
out = Path(sys.argv[2])
for path in sorted(Path(sys.argv[1]).rglob("*.mp4")):
    dest = out / path.parent.name
    dest.mkdir(parents=True, exist_ok=True)
    subprocess.run([ffmpeg_binary(), "-v", "error", "-y", "-i", str(path), "-vf",
                    "hflip,eq=brightness=0.1", "-c:v", "libx264", "-preset", "veryfast",
                    "-crf", "23", "-pix_fmt", "yuv420p", "-c:a", "aac",
                    str(dest / f"{path.stem}__v000.mp4")], check=True)
'''

AUGLY = r'''
import sys
from pathlib import Path
import augly.video as vidaugs
out = Path(sys.argv[2])
for path in sorted(Path(sys.argv[1]).rglob("*.mp4")):
    dest = out / path.parent.name
    dest.mkdir(parents=True, exist_ok=True)
    tmp = str(dest / f"{path.stem}__tmp.mp4")
    vidaugs.hflip(str(path), tmp)
    vidaugs.brightness(tmp, str(dest / f"{path.stem}__v000.mp4"), level=0.1)
'''


def frame_total(src: Path) -> int:
    from mediasynth.video.probe import probe_video

    return sum(probe_video(p, max_duration_s=1e9).frame_count for p in sorted(src.rglob("*.mp4")))


def speed(args) -> None:
    work = RESULTS / "video_out"
    RESULTS.mkdir(parents=True, exist_ok=True)
    py = sys.executable
    table = []
    cores = os.cpu_count() or 1
    for path in ("fused",) if args.fused_only else ("frames", "fused"):
        p = RESULTS / f"video_bench_{path}.yaml"
        p.write_text(pipeline_text(path))
        for workers in [1] if args.fused_only else sorted({1, cores}):
            table.append((f"mediasynth {path} path, {workers} worker{'s' * (workers > 1)}",
                          [py, "-m", "mediasynth", "expand", str(args.src), str(work), "-p",
                           str(p), "--workers", str(workers), "-q"]))
    if args.fused_only:  # the same without the near-duplicate signatures of the header checks
        p = RESULTS / "video_bench_fused_nodup.yaml"
        p.write_text(pipeline_text("fused") + "dataset: {near_duplicates: 'off'}\n")
        table.append(("mediasynth fused path, 1 worker, near_duplicates off",
                      [py, "-m", "mediasynth", "expand", str(args.src), str(work), "-p", str(p),
                       "--workers", "1", "-q"]))
    table.append(("ffmpeg command per clip", [py, "-c", FLOOR, str(args.src), str(work)]))
    try:
        import augly.video  # noqa: F401

        table.append(("AugLy (hflip then brightness)", [py, "-c", AUGLY, str(args.src), str(work)]))
    except Exception as exc:  # noqa: BLE001 - AugLy is optional
        print(f"AugLy not available: {exc}")
    times, cpu = interleaved_tree(table, repeats=args.repeats, work=work)
    frames = frame_total(args.src)
    rows = [(name, median(times[name]), frames) for name, _ in table]
    floor = next(t for n, t, _ in rows if n == "ffmpeg command per clip")
    extra = {f"{n} / floor": f"{floor / t:.2f}x" for n, t, _ in rows if not n.startswith("ffmpeg")}
    for name, _ in table[:-1]:
        if not name.startswith("mediasynth"):
            continue
        per = [f / t for f, t in zip(times["ffmpeg command per clip"], times[name])]
        extra[f"{name} / floor, per repeat"] = ", ".join(f"{r:.2f}" for r in per)
        extra[f"{name} / floor, CPU of the process tree"] = (
            f"{median(cpu['ffmpeg command per clip']) / median(cpu[name]):.2f}x")
    report(f"Video: flip + brightness, libx264 veryfast CRF 23, audio kept (median of "
           f"{args.repeats}, fresh processes)", rows, "frames", "ffmpeg command per clip", extra)


def _tree_rss_kb(root: int) -> int:
    """Resident memory of a process and all its descendants (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        stack += children.get(pid, [])
        try:
            with open(f"/proc/{pid}/status") as fh:
                for line in fh:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        except OSError:
            continue
    return total


def peak_memory_mb(cmd: list[str]) -> tuple[float, float]:
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak, start = 0, time.perf_counter()
    while proc.poll() is None:
        peak = max(peak, _tree_rss_kb(proc.pid))
        time.sleep(0.05)
    if proc.returncode != 0:
        raise SystemExit(f"{cmd} failed")
    return peak / 1024, time.perf_counter() - start


def memory(args) -> None:
    from mediasynth.io.ffmpeg import ffmpeg_binary

    folder = DATA / "long"
    clips = {"10 s": 10, "10 min": 600}
    for label, seconds in clips.items():
        path = folder / label.replace(" ", "") / "clip.mp4"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            print(f"making a {label} 720p clip...", flush=True)
            subprocess.run([ffmpeg_binary(), "-v", "error", "-y", "-f", "lavfi", "-i",
                            f"testsrc2=size=1280x720:rate=30:duration={seconds}", "-f", "lavfi",
                            "-i", f"sine=frequency=440:duration={seconds}", "-c:v", "libx264",
                            "-preset", "ultrafast", "-crf", "28", "-c:a", "aac", "-shortest",
                            str(path)], check=True)
    lines = ["### Peak memory (process tree RSS), 720p30 clip with audio", "",
             "| path | 10 s clip MB | 10 min clip MB | ratio |", "| --- | ---: | ---: | ---: |"]
    for path_name in ("frames", "fused"):
        p = RESULTS / f"video_bench_{path_name}.yaml"
        p.write_text(pipeline_text(path_name))
        peaks = []
        for label in clips:
            out = RESULTS / "memory_out"
            fresh(out)
            cmd = [sys.executable, "-m", "mediasynth", "expand",
                   str(folder / label.replace(" ", "")), str(out), "-p", str(p), "--workers", "1",
                   "-q", "--no-report"]
            mb, secs = peak_memory_mb(cmd)
            peaks.append(mb)
            print(f"{path_name} {label}: {mb:.0f} MB in {secs:.1f} s", flush=True)
            fresh(out)
        lines.append(f"| {path_name} | {peaks[0]:.0f} | {peaks[1]:.0f} | {peaks[1] / peaks[0]:.2f}x |")
    print("\n".join(lines))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--src", type=Path, default=DATA / "clips")
    parser.add_argument("--memory", action="store_true")
    parser.add_argument("--fused-only", action="store_true",
                        help="only the fused path with one worker against the floor")
    args = parser.parse_args()
    if not sorted(args.src.rglob("*.mp4")):
        raise SystemExit("no clips: run `python bench/data.py --only clips` first")
    speed(args)
    if args.memory:
        memory(args)


if __name__ == "__main__":
    main()
