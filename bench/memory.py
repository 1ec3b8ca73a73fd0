"""Peak memory of one worker against the worker memory budget (budgets.max_worker_memory_bytes,
2 GiB by default): `mediasynth expand` with the default pipeline, 1 worker, 1 variant, on a
SRC holding one large file, the process tree (CLI, fork server, worker, FFmpeg children)
sampled every 20 ms from /proc. "above idle" subtracts the peak of the same run on a tiny
file of the same kind: what the file itself costs the worker and its FFmpeg children.

    python bench/memory.py                    # every case
    python bench/memory.py --cases jpeg48,wav_2ghz

Cases are made once under bench/data/memory/ (large: up to 1 GB of disk for wav_59min).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import DATA, RESULTS, compile_package, fresh, single_thread_env  # noqa: E402

HERE = DATA / "memory"
POLL_S = 0.02


def _gradient(height: int, width: int, channels: int) -> np.ndarray:
    """A smooth picture with some texture (compresses like a photo, not like noise)."""
    yy = np.linspace(0, 255, height, dtype=np.float32)[:, None]
    xx = np.linspace(0, 255, width, dtype=np.float32)[None, :]
    planes = [(yy * 0.7 + xx * 0.3), (xx * 0.8 + 40), (255 - yy * 0.5 - xx * 0.4)][:channels]
    out = np.empty((height, width, channels), np.uint8)
    for c, plane in enumerate(planes):
        out[:, :, c] = np.clip(plane + (np.arange(width) % 7)[None, :] * 3, 0, 255)
    return out


def _image(path: Path, height: int, width: int, fmt: str) -> None:
    import cv2

    pixels = _gradient(height, width, 3)
    if fmt == "gif":
        from PIL import Image

        Image.fromarray(pixels).quantize(64).save(path)
        return
    params = {"jpg": [cv2.IMWRITE_JPEG_QUALITY, 90], "png": [cv2.IMWRITE_PNG_COMPRESSION, 1],
              "webp": [cv2.IMWRITE_WEBP_QUALITY, 80], "tif": []}[fmt]
    cv2.imwrite(str(path), pixels[:, :, ::-1], params)


def _wav(path: Path, seconds: float, rate: int = 44100, channels: int = 2) -> None:
    import soundfile as sf

    block = rate * 10
    t = np.arange(block) / rate
    chunk = (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    with sf.SoundFile(path, "w", rate, channels, subtype="PCM_16") as fh:
        left = int(seconds * rate)
        while left > 0:
            n = min(block, left)
            fh.write(np.repeat(chunk[:n, None], channels, axis=1))
            left -= n


def _absurd_rate_wav(path: Path) -> None:
    """A 142 KB WAV whose header claims 2,000,000,000 Hz."""
    import struct

    data = (np.sin(np.arange(71_000) / 5) * 10000).astype("<i2").tobytes()
    fmt = struct.pack("<HHIIHH", 1, 1, 2_000_000_000, 4_000_000_000 & 0xFFFFFFFF, 2, 16)
    body = b"WAVE" + b"fmt " + struct.pack("<I", 16) + fmt + b"data" + \
        struct.pack("<I", len(data)) + data
    path.write_bytes(b"RIFF" + struct.pack("<I", len(body)) + body)


def _clip(path: Path, size: int, frames: int = 3) -> None:
    from mediasynth.io.ffmpeg import ffmpeg_binary

    subprocess.run([ffmpeg_binary(), "-v", "error", "-y", "-f", "lavfi", "-i",
                    f"testsrc2=size={size}x{size}:rate=10:duration={frames / 10}",
                    "-c:v", "libx264", "-preset", "ultrafast", "-crf", "30",
                    "-pix_fmt", "yuv420p", str(path)], check=True)


# name: (file name, maker, tiny maker for the idle baseline)
CASES = {
    "jpeg48": ("photo.jpg", lambda p: _image(p, 6000, 8000, "jpg"),
               lambda p: _image(p, 60, 80, "jpg")),
    "jpeg100": ("photo.jpg", lambda p: _image(p, 10000, 10000, "jpg"),
                lambda p: _image(p, 60, 80, "jpg")),
    "png100": ("photo.png", lambda p: _image(p, 10000, 10000, "png"),
               lambda p: _image(p, 60, 80, "png")),
    "tiff100": ("photo.tif", lambda p: _image(p, 10000, 10000, "tif"),
                lambda p: _image(p, 60, 80, "tif")),
    "webp64": ("photo.webp", lambda p: _image(p, 8000, 8000, "webp"),
               lambda p: _image(p, 60, 80, "webp")),
    "gif64": ("photo.gif", lambda p: _image(p, 8000, 8000, "gif"),
              lambda p: _image(p, 60, 80, "gif")),
    "clip6320": ("clip.mp4", lambda p: _clip(p, 6320), lambda p: _clip(p, 64)),
    "clip3000": ("clip.mp4", lambda p: _clip(p, 3000, frames=20), lambda p: _clip(p, 64)),
    "wav_5min": ("long.wav", lambda p: _wav(p, 5 * 60), lambda p: _wav(p, 1)),
    "wav_59min": ("long.wav", lambda p: _wav(p, 59 * 60), lambda p: _wav(p, 1)),
    "wav_2ghz": ("absurd.wav", _absurd_rate_wav, lambda p: _wav(p, 1)),
}


def _tree(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    out, stack = [], [root]
    while stack:
        pid = stack.pop()
        out.append(pid)
        stack += children.get(pid, [])
    return out


def _rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def run_peak(src: Path, out: Path) -> tuple[float, float, dict]:
    """(peak MiB of the whole tree, seconds, the manifest's first row)."""
    fresh(out)
    cmd = [sys.executable, "-m", "mediasynth", "expand", str(src), str(out), "-n", "1",
           "--workers", "1", "--augment-eval", "-q", "--no-report"]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak = 0
    while proc.poll() is None:
        peak = max(peak, sum(_rss_kb(pid) for pid in _tree(proc.pid)))
        time.sleep(POLL_S)
    seconds = time.perf_counter() - start
    rows = [json.loads(line) for line in (out / "manifest.jsonl").read_text().splitlines()] \
        if (out / "manifest.jsonl").exists() else []
    return peak / 1024, seconds, (rows[0] if rows else {"status": f"exit {proc.returncode}"})


def _made(name: str, tiny: bool) -> Path:
    file_name, make, make_tiny = CASES[name]
    src = HERE / (name + ("_idle" if tiny else "")) / "files"
    path = src / file_name
    if not path.exists():
        src.mkdir(parents=True, exist_ok=True)
        print(f"making {path}...", flush=True)
        (make_tiny if tiny else make)(path)
    return src.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", default=",".join(CASES))
    args = parser.parse_args()
    single_thread_env()
    compile_package()
    lines = ["| case | file MB | status | peak MiB | above idle MiB | seconds |",
             "| --- | ---: | --- | ---: | ---: | ---: |"]
    for name in args.cases.split(","):
        big, idle = _made(name, False), _made(name, True)
        idle_mb, _, _ = run_peak(idle, RESULTS / "memory_out")
        peak_mb, seconds, row = run_peak(big, RESULTS / "memory_out")
        size = sum(p.stat().st_size for p in big.rglob("*") if p.is_file()) / 1e6
        status = row.get("status", "?")
        if row.get("reason"):
            status += f" `{row['reason']['code']}`"
        lines.append(f"| {name} | {size:,.1f} | {status} | {peak_mb:,.0f} | "
                     f"{peak_mb - idle_mb:,.0f} | {seconds:.1f} |")
        print(lines[-1], flush=True)
        if row.get("reason"):
            print("   ", row["reason"]["message"], flush=True)
    fresh(RESULTS / "memory_out")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
