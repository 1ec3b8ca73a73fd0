"""Recordings mixed from several sources: `audio.mix` adds a partner recording to the source
at a drawn signal-to-noise ratio.

A partner transform (like image.mixup, see image/transforms/mixing.py) declares how many
partner sources it needs (`partners_needed`) and where they come from (`partners_from`:
same_class | any_class | neighbours, always from the same split; neighbours: among the
source's nearest train sources of its class in the embedding `balance: synthesize` uses,
audio/mixing.py); the engine plans them per output, loads them and hands them over in
`media.meta["partners"]` as (Audio, annotation or None) pairs. It must be the first step of its chain. Its parameters (the SNR, the gain it gives,
the partner's offset) are drawn from the output's generator and recorded, so replay with
the same partners is exact. `label_weights(params)` gives each input's share of the label
(source first).

The partner is fitted to the source before it is added:
    rate      resampled to the source's rate (soxr HQ, duration kept)
    channels  kept when the counts agree; a mono partner is repeated into every channel;
              otherwise the mean of its channels is repeated
    length    placed at `offset_frames` on the source's timeline and zero-padded/cut to the
              source's length (never looped: a loop would add seams and repeat its events).
              With `random_offset` the offset is drawn uniformly so that a shorter partner
              lies wholly inside the source (0 <= offset <= T - P) and a longer one covers it
              wholly (T - P <= offset <= 0, a random window of the partner); else 0.

Sound events (audio/handler.py): the partner's events are shifted by the offset, clipped to
the source's duration (those with nothing left are left out) and merged with the source's
(`mix_events`); the later steps of the chain then retime them all (audio/retime.py).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from mediasynth.audio.transforms.base import AudioTransform, _finite
from mediasynth.core.media import Audio
from mediasynth.core.params import param
from mediasynth.core.registry import register
from mediasynth.core.transform import integer, uniform

PARTNER_SOURCES = ("same_class", "any_class", "neighbours")  # as image partner steps take


def power(samples: np.ndarray) -> float:
    """Mean square over all channels and frames (0.0 for no frames), in float64."""
    if samples.size == 0:
        return 0.0
    return float(np.mean(np.square(samples, dtype=np.float64)))


def fitted_partner(partner: Audio, sample_rate: int, channels: int) -> np.ndarray:
    """The partner's samples at `sample_rate` (soxr HQ) with `channels` channels (see the
    module doc), float32 (channels, frames); its length is the resampled one."""
    from mediasynth.audio.functional.stretch import resample

    samples = resample(partner.samples, from_hz=partner.sample_rate, to_hz=sample_rate)
    if samples.shape[0] == channels:
        return samples
    mono = samples if samples.shape[0] == 1 else samples.mean(axis=0, keepdims=True)
    return np.repeat(mono.astype(np.float32), channels, axis=0)


def placed(samples: np.ndarray, frames: int, offset_frames: int) -> np.ndarray:
    """`samples` (channels, P) starting at frame `offset_frames` of a zero signal of `frames`
    frames (what falls before 0 or after the end is cut)."""
    out = np.zeros((samples.shape[0], frames), np.float32)
    start, stop = max(offset_frames, 0), min(frames, offset_frames + samples.shape[1])
    if stop > start:
        out[:, start:stop] = samples[:, start - offset_frames: stop - offset_frames]
    return out


def snr_gain(source_power: float, partner_power: float, snr_db: float) -> float:
    """The amplitude gain giving the partner power source_power / 10^(snr_db / 10); 0.0 when
    either input is silent (no SNR can be met: nothing is added)."""
    if source_power <= 0.0 or partner_power <= 0.0:
        return 0.0
    return math.sqrt(source_power / (partner_power * 10.0 ** (snr_db / 10.0)))


def shifted_events(annotation: dict | None, offset_s: float, duration_s: float) -> list[dict]:
    """The events of `annotation` moved by `offset_s` and clipped to [0, duration_s]; those
    with nothing left inside (a zero-length event outside) are left out. Other fields kept."""
    out = []
    for event in (annotation or {}).get("events") or []:
        onset, offset = float(event["onset_s"]) + offset_s, float(event["offset_s"]) + offset_s
        lo, hi = min(max(onset, 0.0), duration_s), min(max(offset, 0.0), duration_s)
        if hi > lo or (onset == offset and 0.0 <= onset <= duration_s):
            out.append({**event, "onset_s": round(lo, 6), "offset_s": round(hi, 6)})
    return out


@register("audio.mix")
@dataclass(frozen=True, kw_only=True)
class Mix(AudioTransform):
    """Add a partner recording at a signal-to-noise ratio drawn from `snr_db_range`: the
    partner (fitted to the source's rate, channels and length, see the module doc) is scaled
    by `gain` so that power(source) / power(gain * partner) = 10^(snr_db / 10), powers as
    mean squares over the source's length. A silent source or partner gets gain 0 (the
    source is kept). Params: snr_db, gain (linear amplitude), offset_frames (the partner's
    start on the source's timeline, at the source's rate). Label weights are the energy
    shares: source 1 / (1 + 10^(-snr_db / 10)), partner the rest ([1, 0] at gain 0). The
    output keeps the source's length (time map: the identity); the sum may exceed full scale,
    which the writer clips and counts. Soft labels by energy share."""

    partners_needed: ClassVar[int] = 1
    snr_db_range: tuple[float, float] = param(
        (0.0, 10.0), "[low, high] SNR of the source over the added partner", unit="dB",
        low=-40.0, high=60.0)
    partners_from: str = param("same_class", "source of the partner recordings",
                               choices=PARTNER_SOURCES)
    random_offset: bool = param(True, "draw the partner's offset (see the module doc); false: "
                                "start at 0", checked=False)

    def partners(self, media: Audio) -> list[tuple[Audio, dict | None]]:
        """The (Audio, annotation) pairs handed over in meta (ValueError when missing)."""
        found = list(media.meta.get("partners") or ())
        if len(found) < self.partners_needed:
            raise ValueError(f"{self.name} needs {self.partners_needed} partner recording(s) "
                             "in media.meta['partners'] (mediasynth expand provides them)")
        return found[: self.partners_needed]

    def get_params(self, rng, media: Audio) -> dict[str, Any]:
        partner = fitted_partner(self.partners(media)[0][0], media.sample_rate, media.channels)
        snr_db = uniform(rng, self.snr_db_range)
        spare = media.frames - partner.shape[1]
        offset = integer(rng, (min(0, spare), max(0, spare))) if self.random_offset else 0
        gain = snr_gain(power(media.samples), power(placed(partner, media.frames, offset)),
                        snr_db)
        return {"snr_db": snr_db, "gain": gain, "offset_frames": offset}

    def apply(self, media: Audio, params: dict[str, Any]) -> Audio:
        """source + gain * placed partner (float64 sum, float32 out); the partners leave
        meta (later steps see one recording)."""
        partner = fitted_partner(self.partners(media)[0][0], media.sample_rate, media.channels)
        added = placed(partner, media.frames, int(params["offset_frames"]))
        mixed = media.samples.astype(np.float64) + float(params["gain"]) * added
        meta = {k: v for k, v in media.meta.items() if k != "partners"}
        return media.replace(samples=_finite(mixed), meta=meta)

    def mix_events(self, source: dict, partners: list[dict | None], params: dict[str, Any],
                   frames: int, sample_rate: int) -> dict:
        """The source's annotation with the partner's events (shifted by the offset, clipped
        to the source's duration) added; unchanged at gain 0 (nothing was added)."""
        if float(params["gain"]) == 0.0:
            return source
        moved = shifted_events(partners[0] if partners else None,
                               int(params["offset_frames"]) / sample_rate, frames / sample_rate)
        return {**source, "events": list(source.get("events") or []) + moved}

    def label_weights(self, params: dict[str, Any]) -> list[float]:
        """[source share, partner share] of the mix's energy (sum 1)."""
        if float(params["gain"]) == 0.0:
            return [1.0, 0.0]
        source = 1.0 / (1.0 + 10.0 ** (-float(params["snr_db"]) / 10.0))
        return [source, 1.0 - source]


@register("audio.background")
@dataclass(frozen=True, kw_only=True)
class Background(Mix):
    """Add a background recording from `folder` at an SNR drawn from `snr_db_range`, as
    `audio.mix` adds a partner. The folder's recordings are read through the engine like
    sources: header-checked against the budgets, split by the same rule as SRC (a hash of
    the seed and their path), and an output only ever gets a background of its own split, so
    no val/test noise reaches train; rows name the recording and its sha256. `folder` is
    resolved from the working directory, as SRC is. The background's offset is drawn as
    audio.mix draws the partner's."""

    folder: str = param("", "folder of background recordings (searched at any depth)",
                        checked=False)
    snr_db_range: tuple[float, float] = param(
        (3.0, 30.0), "[low, high] SNR of the source over the background", unit="dB",
        low=-40.0, high=60.0)
    partners_from: str = param("folder", "always folder (the recordings of `folder`)",
                               checked=False)

    def validate(self) -> None:
        if not self.folder:
            raise ValueError(f"{self.name}: folder is required")
        if self.partners_from != "folder":
            raise ValueError(f"{self.name}: partners come from its folder")
