"""`synth.tones`: labelled tones, chirps, chords, noise, DTMF and note sequences."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from mediasynth.audio.functional.noise import colored_noise
from mediasynth.core.errors import ConfigError
from mediasynth.core.media import Audio
from mediasynth.core.registry import register
from mediasynth.synth import export
from mediasynth.synth import tones_draw as W
from mediasynth.synth.base import Generator, ItemContext, SynthItem, check_choices, pick

PERIODIC = ("sine", "square", "sawtooth", "triangle", "pulse")
NOISES = ("white_noise", "pink_noise", "brown_noise")
SIGNALS = (*PERIODIC, *NOISES, "chirp", "chord", "dtmf", "notes")
CHORDS = {"major": (0, 4, 7), "minor": (0, 3, 7), "diminished": (0, 3, 6),
          "augmented": (0, 4, 8), "sus4": (0, 5, 7)}


@register("synth.tones")
@dataclass(frozen=True, kw_only=True)
class Tones(Generator):
    """Labelled test signals: band-limited periodic waves (sine, square, sawtooth, triangle,
    pulse), white/pink/brown noise, linear/log chirps, chords, DTMF digits and note
    sequences from a scale, with ADSR envelopes and optional extra harmonics. Labels:
    class, fundamental frequency, onset/offset times (and chirp ends, chord notes, digits).

    Fields:
        sample_rate: samples per second.
        duration_s_range: [low, high] clip length in seconds.
        signals: the classes to draw from (see the list above).
        freq_hz_range: [low, high] fundamental (log-uniform) for periodic signals, chirp ends,
            chord roots.
        amplitude_range: [low, high] peak amplitude (0-1).
        channels: output channels (the signal is the same in each).
        envelope: apply a random ADSR envelope to tones (onset/offset still labelled).
        harmonics: add up to this many random extra harmonics to sine tones.
        silence_fraction_range: [low, high] share of the clip left silent around the event.
    """

    media_kind = "audio"
    extension = ".wav"

    sample_rate: int = 16000
    duration_s_range: tuple[float, float] = (1.0, 1.0)
    signals: tuple[str, ...] = SIGNALS
    freq_hz_range: tuple[float, float] = (110.0, 1760.0)
    amplitude_range: tuple[float, float] = (0.3, 0.9)
    channels: int = 1
    envelope: bool = True
    harmonics: int = 0
    silence_fraction_range: tuple[float, float] = (0.0, 0.2)

    def validate(self) -> None:
        check_choices(self, "signals", SIGNALS)
        if not 1000 <= self.sample_rate <= 384000:
            raise ConfigError(f"{self.name}: sample_rate must be in [1000, 384000]")
        lo, hi = self.freq_hz_range
        if not (1.0 <= lo <= hi < self.sample_rate / 2):
            raise ConfigError(f"{self.name}: freq_hz_range must lie in [1, sample_rate / 2)")
        lo, hi = self.duration_s_range
        if not 0.01 <= lo <= hi <= 3600:
            raise ConfigError(f"{self.name}: duration_s_range must lie in [0.01, 3600]")
        lo, hi = self.amplitude_range
        if not 0 < lo <= hi <= 1:
            raise ConfigError(f"{self.name}: amplitude_range must lie in (0, 1]")
        if not 1 <= self.channels <= 64:
            raise ConfigError(f"{self.name}: channels must be in [1, 64]")
        lo, hi = self.silence_fraction_range
        if not 0 <= lo <= hi < 0.9:
            raise ConfigError(f"{self.name}: silence_fraction_range must lie in [0, 0.9)")

    def classes(self) -> tuple[str, ...]:
        return tuple(self.signals)

    def _freq(self, rng) -> float:
        lo, hi = np.log(self.freq_hz_range[0]), np.log(self.freq_hz_range[1])
        return float(np.exp(rng.uniform(lo, hi)))

    def get_params(self, rng: np.random.Generator, class_name: str | None = None,
                   context: ItemContext | None = None) -> dict:
        signal = class_name or pick(rng, self.signals)
        duration = float(rng.uniform(*self.duration_s_range))
        silence = float(rng.uniform(*self.silence_fraction_range)) * duration
        onset = float(rng.uniform(0, silence))
        params: dict[str, Any] = {
            "signal": signal, "sample_rate": self.sample_rate, "duration_s": duration,
            "onset_s": onset, "offset_s": duration - (silence - onset),
            "amplitude": float(rng.uniform(*self.amplitude_range)),
        }
        if signal in PERIODIC:
            params["f0_hz"] = self._freq(rng)
            params["duty"] = float(rng.uniform(0.1, 0.5)) if signal == "pulse" else 0.5
            params["extra_harmonics"] = ([float(a) for a in rng.uniform(0.05, 0.5, self.harmonics)]
                                         if signal == "sine" else [])
        elif signal == "chirp":
            a, b = self._freq(rng), self._freq(rng)
            params.update(f_start_hz=a, f_end_hz=b, method=pick(rng, ("linear", "log")))
        elif signal == "chord":
            root = self._freq(rng)
            quality = pick(rng, tuple(CHORDS))
            params.update(f0_hz=root, quality=quality,
                          notes_hz=[root * 2 ** (s / 12) for s in CHORDS[quality]])
        elif signal == "dtmf":
            params["digit"] = pick(rng, tuple(W.DTMF_ROWS))
        elif signal == "notes":
            scale = pick(rng, tuple(W.SCALES))
            steps = W.SCALES[scale]
            base = 57 + int(rng.integers(0, 12))
            count = int(rng.integers(3, 9))
            span = params["offset_s"] - onset
            midis = [base + steps[int(rng.integers(len(steps)))] + 12 * int(rng.integers(0, 2))
                     for _ in range(count)]
            params.update(scale=scale, notes=[
                {"midi": m, "f0_hz": W.note_hz(m), "onset_s": onset + i * span / count,
                 "offset_s": onset + (i + 1) * span / count} for i, m in enumerate(midis)])
        else:
            params["noise_seed"] = int(rng.integers(0, 2**31))
        if self.envelope and signal not in NOISES and signal != "dtmf":
            params["adsr"] = {"attack_s": float(rng.uniform(0.005, 0.05)),
                              "decay_s": float(rng.uniform(0.01, 0.1)),
                              "sustain": float(rng.uniform(0.5, 1.0)),
                              "release_s": float(rng.uniform(0.01, 0.1))}
        return params

    def render(self, params: dict) -> SynthItem:
        sr = params["sample_rate"]
        total = int(round(params["duration_s"] * sr))
        start = int(round(params["onset_s"] * sr))
        stop = max(start + 1, min(total, int(round(params["offset_s"] * sr))))
        n = stop - start
        signal = params["signal"]
        if signal in PERIODIC:
            event = W.periodic(signal, f0_hz=params["f0_hz"], n=n, sample_rate=sr,
                               duty=params["duty"],
                               extra_harmonics=tuple(params["extra_harmonics"]))
        elif signal == "chirp":
            event = W.chirp(f_start_hz=params["f_start_hz"], f_end_hz=params["f_end_hz"], n=n,
                            sample_rate=sr, method=params["method"])
        elif signal == "chord":
            event = sum(W.periodic("sine", f0_hz=f, n=n, sample_rate=sr)
                        for f in params["notes_hz"]) / len(params["notes_hz"])
        elif signal == "dtmf":
            d = params["digit"]
            event = 0.5 * (W.periodic("sine", f0_hz=W.DTMF_ROWS[d], n=n, sample_rate=sr)
                           + W.periodic("sine", f0_hz=W.DTMF_COLS[d], n=n, sample_rate=sr))
        elif signal == "notes":
            event = np.zeros(n)
            for note in params["notes"]:
                a = int(round(note["onset_s"] * sr)) - start
                b = min(n, int(round(note["offset_s"] * sr)) - start)
                seg = W.periodic("triangle", f0_hz=note["f0_hz"], n=b - a, sample_rate=sr)
                event[a:b] = seg * W.adsr(b - a, sample_rate=sr, attack_s=0.01, decay_s=0.03,
                                          sustain=0.7, release_s=0.03)
        else:
            color = signal.split("_")[0]
            event = colored_noise((1, n), color=color, seed=params["noise_seed"])[0].astype(float)
            event /= max(np.abs(event).max(), 1e-12)
        if "adsr" in params and signal != "notes":
            event = event * W.adsr(n, sample_rate=sr, **params["adsr"])
        wave = np.zeros(total)
        wave[start:stop] = event * params["amplitude"]
        samples = np.repeat(wave[None].astype(np.float32), self.channels, axis=0)
        labels = {k: v for k, v in params.items() if k not in ("sample_rate", "noise_seed", "adsr")}
        return SynthItem(Audio(samples, sr), signal, labels)

    def write(self, item: SynthItem, path: Path) -> None:
        from mediasynth.io.audio_io import write_audio

        write_audio(item.media, path, subtype="PCM_16", atomic=False)

    def write_annotations(self, folder: Path, split: str, rows: list[dict]) -> None:
        export.write_tone_tables(folder, split, [{"file_name": r["output"],
                                                  "labels": r["info"]["labels"]} for r in rows])
