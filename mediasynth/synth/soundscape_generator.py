"""`synth.soundscape`: sound events from real recordings placed on real backgrounds
(Scaper-class), labelled with their audible extent, replayable bit for bit.

Per soundscape (get_params draws, render makes; see docs/soundscape.md):
  1. a background file of the item's split (looped when shorter than the soundscape) from a
     drawn offset, scaled to the drawn reference loudness `ref_db` (LUFS);
  2. a drawn number of events (`events_range`); each draws a label, a source, the source
     offset, the duration, the onset, the SNR, a pitch shift and a time stretch (each option
     a distribution, synth/distributions.py), and is kept only when it respects
     `max_overlap`, `min_gap_s`, `allow_repeated_label` and `allow_repeated_source`
     (up to `max_attempts` draws per event; a soundscape that cannot place them all keeps
     those it placed and records how many were asked);
  3. an event is the source excerpt, pitch-shifted / stretched, reverberated in the
     soundscape's room (one impulse response for all its events, on the stems too), scaled so
     its loudness is `ref_db + snr_db` LUFS (the SNR is event loudness minus background
     loudness, measured on the stems);
  4. the clipping rule and the output grid (synth/soundscape_mix.py): the mix is the sum of
     the stems as written.

A source whose header reads but whose data does not decode is left out of the soundscape
that met it (another is drawn) and listed in its row (`unreadable_sources`), so a damaged
file never stops a run. An event's onset / offset is its audible extent: the first and last sample of its stem
above -40 dB of the stem's peak (silence at the ends of an excerpt is not part of the event).

Splits: foreground and background files are partitioned by file across the run's splits
(synth/soundscape_assets.py), so a file used in train is never in val or test.

No repeated source (`allow_repeated_source: false`): within each split, the foreground
sources are dealt in a seeded order, `events_range[1]` consecutive sources to every item of
the split: the split's r-th item (`ItemContext.rank`) draws only among sources r*k .. r*k +
k - 1 of its split's order (k = events_range[1]). Items never share a block, in any worker,
so no source is used twice in the whole set. A split whose order is too short raises
ConfigError (a split of n items needs k x n sources), which stops the run (exit 2). Backgrounds are textures and may repeat (at other offsets).
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np

from mediasynth.core.errors import ConfigError, MediaError
from mediasynth.core.media import Audio
from mediasynth.core.registry import register
from mediasynth.synth import distributions as D
from mediasynth.synth import soundscape_mix as X
from mediasynth.synth.base import Generator, ItemContext, SynthItem
from mediasynth.synth.soundscape_assets import Source, seeded_order, split_sources

AUTO = "auto"
SAMPLE_FORMATS = ("PCM_16", "FLOAT")
OVERLAP_EPS_S = 1e-6
# Margin of the placement rules: they see each event's audible extent before its final level
# and the output grid, where a reverberant tail near -40 dB can end a few ms off.
GUARD_S = 0.05


@register("synth.soundscape")
@dataclass(frozen=True, kw_only=True)
class Soundscape(Generator):
    """Soundscapes for sound event detection: events cut from real recordings placed on
    real backgrounds at drawn SNRs, with a polyphony limit, reverb on the stems too,
    split by source file, a DCASE event table and optional isolated stems.

    Fields (a "distribution" is a number or [const, v], [choose, [...]],
    [uniform, a, b], [normal, mean, std], [truncnorm, mean, std, low, high]):
        foreground: folder of clean events: FG/<label>/<files>, or an event table layout
            (events cut out).
        background: folder of ambient recordings: BG/<label>/<files> (or an event table).
        duration_s: soundscape length in seconds.
        sample_rate: output samples per second (sources are resampled, mixed to mono).
        ref_db: distribution of the background loudness (LUFS).
        events_range: [low, high] number of events per soundscape.
        label: distribution of an event's label ([choose, []]: any foreground label).
        source: distribution of an event's source file (path relative to FOREGROUND;
            [choose, []]: any file of the label).
        source_offset_s: where the excerpt starts in its source ("auto": uniform over the
            offsets that fit); clipped to fit.
        event_duration_s: excerpt length ("auto": the whole source); at most the source's.
        onset_s: where the event starts in the soundscape ("auto": uniform over the onsets
            at which it fits); clipped to fit.
        snr_db: event loudness minus background loudness (LU).
        pitch_semitones: pitch shift of an event.
        stretch: time-stretch factor of an event (duration multiplier).
        background_label: distribution of the background's label ([choose, []]: any).
        max_overlap: most events sounding at once (audible extents); 0 = no limit.
        min_gap_s: events closer than this count as overlapping.
        allow_repeated_label: a label may occur twice in one soundscape.
        allow_repeated_source: a foreground source may be used twice in the set (see the
            module doc for the rule when false).
        cooccurrence: {label: {other label: weight}}: an event's label is drawn with its
            weights multiplied by those of the labels already placed (default 1).
        reverb: "none", "synthetic" (exponential-decay IR, RT60 from `rt60_s`) or a folder
            of impulse responses (one drawn per soundscape).
        rt60_s: distribution of a synthetic IR's reverberation time (s).
        reverb_wet: distribution of the reverberated share (0 dry to 1 wet).
        stems: also write each event's stem and the background as side files.
        sample_format: PCM_16 or FLOAT WAV (mix and stems).
        max_attempts: draws per event before it is given up.
    """

    media_kind = "audio"
    extension = ".wav"

    foreground: str
    background: str
    duration_s: float = 10.0
    sample_rate: int = 44100
    ref_db: Any = -40.0
    events_range: tuple[int, int] = (1, 5)
    label: Any = ("choose", ())
    source: Any = ("choose", ())
    source_offset_s: Any = AUTO
    event_duration_s: Any = AUTO
    onset_s: Any = AUTO
    snr_db: Any = ("uniform", 6.0, 30.0)
    pitch_semitones: Any = 0.0
    stretch: Any = 1.0
    background_label: Any = ("choose", ())
    max_overlap: int = 0
    min_gap_s: float = 0.0
    allow_repeated_label: bool = True
    allow_repeated_source: bool = True
    cooccurrence: Any = field(default_factory=dict)
    reverb: str = "none"
    rt60_s: Any = ("uniform", 0.2, 0.8)
    reverb_wet: Any = ("uniform", 0.2, 0.5)
    stems: bool = False
    sample_format: str = "PCM_16"
    max_attempts: int = 50

    def __post_init__(self) -> None:
        if isinstance(self.cooccurrence, dict):  # freeze a mapping: the config stays hashable
            object.__setattr__(self, "cooccurrence", tuple(
                (str(k), tuple(sorted((str(o), float(w)) for o, w in dict(v).items())))
                for k, v in sorted(self.cooccurrence.items())))
        super().__post_init__()

    def to_config(self) -> dict[str, Any]:
        cfg = super().to_config()
        cfg["cooccurrence"] = self._cooccurrence()
        return cfg

    def _cooccurrence(self) -> dict[str, dict[str, float]]:
        return {k: dict(v) for k, v in self.cooccurrence}

    # --- configuration -----------------------------------------------------------------

    def validate(self) -> None:
        for name in ("foreground", "background"):
            if not isinstance(getattr(self, name), str) or not Path(getattr(self, name)).is_dir():
                raise ConfigError(f"{self.name}: {name} must be a folder, got "
                                  f"{getattr(self, name)!r}")
        if not (isinstance(self.duration_s, (int, float)) and 0.1 <= self.duration_s <= 3600):
            raise ConfigError(f"{self.name}: duration_s must lie in [0.1, 3600]")
        if not (isinstance(self.sample_rate, int) and 8000 <= self.sample_rate <= 192000):
            raise ConfigError(f"{self.name}: sample_rate must be an integer in [8000, 192000]")
        lo, hi = self.events_range
        if not (isinstance(lo, int) and isinstance(hi, int) and 0 <= lo <= hi <= 1000):
            raise ConfigError(f"{self.name}: events_range must be integers 0 <= low <= high "
                              f"<= 1000")
        for name in ("ref_db", "snr_db", "pitch_semitones", "stretch", "rt60_s", "reverb_wet"):
            D.check_spec(getattr(self, name), f"{self.name}: {name}")
        for name in ("source_offset_s", "event_duration_s", "onset_s"):
            if getattr(self, name) != AUTO:
                D.check_spec(getattr(self, name), f"{self.name}: {name}")
        for name in ("label", "source", "background_label"):
            D.check_spec(getattr(self, name), f"{self.name}: {name}", numeric=False)
        if D.bounds(self.stretch)[0] <= 0:
            raise ConfigError(f"{self.name}: stretch must draw factors > 0")
        if not (isinstance(self.max_overlap, int) and self.max_overlap >= 0):
            raise ConfigError(f"{self.name}: max_overlap must be an integer >= 0 (0: none)")
        if not (isinstance(self.min_gap_s, (int, float)) and self.min_gap_s >= 0):
            raise ConfigError(f"{self.name}: min_gap_s must be >= 0")
        if self.reverb not in ("none", "synthetic") and not Path(self.reverb).is_dir():
            raise ConfigError(f"{self.name}: reverb must be none, synthetic or a folder of "
                              f"impulse responses, got {self.reverb!r}")
        if self.sample_format not in SAMPLE_FORMATS:
            raise ConfigError(f"{self.name}: sample_format must be one of {SAMPLE_FORMATS}")
        if not (isinstance(self.max_attempts, int) and 1 <= self.max_attempts <= 10000):
            raise ConfigError(f"{self.name}: max_attempts must be an integer in [1, 10000]")
        for label, weights in self.cooccurrence:
            if any(not (math.isfinite(w) and w >= 0) for _, w in weights):
                raise ConfigError(f"{self.name}: cooccurrence weights of {label!r} must be "
                                  f"finite and >= 0")

    def classes(self) -> tuple[str, ...]:
        return ("soundscape",)

    def annotation_classes(self) -> tuple[str, ...]:
        from mediasynth.synth.soundscape_assets import index_sources

        return tuple(sorted({s.label for s in index_sources(self.foreground)}))

    # --- drawing -----------------------------------------------------------------------

    def get_params(self, rng: np.random.Generator, class_name: str | None = None,
                   context: ItemContext | None = None) -> dict:
        ctx = context or ItemContext(0)
        fg = split_sources(self.foreground, ctx.split, ctx.split_shares, ctx.seed)
        bg = split_sources(self.background, ctx.split, ctx.split_shares, ctx.seed)
        where = f"split {ctx.split}" if ctx.split else "the folder"
        if not fg:
            raise ConfigError(f"{self.name}: no foreground file falls in {where}: add "
                              f"foreground files or change the split")
        if not bg:
            raise ConfigError(f"{self.name}: no background file falls in {where}: add "
                              f"background files or change the split")
        if not self.allow_repeated_source:
            fg = self._dealt_block(fg, ctx, where)
        sr, duration = self.sample_rate, float(self.duration_s)
        unreadable: list[str] = []
        params: dict[str, Any] = {"sample_rate": sr, "duration_s": duration,
                                  "ref_db": float(D.sample(rng, self.ref_db)),
                                  "background": self._draw_background(rng, bg, unreadable),
                                  "unreadable_sources": unreadable}
        params["room"] = self._draw_room(rng)
        asked = int(rng.integers(self.events_range[0], self.events_range[1] + 1))
        events: list[dict] = []
        for _ in range(asked):
            for _attempt in range(self.max_attempts):
                event = self._draw_event(rng, fg, events, params)
                if event is not None:
                    events.append(event)
                    break
        params["events_asked"] = asked
        params["events"] = events
        return params

    def _dealt_block(self, fg: tuple[Source, ...], ctx: ItemContext,
                     where: str) -> tuple[Source, ...]:
        k = self.events_range[1]
        order = seeded_order(fg, ctx.seed, f"foreground/{ctx.split}")
        slot = ctx.index if ctx.rank is None else ctx.rank
        block = order[slot * k:(slot + 1) * k]
        if len(block) < k:
            raise ConfigError(
                f"{self.name}: allow_repeated_source: false deals {k} foreground sources "
                f"(events_range[1]) to every item of a split; {where} has {len(order)}, its "
                f"item {slot + 1} needs {(slot + 1) * k}: add sources, lower events_range "
                f"or --count, or allow repeats")
        return tuple(block)

    def _draw_background(self, rng, bg: tuple[Source, ...], unreadable: list[str]) -> dict:
        """A background of the drawn label whose file decodes (a file that does not is
        listed in `unreadable` and another is drawn)."""
        from mediasynth.synth.soundscape_assets import load_mono

        labels = sorted({s.label for s in bg})
        label = D.sample(rng, self.background_label, labels)
        files = [s for s in bg if s.label == label]
        if not files:
            raise ConfigError(f"{self.name}: background_label {label!r} has no file here "
                              f"(labels: {labels})")
        while files:
            src = files.pop(int(rng.integers(len(files))))
            try:
                load_mono(os.path.join(self.background, src.path), self.sample_rate)
            except MediaError:
                unreadable.append(f"background/{src.path}")
                continue
            offset = float(rng.uniform(0.0, src.duration_s))
            return {"source": src.path, "label": src.label,
                    "source_offset_s": src.start_s + offset, "clip_start_s": src.start_s,
                    "clip_end_s": src.end_s}
        raise ConfigError(f"{self.name}: no background file of label {label!r} decodes "
                          f"({', '.join(unreadable)})")

    def _draw_room(self, rng) -> dict | None:
        if self.reverb == "none":
            return None
        wet = float(min(max(D.sample(rng, self.reverb_wet), 0.0), 1.0))
        if self.reverb == "synthetic":
            rt60 = float(min(max(D.sample(rng, self.rt60_s), 0.01), 20.0))
            return {"ir": "synthetic", "rt60_s": rt60, "ir_seed": int(rng.integers(0, 2**31)),
                    "wet": wet}
        irs = _ir_files(self.reverb)
        if not irs:
            raise ConfigError(f"{self.name}: reverb folder {self.reverb} holds no audio")
        return {"ir": irs[int(rng.integers(len(irs)))], "wet": wet}

    def _label_candidates(self, fg: tuple[Source, ...], events: list[dict]) -> list[str]:
        labels = sorted({s.label for s in fg})
        used_sources = {e["source_key"] for e in events}
        if not self.allow_repeated_source:
            labels = [lb for lb in labels
                      if any(s.label == lb and s.key not in used_sources for s in fg)]
        if not self.allow_repeated_label:
            labels = [lb for lb in labels if lb not in {e["label"] for e in events}]
        return labels

    def _draw_label(self, rng, candidates: list[str], events: list[dict]) -> str | None:
        if D.is_choose_any(self.label):
            options = candidates
        elif isinstance(self.label, (list, tuple)) and self.label[0] == "choose":
            options = [lb for lb in self.label[1] if lb in candidates]
        else:
            value = D.sample(rng, self.label)
            return value if value in candidates else None
        if not options:
            return None
        matrix = self._cooccurrence()
        weights = np.array([math.prod(matrix.get(e["label"], {}).get(lb, 1.0) for e in events)
                            for lb in options], dtype=np.float64)
        if weights.sum() <= 0:
            return None
        return options[int(rng.choice(len(options), p=weights / weights.sum()))]

    def _draw_event(self, rng, fg: tuple[Source, ...], events: list[dict],
                    params: dict) -> dict | None:
        """One candidate event, or None when it breaks a rule (the caller draws again)."""
        label = self._draw_label(rng, self._label_candidates(fg, events), events)
        if label is None:
            return None
        used = {e["source_key"] for e in events}
        bad = {u.partition("/")[2] for u in params["unreadable_sources"]
               if u.startswith("foreground/")}
        files = [s for s in fg if s.label == label and s.path not in bad
                 and (self.allow_repeated_source or s.key not in used)]
        if not D.is_choose_any(self.source):
            wanted = D.sample(rng, self.source)
            files = [s for s in files if s.path == wanted]
        if not files:
            return None
        src = files[int(rng.integers(len(files)))]
        duration = params["duration_s"]
        length = src.duration_s if self.event_duration_s == AUTO else \
            float(D.sample(rng, self.event_duration_s))
        stretch_factor = float(D.sample(rng, self.stretch))
        if stretch_factor <= 0:
            return None
        length = min(max(length, 0.05), src.duration_s, duration / stretch_factor)
        offset = (float(rng.uniform(0.0, src.duration_s - length))
                  if self.source_offset_s == AUTO else float(D.sample(rng, self.source_offset_s)))
        offset = min(max(offset, 0.0), src.duration_s - length)
        span_s = length * stretch_factor
        onset = (float(rng.uniform(0.0, duration - span_s)) if self.onset_s == AUTO
                 else float(D.sample(rng, self.onset_s)))
        onset = min(max(onset, 0.0), max(duration - span_s, 0.0))
        event = {"label": label, "source": src.path, "source_key": src.key,
                 "source_offset_s": src.start_s + offset, "event_duration_s": length,
                 "onset_placed_s": onset, "snr_db": float(D.sample(rng, self.snr_db)),
                 "pitch_semitones": float(D.sample(rng, self.pitch_semitones)),
                 "stretch": stretch_factor}
        try:
            span = self._audible(event, params)
        except MediaError:  # a file whose header reads but whose data does not decode
            params["unreadable_sources"].append(f"foreground/{src.path}")
            return None
        if span is None:
            return None
        event["audible_start_s"], event["audible_end_s"] = span
        if not self._fits(event, events):
            return None
        return event

    def _audible(self, event: dict, params: dict) -> tuple[float, float] | None:
        """The event's audible extent in the soundscape, in seconds (None: silent)."""
        sr = params["sample_rate"]
        total = int(round(params["duration_s"] * sr))
        start = int(round(event["onset_placed_s"] * sr))
        signal = self._event_signal(event, params)[:max(total - start, 0)]
        span = X.audible_span(signal)
        if span is None:
            return None
        return (start + span[0]) / sr, (start + span[1]) / sr

    def _fits(self, event: dict, events: list[dict]) -> bool:
        """Whether adding `event` keeps at most max_overlap events sounding at once (spans
        widened by min_gap_s, and the placed events' by GUARD_S on both sides, count as
        sounding)."""
        if self.max_overlap == 0:
            return True
        gap = float(self.min_gap_s)
        lo, hi = event["audible_start_s"], event["audible_end_s"] + gap
        others = [(e["audible_start_s"] - GUARD_S, e["audible_end_s"] + gap + GUARD_S)
                  for e in events]
        others = [(a, b) for a, b in others if a < hi - OVERLAP_EPS_S and lo < b - OVERLAP_EPS_S]
        if len(others) < self.max_overlap:
            return True
        points = sorted({lo, *(max(a, lo) for a, _ in others)})
        for t in points:
            active = sum(1 for a, b in others if a <= t + OVERLAP_EPS_S and t < b - OVERLAP_EPS_S)
            if active + 1 > self.max_overlap:
                return False
        return True

    # --- rendering ---------------------------------------------------------------------

    def _event_signal(self, event: dict, params: dict) -> np.ndarray:
        return X.event_signal(
            os.path.join(self.foreground, event["source"]), params["sample_rate"],
            float(event["source_offset_s"]), float(event["event_duration_s"]),
            float(event["pitch_semitones"]), float(event["stretch"]),
            self._room_key(params["room"]))

    def _room_key(self, room: dict | None) -> tuple | None:
        if room is None:
            return None
        if room["ir"] == "synthetic":
            return ("synthetic", float(room["rt60_s"]), int(room["ir_seed"]), float(room["wet"]))
        return ("file", os.path.join(self.reverb, room["ir"]), float(room["wet"]))

    def render(self, params: dict) -> SynthItem:
        from mediasynth.synth.soundscape_assets import excerpt

        sr = params["sample_rate"]
        total = int(round(params["duration_s"] * sr))
        bg = params["background"]
        bg_path = os.path.join(self.background, bg["source"])
        clip = excerpt(bg_path, sr, bg["clip_start_s"], bg["clip_end_s"] - bg["clip_start_s"])
        offset = int(round((bg["source_offset_s"] - bg["clip_start_s"]) * sr))
        background = clip[(offset + np.arange(total)) % clip.size] if clip.size else \
            np.zeros(total, np.float32)
        events = []
        for event in params["events"]:
            onset = int(round(event["onset_placed_s"] * sr))
            signal = self._event_signal(event, params)
            events.append((X.placed(signal, total, onset), (onset, onset + signal.size),
                           event["snr_db"]))
        stems, clip_gain_db = X.leveled_stems(background, events, sr, params["ref_db"])
        stems = [X.quantized(s, self.sample_format) for s in stems]
        spans = [X.audible_span(s) or (0, 0) for s in stems[1:]]
        mix = np.sum(np.stack(stems).astype(np.float64), axis=0).astype(np.float32)
        labels = {
            "duration_s": params["duration_s"], "ref_db": params["ref_db"],
            "clip_gain_db": clip_gain_db, "events_asked": params["events_asked"],
            "unreadable_sources": params.get("unreadable_sources", []),
            "background": {"label": bg["label"], "source": bg["source"],
                           "source_offset_s": bg["source_offset_s"]},
            "room": params["room"],
            "events": [{"label": e["label"], "onset_s": span[0] / sr, "offset_s": span[1] / sr,
                        **{k: e[k] for k in ("snr_db", "source", "source_offset_s",
                                             "event_duration_s", "pitch_semitones", "stretch")}}
                       for e, span in zip(params["events"], spans)],
        }
        return SynthItem(Audio(mix[None], sr, meta={"stems": stems}), "soundscape", labels)

    # --- writing -----------------------------------------------------------------------

    def write(self, item: SynthItem, path: Path) -> None:
        _write_wav(item.media.samples, item.media.sample_rate, path, self.sample_format)

    def side_files(self, rel: str, split: str | None) -> tuple[str, ...]:
        if not self.stems:
            return ()
        folder = stem_folder(rel)
        return (f"{folder}/background.wav",
                *(f"{folder}/event_{i:03d}.wav" for i in range(self.events_range[1])))

    def write_side_files(self, item: SynthItem, out: Path, rel: str, split: str | None) -> dict:
        if not self.stems:
            return {}
        from mediasynth.io.atomic import atomic_path

        stems = item.media.meta["stems"]
        sr = item.media.sample_rate
        paths = self.side_files(rel, split)
        listed = [{"path": paths[0], "label": None, "onset": 0.0,
                   "offset": item.annotations["duration_s"], "snr_db": None,
                   "loudness_lufs": item.annotations["ref_db"] + item.annotations["clip_gain_db"]}]
        for i, event in enumerate(item.annotations["events"]):
            listed.append({"path": paths[i + 1], "label": event["label"],
                           "onset": event["onset_s"], "offset": event["offset_s"],
                           "snr_db": event["snr_db"], "source": event["source"]})
        for entry, samples in zip(listed, stems):
            with atomic_path(out / entry["path"]) as tmp:
                _write_wav(samples[None], sr, tmp, self.sample_format)
        for unused in paths[len(listed):]:  # an earlier run's stems of events not made now
            (out / unused).unlink(missing_ok=True)
        return {"stems": listed}

    def write_annotations(self, folder: Path, split: str, rows: list[dict]) -> None:
        from mediasynth.io.atomic import write_bytes_atomic
        from mediasynth.io.layouts.events import HEADER, _seconds

        lines = ["\t".join(HEADER)]
        for r in sorted(rows, key=lambda r: r["output"]):
            events = sorted(r["info"]["labels"]["events"],
                            key=lambda e: (e["onset_s"], e["offset_s"], e["label"]))
            if not events:
                lines.append(f"{r['output']}\t\t\t")
            for e in events:
                lines.append(f"{r['output']}\t{_seconds(e['onset_s'])}\t"
                             f"{_seconds(e['offset_s'])}\t{e['label']}")
        write_bytes_atomic(folder / f"{split}.tsv", ("\n".join(lines) + "\n").encode())


def stem_folder(rel: str) -> str:
    """Where the stems of the soundscape at `rel` go: stems/<split>/<name>/ beside the
    class folders (outside them, so `expand` reads OUT's event table and nothing else)."""
    pure = PurePosixPath(rel)
    split = pure.parts[0] if len(pure.parts) > 2 else "all"
    return f"stems/{split}/{pure.stem}"


def _write_wav(samples: np.ndarray, sample_rate: int, path: Path, sample_format: str) -> None:
    from mediasynth.io.audio_io import write_audio

    write_audio(Audio(samples, sample_rate), path, audio_format="wav",
                subtype=sample_format, atomic=False)


def _ir_files(folder: str) -> tuple[str, ...]:
    from mediasynth.core import modality
    from mediasynth.io.discover import files_under
    from mediasynth.io.layouts.base import rel

    return tuple(rel(p, Path(folder)) for p in files_under(folder)
                 if modality.kind_of_extension(p.suffix.lower()) == "audio"
                 and not p.name.startswith("."))
