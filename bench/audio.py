"""Audio expansion benchmark: mediasynth vs audiomentations vs read + write only, on the
same job, in one run.

    python bench/data.py --only recordings    # once (real recordings, see data.py)
    python bench/audio.py [--repeats 5]
    python bench/data.py --only recordings_mixed   # once
    python bench/audio.py --mixed [--repeats 3]    # held-out style: short OGG/WAV files

Job: every recording in bench/data/recordings (mono and stereo, 16-48 kHz, 4-10 s) is read
once and 3 variants are written as 16-bit WAV, each with Gaussian noise at an SNR of
10-30 dB, pitch shift +-2 semitones and time stretch 0.9-1.1 (duration changes by the rate
on both sides). Every runner is a fresh single-process command; runners are interleaved,
medians reported, with realtime factors (seconds of input audio per wall second x 3
variants), and the CPU time of each command's process tree (the steadier figure on a shared
machine). `--mixed`: bench/data/recordings_mixed instead, 200 files, 4 of 5 short alerts and
words (<= 2 s), 1 of 5 4-10 s, 16-48 kHz, half Ogg Vorbis and half WAV: per-file costs
(start of decoder and encoder, resampler set-up, statistics, report) weigh more there. mediasynth does pitch shift and time stretch in ONE Signalsmith pass (they are
adjacent in the chain); audiomentations makes two passes.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (  # noqa: E402
    DATA,
    RESULTS,
    interleaved_tree,
    median,
    paired,
    report,
    single_thread_env,
)

single_thread_env()
PIPELINE = """version: 1
seed: 0
variants: 3
audio:
  - {type: audio.add_noise, snr_db_range: [10, 30]}
  - {type: audio.pitch_shift, semitones_range: [-2, 2]}
  - {type: audio.time_stretch, rate_range: [0.9, 1.1]}
output: {audio_format: wav, audio_subtype: PCM_16}
"""

AUDIOMENTATIONS = r'''
import sys
from pathlib import Path
import numpy as np, soundfile as sf
from audiomentations import AddGaussianSNR, Compose, PitchShift, TimeStretch
aug = Compose([
    AddGaussianSNR(min_snr_db=10.0, max_snr_db=30.0, p=1.0),
    PitchShift(min_semitones=-2.0, max_semitones=2.0, p=1.0),
    TimeStretch(min_rate=0.9, max_rate=1.1, leave_length_unchanged=False, p=1.0),
])
out = Path(sys.argv[2])
for path in sorted(p for p in Path(sys.argv[1]).rglob("*") if p.suffix in (".wav", ".ogg")):
    data, sr = sf.read(str(path), dtype="float32", always_2d=True)
    x = np.ascontiguousarray(data.T)
    x = x[0] if x.shape[0] == 1 else x
    dest = out / path.parent.name
    dest.mkdir(parents=True, exist_ok=True)
    for v in range(3):
        y = aug(samples=x, sample_rate=sr)
        y = np.clip(y, -1, 1)
        sf.write(str(dest / f"{path.stem}__v{v:03d}.wav"), y.T if y.ndim == 2 else y, sr,
                 subtype="PCM_16")
'''

READ_WRITE = r'''
import sys
from pathlib import Path
import soundfile as sf
out = Path(sys.argv[2])
for path in sorted(p for p in Path(sys.argv[1]).rglob("*") if p.suffix in (".wav", ".ogg")):
    data, sr = sf.read(str(path), dtype="float32", always_2d=True)
    dest = out / path.parent.name
    dest.mkdir(parents=True, exist_ok=True)
    for v in range(3):
        sf.write(str(dest / f"{path.stem}__v{v:03d}.wav"), data, sr, subtype="PCM_16")
'''


def total_seconds(src: Path) -> float:
    import soundfile as sf

    return sum(sf.info(str(p)).duration for p in audio_files(src))


def audio_files(src: Path) -> list[Path]:
    return sorted(p for p in src.rglob("*") if p.suffix in (".wav", ".ogg"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--src", type=Path, default=None)
    parser.add_argument("--mixed", action="store_true",
                        help="held-out style: bench/data/recordings_mixed (short OGG/WAV)")
    args = parser.parse_args()
    args.src = args.src or DATA / ("recordings_mixed" if args.mixed else "recordings")
    files = audio_files(args.src)
    if not files:
        raise SystemExit("no recordings: run `python bench/data.py --only recordings` first")
    RESULTS.mkdir(parents=True, exist_ok=True)
    pipeline = RESULTS / "audio_bench.yaml"
    pipeline.write_text(PIPELINE)
    work = RESULTS / "audio_out"
    py = sys.executable
    table = [
        ("mediasynth expand (1 worker)", [py, "-m", "mediasynth", "expand", str(args.src),
                                          str(work), "-p", str(pipeline), "--workers", "1",
                                          "-q"]),
        ("audiomentations", [py, "-c", AUDIOMENTATIONS, str(args.src), str(work)]),
        ("read + write only", [py, "-c", READ_WRITE, str(args.src), str(work)]),
    ]
    times, cpu = interleaved_tree(table, repeats=args.repeats, work=work)
    audio_s = total_seconds(args.src) * 3
    rows = [(name, median(times[name]), audio_s) for name, _ in table]
    ms = rows[0][1]
    extra = {f"mediasynth / {n}": f"{t / ms:.2f}x" for n, t, _ in rows[1:]}
    for name, _ in table[1:]:
        ratio, per, low, high = paired(times, name, table[0][0])
        cpu_ratio = paired(cpu, name, table[0][0])
        extra[f"{name} / mediasynth, wall, per repeat"] = (
            f"median {per:.2f}x ({low:.2f}-{high:.2f}): "
            + ", ".join(f"{a / b:.2f}" for a, b in zip(times[name], times[table[0][0]])))
        extra[f"{name} / mediasynth, CPU of the process tree"] = (
            f"{cpu_ratio[0]:.2f}x (per repeat {cpu_ratio[2]:.2f}-{cpu_ratio[3]:.2f})")
    extra["files"] = f"{len(files)} ({audio_s / 3:.0f} s of audio, x3 variants)"
    report(f"Audio expansion: noise + pitch shift + time stretch, 3 variants (median of "
           f"{args.repeats}, fresh processes; throughput = realtime factor)", rows,
           "audio-s", "audiomentations", extra)


if __name__ == "__main__":
    main()
