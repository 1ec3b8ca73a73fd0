"""The report's share of each job's wall time: `mediasynth expand` with the report (the
default) vs `--no-report`, on the image, audio and video bench jobs, in one run.

    python bench/data.py
    python bench/report_share.py [--repeats 5] [--jobs image,audio,video]

Jobs as in bench/image.py (1,000 JPEG outputs), bench/audio.py (180 WAV outputs) and
bench/video.py (8 clips, fused path); 1 worker each. For every job the two runners are
interleaved (ABBA), fresh processes; share = (median with report - median without) /
median with report, for wall time and for the process tree's CPU time.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from audio import PIPELINE as AUDIO_PIPELINE  # noqa: E402
from common import (  # noqa: E402
    DATA,
    RESULTS,
    interleaved_tree,
    machine,
    median,
    paired,
    single_thread_env,
)
from image import PIPELINE as IMAGE_PIPELINE  # noqa: E402
from video import pipeline_text  # noqa: E402

single_thread_env()
JOBS = {"image": (DATA / "photos", IMAGE_PIPELINE),
        "audio": (DATA / "recordings", AUDIO_PIPELINE),
        "video": (DATA / "clips", pipeline_text("fused"))}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--jobs", default="image,audio,video")
    args = parser.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    work = RESULTS / "report_share_out"
    py = sys.executable
    lines = [f"### Report share of expand (median of {args.repeats}, fresh processes, "
             "1 worker)", "", f"machine: {machine()}", "",
             "| job | with report s | --no-report s | report s | share of wall time | "
             "share of CPU time | with/without (median of pairs, range) |",
             "| --- | ---: | ---: | ---: | ---: | ---: | --- |"]
    for job in [j.strip() for j in args.jobs.split(",") if j.strip()]:
        src, text = JOBS[job]
        pipeline = RESULTS / f"report_share_{job}.yaml"
        pipeline.write_text(text)
        base = [py, "-m", "mediasynth", "expand", str(src), str(work), "-p", str(pipeline),
                "--workers", "1", "-q"]
        table = [("report", base), ("no report", [*base, "--no-report"])]
        wall, cpu = interleaved_tree(table, repeats=args.repeats, work=work)
        on, off = median(wall["report"]), median(wall["no report"])
        cpu_on, cpu_off = median(cpu["report"]), median(cpu["no report"])
        _, of_pairs, low, high = paired(wall, "report", "no report")
        lines.append(f"| {job} | {on:.2f} | {off:.2f} | {on - off:.2f} | "
                     f"{(on - off) / on:.1%} | {(cpu_on - cpu_off) / cpu_on:.1%} | "
                     f"{of_pairs:.3f}x ({low:.3f}-{high:.3f}) |")
        print(lines[-1], flush=True)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
