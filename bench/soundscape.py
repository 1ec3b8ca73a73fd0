"""Soundscape synthesis against Scaper's `generate` on the same job.

    SCAPER_PYTHON=/path/to/python python bench/soundscape.py [--count 40] [--repeats 3]

SCAPER_PYTHON names a Python with Scaper installed (scaper 1.6.5 from the package registry;
it needs `sox` and `libsox-dev` from the system for soxbindings, and fails on NumPy 2
(`np.Inf`): pin numpy<2, pandas<2.3, scipy<1.14 in its venv). Without one, the Scaper rows
are left out and the bench says so.

The job: `--count` soundscapes of 10 s at 44.1 kHz, mono, from the same folders
(bench/data/soundscape/fg: 5 labels x 12 recording-like clips in WAV/FLAC/OGG at 22-48 kHz;
bg: 2 labels x 4 ambient textures; made by tests/synth/soundscape_material.py), each with
1-5 events drawn uniformly: label and source chosen among all, source offset 0, duration
uniform 0.3-1.0 s, onset uniform, SNR uniform 6-30 dB, pitch uniform -2..2 semitones, time
stretch uniform 0.85-1.2, background at -40 LUFS, clipping fixed; written as WAV with an
annotation per soundscape (Scaper: JAMS + txt; mediasynth: the manifest row and the split's
DCASE table). Runners, in fresh processes, interleaved (ABBA), medians of wall time and of
the whole process tree's CPU time:

    scaper                      Scaper's generate, one soundscape at a time (single process)
    scaper + isolated events    the same with save_isolated_events=True
    mediasynth, 1 worker        `mediasynth synth soundscape ... --workers 1`
    mediasynth, 2 workers       the same, --workers 2
    mediasynth + stems, reverb, max_overlap 2, 1 worker   what Scaper cannot: reverb on the
                                stems too, a polyphony limit, stems that sum to the mix
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from common import DATA, RESULTS, interleaved_tree, median, report  # noqa: E402

from tests.synth.soundscape_material import make_background, make_foreground  # noqa: E402

SCAPER_JOB = r"""
import sys, numpy as np, scaper
fg, bg, out, count, isolated = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5] == "1"
rng = np.random.default_rng(0)
for i in range(count):
    sc = scaper.Scaper(10.0, fg, bg, random_state=i)
    sc.ref_db = -40
    sc.sr = 44100
    sc.add_background(("choose", []), ("choose", []), ("uniform", 0, 5))
    for _ in range(int(rng.integers(1, 6))):
        sc.add_event(("choose", []), ("choose", []), ("const", 0), ("uniform", 0, 9),
                     ("uniform", 0.3, 1.0), ("uniform", 6, 30), ("uniform", -2, 2),
                     ("uniform", 0.85, 1.2))
    sc.generate(f"{out}/s{i:04d}.wav", f"{out}/s{i:04d}.jams", allow_repeated_label=True,
                allow_repeated_source=True, fix_clipping=True, txt_path=f"{out}/s{i:04d}.txt",
                disable_sox_warnings=True, save_isolated_events=isolated,
                isolated_events_path=f"{out}/s{i:04d}_events" if isolated else None)
"""

SAME_JOB = ["--set", "duration_s=10", "--set", "sample_rate=44100", "--set", "ref_db=-40",
            "--set", "events_range=[1, 5]", "--set", "source_offset_s=0",
            "--set", "event_duration_s=[uniform, 0.3, 1.0]", "--set", "snr_db=[uniform, 6, 30]",
            "--set", "pitch_semitones=[uniform, -2, 2]", "--set", "stretch=[uniform, 0.85, 1.2]"]


def scaper_python() -> str | None:
    python = os.environ.get("SCAPER_PYTHON")
    if not python or not Path(python).exists():
        return None
    probe = subprocess.run([python, "-c", "import scaper"], capture_output=True)
    return python if probe.returncode == 0 else None


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=40)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--work", type=Path, default=Path("/tmp/mediasynth-bench-soundscape"))
    args = parser.parse_args()
    data = DATA / "soundscape"
    fg, bg = data / "fg", data / "bg"
    if not fg.is_dir():
        make_foreground(fg)
        make_background(bg)
    work = args.work / "out"
    ours = [sys.executable, "-m", "mediasynth", "synth", "soundscape", str(work),
            "--foreground", str(fg), "--background", str(bg), "--count", str(args.count),
            "-q", "--no-report", *SAME_JOB]
    table = [("mediasynth, 1 worker", [*ours, "--workers", "1"]),
             ("mediasynth, 2 workers", [*ours, "--workers", "2"]),
             ("mediasynth + stems, reverb, max_overlap 2, 1 worker",
              [*ours, "--workers", "1", "--stems", "--set", "reverb=synthetic",
               "--set", "max_overlap=2"])]
    python = scaper_python()
    if python:
        script = args.work / "scaper_job.py"
        script.parent.mkdir(parents=True, exist_ok=True)
        script.write_text(SCAPER_JOB)
        for name, isolated in (("scaper", "0"), ("scaper + isolated events", "1")):
            table.append((name, ["bash", "-c", f'mkdir -p "{work}" && exec "{python}" '
                                 f'"{script}" "{fg}" "{bg}" "{work}" {args.count} {isolated}']))
    else:
        print("SCAPER_PYTHON is not set to a Python with scaper: Scaper rows left out")
    wall, cpu = interleaved_tree(table, repeats=args.repeats, work=work)
    rows = [(name, median(wall[name]), args.count) for name, _ in table]
    extra = {f"CPU s (median) {name}": f"{median(cpu[name]):.2f}" for name, _ in table}
    text = report(f"Soundscapes: {args.count} x 10 s, 1-5 events", rows, "soundscapes",
                  "scaper" if python else None, extra)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "soundscape.md").write_text(text)


if __name__ == "__main__":
    main()
