"""Recording-like material for the soundscape tests, made at test time.

Foreground: isolated events as a field recorder would capture them: a physical model per
class (a bark: a glottal pulse train through two formant resonators with jitter; a knock:
damped modal resonances struck 2-4 times; a bird call: frequency-modulated whistles with
harmonics; a glass clink: inharmonic high partials with long decay; a cough: a filtered
noise burst), each with 50-300 ms of room tone before and after the event (a -70 dBFS noise
floor, as a real clip's lead-in), random gain, and written in mixed formats and rates
(WAV 44.1 kHz, FLAC 22.05 kHz, stereo WAV 48 kHz, OGG 32 kHz), some with non-ASCII names
and some whose names are not UTF-8 at all.
Background: ambient textures from a different process entirely (pink/brown noise with slow
level drift, mains hum with harmonics, distant traffic rumble), 6-20 s long (some shorter
than a soundscape: they loop).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import soundfile as sf
from scipy.signal import lfilter

FG_LABELS = ("bark", "knock", "bird", "clink", "cough")
BG_LABELS = ("park", "street")


def _resonator(x: np.ndarray, freq_hz: float, bandwidth_hz: float, sr: int) -> np.ndarray:
    r = np.exp(-np.pi * bandwidth_hz / sr)
    theta = 2 * np.pi * freq_hz / sr
    return lfilter([1 - r], [1, -2 * r * np.cos(theta), r * r], x)


def _bark(rng, sr):
    n = int(rng.uniform(0.25, 0.6) * sr)
    f0 = rng.uniform(300, 600)
    period = sr / f0 * (1 + 0.03 * rng.standard_normal(int(n / (sr / f0)) + 2))
    pulses = np.zeros(n)
    pos = np.cumsum(period).astype(int)
    pulses[pos[pos < n]] = 1.0
    voice = _resonator(pulses, rng.uniform(700, 1000), 120, sr) + \
        0.6 * _resonator(pulses, rng.uniform(1500, 2200), 200, sr)
    env = np.sin(np.pi * np.linspace(0, 1, n)) ** 0.5 * np.exp(-np.linspace(0, 3, n))
    return voice * env


def _knock(rng, sr):
    n = int(rng.uniform(0.4, 0.9) * sr)
    out = np.zeros(n)
    hits = int(rng.integers(2, 5))
    modes = rng.uniform(150, 900, 4)
    t = np.arange(int(0.15 * sr)) / sr
    strike = sum(np.sin(2 * np.pi * f * t) * np.exp(-t * rng.uniform(25, 60)) for f in modes)
    for h in range(hits):
        at = int(h * rng.uniform(0.12, 0.18) * sr)
        seg = strike[: max(0, min(strike.size, n - at))]
        out[at:at + seg.size] += seg * rng.uniform(0.6, 1.0)
    return out


def _bird(rng, sr):
    n = int(rng.uniform(0.3, 1.0) * sr)
    t = np.arange(n) / sr
    f = rng.uniform(2500, 4500) + rng.uniform(500, 1500) * np.sin(2 * np.pi * rng.uniform(6, 14) * t)
    phase = 2 * np.pi * np.cumsum(f) / sr
    notes = (np.sin(2 * np.pi * rng.uniform(3, 6) * t) > -0.2).astype(float)
    tone = np.sin(phase) + 0.3 * np.sin(2 * phase)
    return tone * notes * np.hanning(n)


def _clink(rng, sr):
    n = int(rng.uniform(0.6, 1.4) * sr)
    t = np.arange(n) / sr
    base = rng.uniform(1800, 3000)
    ratios = (1.0, 2.32, 4.25, 6.63)
    return sum(np.sin(2 * np.pi * base * r * t) * np.exp(-t * (3 + 2 * r)) / r for r in ratios)


def _cough(rng, sr):
    n = int(rng.uniform(0.2, 0.45) * sr)
    noise = rng.standard_normal(n)
    shaped = _resonator(noise, rng.uniform(400, 900), 400, sr) + \
        0.5 * _resonator(noise, rng.uniform(1800, 2600), 600, sr)
    env = np.exp(-np.linspace(0, 6, n)) * (1 - np.exp(-np.linspace(0, 60, n)))
    return shaped * env


MODELS = {"bark": _bark, "knock": _knock, "bird": _bird, "clink": _clink, "cough": _cough}
FORMATS = (("wav", 44100, 1), ("flac", 22050, 1), ("wav", 48000, 2), ("ogg", 32000, 1))


def write_event(path: Path, label: str, rng, sr: int, channels: int) -> None:
    event = MODELS[label](rng, sr)
    event = event / np.abs(event).max() * rng.uniform(0.2, 0.8)
    lead, tail = (int(rng.uniform(0.05, 0.3) * sr) for _ in range(2))
    clip = np.concatenate([np.zeros(lead), event, np.zeros(tail)])
    clip += 10 ** (-70 / 20) * rng.standard_normal(clip.size)  # room tone of the recorder
    data = np.repeat(clip[:, None], channels, axis=1) if channels > 1 else clip
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(os.fsencode(path), data.astype(np.float32), sr)


def make_foreground(root: Path, per_label: int = 12, seed: int = 1) -> Path:
    """FG/<label>/<files>: `per_label` recordings of each label in mixed formats."""
    rng = np.random.default_rng(seed)
    for label in FG_LABELS:
        for i in range(per_label):
            fmt, sr, channels = FORMATS[i % len(FORMATS)]
            name = f"{label}_{i:02d}" + ("_été" if i % 5 == 3 else "") + f".{fmt}"
            if i % 7 == 5:  # a name that is not UTF-8 (Latin-1 bytes), as old archives have
                name = os.fsdecode(f"{label}_{i:02d}_caf".encode() + b"\xe9." + fmt.encode())
            write_event(root / label / name, label, rng, sr, channels)
    return root


def _texture(rng, sr: int, seconds: float, label: str) -> np.ndarray:
    n = int(seconds * sr)
    white = rng.standard_normal(n)
    if label == "park":  # pink-ish wind: two one-pole lowpasses, slow gusts
        body = lfilter([0.02], [1, -0.98], white) + 0.3 * lfilter([0.2], [1, -0.8], white)
    else:  # traffic rumble and mains hum
        body = lfilter([0.005], [1, -0.995], white)
        t = np.arange(n) / sr
        body = body / np.abs(body).max() + 0.05 * sum(np.sin(2 * np.pi * 50 * k * t) / k
                                                      for k in (1, 2, 3))
    drift = 1 + 0.4 * np.sin(2 * np.pi * rng.uniform(0.05, 0.2) * np.arange(n) / sr
                             + rng.uniform(0, 6))
    out = body * drift
    return out / np.abs(out).max() * rng.uniform(0.1, 0.5)


def make_background(root: Path, per_label: int = 4, seed: int = 2) -> Path:
    """BG/<label>/<files>: ambient textures, 6-20 s, WAV 44.1 kHz or FLAC 48 kHz."""
    rng = np.random.default_rng(seed)
    for label in BG_LABELS:
        for i in range(per_label):
            sr, fmt = ((44100, "wav"), (48000, "flac"))[i % 2]
            path = root / label / f"{label}_{i:02d}.{fmt}"
            path.parent.mkdir(parents=True, exist_ok=True)
            sf.write(str(path), _texture(rng, sr, rng.uniform(6, 20), label).astype(np.float32),
                     sr)
    return root


def make_event_table_foreground(root: Path, files: int = 6, seed: int = 3) -> Path:
    """An annotated layout: long recordings with several events each, and
    metadata/recordings.tsv naming them (DCASE columns)."""
    rng = np.random.default_rng(seed)
    sr = 44100
    rows = ["filename\tonset\toffset\tevent_label"]
    for f in range(files):
        parts, t = [], 0.0
        gap = np.zeros(int(0.5 * sr))
        for k in range(3):
            label = FG_LABELS[(f + k) % len(FG_LABELS)]
            event = MODELS[label](rng, sr)
            event = event / np.abs(event).max() * 0.5
            parts += [gap, event]
            rows.append(f"rec_{f:02d}.wav\t{t + gap.size / sr:.6f}\t"
                        f"{t + (gap.size + event.size) / sr:.6f}\t{label}")
            t += (gap.size + event.size) / sr
        parts.append(gap)
        clip = np.concatenate(parts) + 10 ** (-70 / 20) * rng.standard_normal(
            sum(p.size for p in parts))
        (root / "audio").mkdir(parents=True, exist_ok=True)
        sf.write(str(root / "audio" / f"rec_{f:02d}.wav"), clip.astype(np.float32), sr)
    (root / "metadata").mkdir(parents=True, exist_ok=True)
    (root / "metadata" / "recordings.tsv").write_text("\n".join(rows) + "\n")
    return root
