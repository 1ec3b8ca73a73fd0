"""What near-duplicate grouping costs: the image bench job (bench/image.py) run with
`--near-duplicates group` (the default: signatures made in the header check) against
`--near-duplicates off`, in one run, fresh processes, report on, interleaved ABBA.

    python bench/data.py --only photos      # once
    python bench/near_duplicates.py [--repeats 5] [--workers 1]

Prints the median wall and CPU times of each and the share the signatures add (target:
at most 5 % of the job).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import DATA, RESULTS, interleaved_tree, median, single_thread_env  # noqa: E402
from image import PIPELINE  # noqa: E402

single_thread_env()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    src = DATA / "photos"
    if not src.is_dir():
        sys.exit("run `python bench/data.py --only photos` first")
    pipeline = RESULTS / "image_bench.yaml"
    pipeline.parent.mkdir(parents=True, exist_ok=True)
    pipeline.write_text(PIPELINE)
    work = RESULTS / "work_near_duplicates"

    def cmd(mode: str) -> list[str]:
        return [sys.executable, "-m", "mediasynth", "expand", str(src), str(work), "-p",
                str(pipeline), "--workers", str(args.workers), "-q", "--overwrite",
                "--near-duplicates", mode]

    table = [("near-duplicates group", cmd("group")), ("near-duplicates off", cmd("off"))]
    wall, cpu = interleaved_tree(table, repeats=args.repeats, work=work)
    photos = sum(1 for _ in src.rglob("*.jpg"))
    on_w, off_w = median(wall[table[0][0]]), median(wall[table[1][0]])
    on_c, off_c = median(cpu[table[0][0]]), median(cpu[table[1][0]])
    print(f"\n{photos} photos, {args.workers} worker(s), median of {args.repeats}")
    print("| runner | wall s | CPU s |\n| --- | ---: | ---: |")
    print(f"| near-duplicates group | {on_w:.2f} | {on_c:.2f} |")
    print(f"| near-duplicates off | {off_w:.2f} | {off_c:.2f} |")
    print(f"signatures add {100 * (on_w / off_w - 1):+.1f} % wall, "
          f"{100 * (on_c / off_c - 1):+.1f} % CPU")


if __name__ == "__main__":
    main()
