"""Where an audio output's CPU time goes: mediasynth's per-file path stage by stage next to
audiomentations doing the same job, on the audio bench's data, in one process, interleaved,
`--repeats` times (medians of each stage's total CPU seconds over all files).

    python bench/data.py --only recordings_mixed    # once
    python bench/audio_stages.py [--mixed] [--repeats 3]

A diagnostic, not a ratio against an anchor: bench/audio.py times whole commands. The
mediasynth pass calls what a worker calls for each source (header check with the
near-duplicate signature, source hash, decode, source statistics, then per variant: seed,
the chain's noise, resampling and Signalsmith stretch, output statistics, encode + write,
output hash, rename) and makes the report's preview tile for one source in
PREVIEW_EVERY (as the report's sample does); start-up, planning, the manifest and the report
are the run's fixed cost, measured by `--fixed` (a whole run on one 0.06 s file).
CPU time (process_time), not wall time: the figure that holds on a machine shared with
other jobs.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from audio import PIPELINE, audio_files  # noqa: E402
from common import DATA, RESULTS, median, single_thread_env  # noqa: E402

single_thread_env()
VARIANTS = 3
PREVIEW_EVERY = 10


class Stages:
    """Adds the CPU time since the previous mark to the named stage; `wrap` times a function
    wherever it is called from (its time is taken out of the enclosing stage)."""

    def __init__(self) -> None:
        self.totals: dict[str, float] = defaultdict(float)
        self.last = time.process_time()

    def mark(self, stage: str) -> None:
        now = time.process_time()
        self.totals[stage] += now - self.last
        self.last = now

    def wrap(self, module, name: str, stage: str) -> None:
        inner = getattr(module, name)

        def timed(*args, **kwargs):
            before = time.process_time()
            try:
                return inner(*args, **kwargs)
            finally:
                spent = time.process_time() - before
                self.totals[stage] += spent
                self.last += spent  # not counted again by the enclosing mark

        setattr(module, name, timed)


def mediasynth_pass(paths: list[Path], root: Path, out: Path) -> dict[str, float]:
    from mediasynth.audio import signature as SIG
    from mediasynth.audio.functional import noise as N
    from mediasynth.audio.functional import stretch as S
    from mediasynth.audio.handler import AudioHandler
    from mediasynth.audio.previews import sound_tile_png
    from mediasynth.core.compose import run_chain
    from mediasynth.core.config import load_pipeline
    from mediasynth.core.rng import rng_from_record, seed_record
    from mediasynth.engine.worker import file_sha256
    from mediasynth.io.audio_io import write_audio

    spec = RESULTS / "audio_bench.yaml"
    spec.write_text(PIPELINE)
    pipeline = load_pipeline(spec)
    budgets = pipeline.budgets
    handler = AudioHandler()
    s = Stages()
    s.wrap(N, "colored_noise", "chain: noise")
    s.wrap(S, "resample", "chain: soxr resample")
    s.wrap(S, "time_stretch", "chain: Signalsmith stretch")
    for i, path in enumerate(paths):
        rel = str(path.relative_to(root))
        s.mark("(between)")
        handler.check(path, budgets)
        s.mark("header check")
        SIG.file_signature(path, budgets.max_audio_duration_s)
        s.mark("signature (decode + fingerprint)")
        sha = file_sha256(path)
        s.mark("source hash")
        audio = handler.load(path, budgets)
        s.mark("decode")
        handler.describe(audio)
        s.mark("statistics")
        for variant in range(VARIANTS):
            seed = seed_record(pipeline.seed, rel, variant, 0)
            rng = rng_from_record(seed)
            s.mark("seed")
            result, record = run_chain(pipeline.audio, audio, rng)
            record.to_dict()
            s.mark("chain: rest (params, records)")
            dest = out / f"{sha[:8]}_{variant}.wav"
            tmp = dest.with_name(".tmp_" + dest.name)
            write_audio(result, tmp, subtype=pipeline.output.audio_subtype, atomic=False)
            s.mark("encode + write")
            handler.describe(result)
            s.mark("statistics")
            file_sha256(tmp)
            s.mark("output hash")
            os.replace(tmp, dest)
            s.mark("rename")
            if i % PREVIEW_EVERY == 0:
                sound_tile_png(result.samples, result.sample_rate)
                if variant == 0:
                    sound_tile_png(audio.samples, audio.sample_rate)
                s.mark("report previews")
    return dict(s.totals)


def audiomentations_pass(paths: list[Path], root: Path, out: Path) -> dict[str, float]:
    import numpy as np
    import soundfile as sf
    from audiomentations import AddGaussianSNR, PitchShift, TimeStretch

    steps = [("noise", AddGaussianSNR(min_snr_db=10.0, max_snr_db=30.0, p=1.0)),
             ("pitch shift", PitchShift(min_semitones=-2.0, max_semitones=2.0, p=1.0)),
             ("time stretch", TimeStretch(min_rate=0.9, max_rate=1.1,
                                          leave_length_unchanged=False, p=1.0))]
    s = Stages()
    for path in paths:
        data, sr = sf.read(str(path), dtype="float32", always_2d=True)
        x = np.ascontiguousarray(data.T)
        x = x[0] if x.shape[0] == 1 else x
        s.mark("decode")
        for v in range(VARIANTS):
            y = x
            for name, step in steps:
                y = step(samples=y, sample_rate=sr)
                s.mark(f"chain: {name}")
            y = np.clip(y, -1, 1)
            sf.write(str(out / f"{path.stem}__v{v:03d}.wav"), y.T if y.ndim == 2 else y, sr,
                     subtype="PCM_16")
            s.mark("encode + write")
    return dict(s.totals)


def fixed_cost(repeats: int) -> list[float]:
    """CPU s of a whole `mediasynth expand` run (report on) on one 0.06 s file: start-up,
    worker start, planning, manifest, report."""
    from common import become_subreaper, compile_package, timed_tree

    compile_package()
    become_subreaper()
    src = RESULTS / "audio_one"
    shutil.rmtree(src, ignore_errors=True)
    (src / "a").mkdir(parents=True)
    first = audio_files(DATA / "recordings_mixed")[0]
    shutil.copy(first, src / "a" / first.name)
    spec = RESULTS / "audio_bench.yaml"
    spec.write_text(PIPELINE)
    out = RESULTS / "audio_one_out"
    cpu = []
    for _ in range(repeats):
        shutil.rmtree(out, ignore_errors=True)
        cpu.append(timed_tree([sys.executable, "-m", "mediasynth", "expand", str(src), str(out),
                               "-p", str(spec), "--workers", "1", "-q"])[1])
    shutil.rmtree(out, ignore_errors=True)
    return cpu


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--mixed", action="store_true",
                        help="bench/data/recordings_mixed (short OGG/WAV) instead of recordings")
    args = parser.parse_args()
    root = DATA / ("recordings_mixed" if args.mixed else "recordings")
    paths = audio_files(root)
    if not paths:
        raise SystemExit("no recordings: run bench/data.py first")
    out = RESULTS / "audio_stages_out"
    runs: dict[str, list[dict[str, float]]] = {"mediasynth": [], "audiomentations": []}
    for _ in range(args.repeats):
        for name, fn in (("mediasynth", mediasynth_pass),
                         ("audiomentations", audiomentations_pass)):
            shutil.rmtree(out, ignore_errors=True)
            out.mkdir(parents=True)
            runs[name].append(fn(paths, root, out))
            print(f"{name}: {sum(runs[name][-1].values()):.2f} s CPU", flush=True)
    shutil.rmtree(out, ignore_errors=True)
    fixed = fixed_cost(args.repeats)
    print(f"\n{len(paths)} files from {root.name}, {VARIANTS} variants each; CPU s, median of "
          f"{args.repeats}\n")
    for name, totals in runs.items():
        stages = sorted({k for t in totals for k in t}, key=lambda k: -totals[0].get(k, 0))
        print(f"| {name} stage | CPU s | ms per file |\n| --- | ---: | ---: |")
        total = 0.0
        for stage in stages:
            value = median([t.get(stage, 0.0) for t in totals])
            total += value
            print(f"| {stage} | {value:.3f} | {value / len(paths) * 1e3:.2f} |")
        print(f"| total | {total:.3f} | {total / len(paths) * 1e3:.2f} |\n")
    print("fixed cost of a whole mediasynth run (1 file), CPU s: "
          + ", ".join(f"{c:.2f}" for c in fixed))


if __name__ == "__main__":
    main()
