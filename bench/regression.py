"""Regression check: the same bench jobs with two versions of mediasynth, interleaved.

    git worktree add /tmp/ms_old <commit>
    python bench/regression.py --old /tmp/ms_old [--new .] [--repeats 5] [--jobs image,audio]

Each version is run as `python -P -m mediasynth` with PYTHONPATH=<its checkout> (-P keeps the
current folder off sys.path, so the checkout, not the editable install, is imported; the
script checks which package each setting imports before timing). Jobs are the image, audio and
video bench jobs (bench/image.py, bench/audio.py, bench/video.py: 1 worker, `--no-report`),
the image job with 2 workers, and `startup`: 4 photos x 1 variant, i.e. the fixed cost.
Every run is a fresh command; old and new run back to back for each job, their order swapped
every repeat (ABBA), so drift of this VM hits both alike. Reported: median seconds of each,
the ratio of the medians new/old and the median of the per-pair ratios, for wall time and for
the CPU time (user + sys) of the whole process tree: this script is a child subreaper, so the
workers, the fork server and FFmpeg are reaped here and counted. CPU time is the steadier
figure on a VM shared with other jobs. Both versions use the same FFmpeg (the bundled
imageio-ffmpeg binary, through MEDIASYNTH_FFMPEG): older versions preferred one on PATH.
"""

from __future__ import annotations

import argparse
import compileall
import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from audio import PIPELINE as AUDIO_PIPELINE  # noqa: E402
from common import (  # noqa: E402
    DATA,
    RESULTS,
    become_subreaper,
    fresh,
    machine,
    median,
    paired,
    single_thread_env,
    timed_tree,
)
from image import PIPELINE as IMAGE_PIPELINE  # noqa: E402
from video import pipeline_text  # noqa: E402

single_thread_env()
ROOT = Path(__file__).resolve().parent.parent


def startup_src() -> Path:
    """4 of the bench photos (one per class), for the start-up job: 1 variant each, so the
    run is almost all fixed cost (imports, worker start, planning, commit)."""
    import shutil

    folder = DATA / "startup"
    for photo in sorted((DATA / "photos").rglob("*.jpg"))[::50][:4]:
        dest = folder / photo.parent.name / photo.name
        if not dest.exists():
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(photo, dest)
    return folder


def jobs() -> dict[str, tuple[Path, str, list[str]]]:
    """name -> (SRC, pipeline text, extra CLI args)."""
    return {
        "startup": (DATA / "startup", IMAGE_PIPELINE.replace("variants: 5", "variants: 1"),
                    ["--workers", "1"]),
        "image": (DATA / "photos", IMAGE_PIPELINE, ["--workers", "1"]),
        "image-2w": (DATA / "photos", IMAGE_PIPELINE, ["--workers", "2"]),
        "audio": (DATA / "recordings", AUDIO_PIPELINE, ["--workers", "1"]),
        "video-fused": (DATA / "clips", pipeline_text("fused"), ["--workers", "1"]),
        "video-frames": (DATA / "clips", pipeline_text("frames"), ["--workers", "1"]),
    }


def command(checkout: Path, src: Path, out: Path, pipeline: Path, extra: list[str]) -> list[str]:
    return ["env", f"PYTHONPATH={checkout}", sys.executable, "-P", "-m", "mediasynth", "expand",
            str(src), str(out), "-p", str(pipeline), "-q", "--no-report", *extra]


def imported(checkout: Path) -> str:
    return subprocess.run(["env", f"PYTHONPATH={checkout}", sys.executable, "-P", "-c",
                           "import mediasynth; print(mediasynth.__file__)"], check=True,
                          capture_output=True, text=True, cwd=RESULTS).stdout.strip()


def ratio_rows(selected, times) -> list[str]:
    rows = []
    for job in selected:
        flat = {label: times[(job, label)] for label in ("old", "new")}
        of_medians, of_pairs, low, high = paired(flat, "new", "old")
        rows.append(f"| {job} | {median(flat['old']):.2f} | {median(flat['new']):.2f} | "
                    f"{of_medians:.3f} | {of_pairs:.3f} | {low:.3f}-{high:.3f} |")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--old", type=Path, required=True, help="checkout of the old version")
    parser.add_argument("--new", type=Path, default=ROOT, help="checkout of the new version")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--jobs", default="image,audio,video-fused,video-frames")
    args = parser.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    versions = {"old": args.old.resolve(), "new": args.new.resolve()}
    for label, checkout in versions.items():
        where = imported(checkout)
        if not where.startswith(str(checkout / "mediasynth")):
            raise SystemExit(f"{label}: PYTHONPATH={checkout} imports {where}")
        print(f"{label}: {where}")
        compileall.compile_dir(checkout / "mediasynth", quiet=1)
    table = jobs()
    selected = [j.strip() for j in args.jobs.split(",") if j.strip()]
    if "startup" in selected:
        startup_src()
    work = RESULTS / "regression_out"
    times: dict[tuple[str, str], list[float]] = {}
    for job in selected:
        src, text, extra = table[job]
        pipeline = RESULTS / f"regression_{job}.yaml"
        pipeline.write_text(text)
        for label in versions:
            times[(job, label)] = []
    become_subreaper()
    import imageio_ffmpeg

    env = {**os.environ, "MEDIASYNTH_FFMPEG": imageio_ffmpeg.get_ffmpeg_exe()}
    cpu: dict[tuple[str, str], list[float]] = {key: [] for key in times}
    for rep in range(args.repeats):
        for job in selected:
            src, _, extra = table[job]
            pipeline = RESULTS / f"regression_{job}.yaml"
            order = list(versions) if rep % 2 == 0 else list(versions)[::-1]
            for label in order:
                fresh(work)
                wall, cpu_s = timed_tree(command(versions[label], src, work, pipeline, extra),
                                         env=env, cwd=RESULTS)
                times[(job, label)].append(wall)
                cpu[(job, label)].append(cpu_s)
                print(f"{job} {label}: {wall:.2f} s wall, {cpu_s:.2f} s CPU", flush=True)
    fresh(work)
    head = ("| job | old median s | new median s | new/old (medians) | new/old (median of "
            "pairs) | pair range |", "| --- | ---: | ---: | ---: | ---: | --- |")
    lines = [f"### Regression: new ({versions['new']}) vs old ({versions['old']}), median of "
             f"{args.repeats}, ABBA-interleaved fresh processes", "",
             f"machine: {machine()}", "", "Wall time:", "", *head,
             *ratio_rows(selected, times), "", "CPU time of the process tree:", "",
             *head, *ratio_rows(selected, cpu)]
    print("\n".join(lines))


if __name__ == "__main__":
    main()
