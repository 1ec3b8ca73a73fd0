"""Peak memory of `mediasynth expand` against the number of files: 1,000 vs 10,000 tiny
images (16x16 PNG, 1 variant each), process tree RSS sampled every 50 ms.

    python bench/engine_memory.py
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import DATA, RESULTS, fresh  # noqa: E402
from video import peak_memory_mb  # noqa: E402


def make_tree(root: Path, count: int) -> None:
    import cv2
    import numpy as np

    if root.exists() and sum(1 for _ in root.rglob("*.png")) == count:
        return
    fresh(root)
    rng = np.random.default_rng(0)
    for i in range(count):
        folder = root / f"class{i % 10}"
        folder.mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(folder / f"img{i:05d}.png"), rng.integers(0, 255, (16, 16, 3), np.uint8))


def main() -> None:
    lines = ["### Peak memory against file count (tiny PNGs, 1 variant, 2 workers)", "",
             "| files | peak MB | seconds |", "| ---: | ---: | ---: |"]
    for count in (1000, 10000):
        src = DATA / f"tiny{count}"
        make_tree(src, count)
        out = RESULTS / "memory_tiny_out"
        fresh(out)
        mb, secs = peak_memory_mb([sys.executable, "-m", "mediasynth", "expand", str(src),
                                   str(out), "-n", "1", "-q", "--no-report"])
        fresh(out)
        lines.append(f"| {count} | {mb:.0f} | {secs:.1f} |")
        print(lines[-1], flush=True)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
