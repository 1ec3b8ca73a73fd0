"""Where time goes: the piecewise time maps of audio transforms, and sound events moved
through a chain by the record of its run.

Every audio transform declares, next to its kernel, a `time_map(params, frames, sample_rate)`
(see transforms/base.py): the instants of its input that survive, where each lands in its
output, and the output length in frames. Transforms that leave time alone keep the default,
the identity. A map is a list of linear pieces, so every edit mediasynth makes is exact:

    shift (rollover)   [0, T-s) -> +s and [T-s, T] -> s-T: an event crossing the end is
                       split in two, its head at the end and its tail from 0
    shift (no wrap)    [0, T-s) -> +s; what falls off the end is gone
    crop / trim        [a, a+L) -> -a; events outside the window are dropped
    pad                [0, T] -> +before
    reverse            [0, T] -> T - t (onset and offset swap)
    time stretch       t -> t / rate (pitch shift: rate 1, time unchanged)
    speed              t -> t / factor

A partner step (the chain's first, e.g. audio.mix) adds the partner's events to the
source's before any of this: `with_partner_events` asks the step (`mix_events`) by its
record, and the merged events are then walked through the whole chain like the source's.

`retime_events` walks a chain and its OpRecord together (compose, one_of, some_of,
random_apply; steps with applied=False do nothing; fused steps use their group's single map,
as the chain applied them), maps each event interval through every step, merges pieces of
one event that meet again (a wrap undone by a later shift), clips to [0, output duration]
and counts the events with nothing left.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MERGE_TOLERANCE_S = 1e-9  # pieces of one event closer than this are one piece


@dataclass(frozen=True)
class Piece:
    """Input instants t in [start_s, end_s) land at dst_s + slope * (t - start_s)."""

    start_s: float
    end_s: float
    dst_s: float
    slope: float = 1.0

    def image(self, lo_s: float, hi_s: float) -> tuple[float, float]:
        """Where [lo_s, hi_s] (inside the piece) lands, as (onset, offset) in order."""
        a = self.dst_s + self.slope * (lo_s - self.start_s)
        b = self.dst_s + self.slope * (hi_s - self.start_s)
        return (a, b) if a <= b else (b, a)


@dataclass(frozen=True)
class TimeMap:
    """One step's time map: `pieces` cover exactly the input instants that survive (in
    seconds of the step's input), `frames_out` is the step's output length."""

    pieces: tuple[Piece, ...]
    frames_out: int

    @classmethod
    def identity(cls, frames: int, sample_rate: int) -> TimeMap:
        return cls((Piece(0.0, frames / sample_rate, 0.0),), frames)

    @classmethod
    def scaled(cls, frames: int, sample_rate: int, *, slope: float, frames_out: int) -> TimeMap:
        """t -> t * slope over the whole input (stretch, speed)."""
        return cls((Piece(0.0, frames / sample_rate, 0.0, slope),), frames_out)

    @classmethod
    def window(cls, start_frame: int, length_frames: int, sample_rate: int) -> TimeMap:
        """Keep input frames [start, start + length), moved to the output's start."""
        return cls((Piece(start_frame / sample_rate, (start_frame + length_frames) / sample_rate,
                          0.0),), length_frames)

    def map_times(self, times_s) -> np.ndarray:
        """Output time of each input instant (NaN where the instant does not survive)."""
        times = np.asarray(times_s, dtype=np.float64)
        out = np.full(times.shape, np.nan)
        for piece in reversed(self.pieces):  # the first piece holding t wins
            inside = (times >= piece.start_s) & (times < piece.end_s)
            out[inside] = piece.dst_s + piece.slope * (times[inside] - piece.start_s)
        return out

    def map_interval(self, onset_s: float, offset_s: float) -> list[tuple[float, float]]:
        """The output intervals [onset, offset] of one input interval: one per piece it
        overlaps (none when it lies outside every piece). A zero-length event survives in
        the first piece that holds it."""
        if offset_s <= onset_s:
            for piece in self.pieces:
                if piece.start_s <= onset_s <= piece.end_s:
                    return [piece.image(onset_s, onset_s)]
            return []
        out = []
        for piece in self.pieces:
            lo, hi = max(onset_s, piece.start_s), min(offset_s, piece.end_s)
            if hi > lo:
                out.append(piece.image(lo, hi))
        return out


def time_maps(step, record, frames: int, sample_rate: int) -> list[TimeMap]:
    """The time maps of one run of `step` (a transform or composite) as `record` says it
    went, in order, starting from an input of `frames` frames."""
    from mediasynth.core.compose import Compose, OneOf, RandomApply, SomeOf

    if step is None or not record.applied:
        return []
    if isinstance(step, Compose):
        return _compose_maps(step, record, frames, sample_rate)
    if isinstance(step, OneOf):
        return time_maps(step.steps[record.params["index"]], record.children[0], frames,
                         sample_rate)
    if isinstance(step, SomeOf):
        return sequence_maps([step.steps[i] for i in record.params["indices"]],
                              record.children, frames, sample_rate)
    if isinstance(step, RandomApply):
        return time_maps(step.step, record.children[0], frames, sample_rate)
    return [step.time_map(record.params, frames, sample_rate)]


def sequence_maps(steps, records, frames: int, sample_rate: int) -> list[TimeMap]:
    """The maps of steps run one after the other (each from the previous one's output)."""
    maps: list[TimeMap] = []
    for step, record in zip(steps, records):
        for tmap in time_maps(step, record, frames, sample_rate):
            maps.append(tmap)
            frames = tmap.frames_out
    return maps


def _compose_maps(chain, record, frames: int, sample_rate: int) -> list[TimeMap]:
    """Compose's steps in its own grouping: a fused group (several steps applied in one
    pass) contributes its group's maps (`time_maps_fused`)."""
    maps: list[TimeMap] = []
    for start, stop in chain._groups():
        steps, records = list(chain.steps[start:stop]), list(record.children[start:stop])
        if stop - start == 1:
            group = time_maps(steps[0], records[0], frames, sample_rate)
        else:
            group = type(steps[0]).time_maps_fused(steps, records, frames, sample_rate)
        for tmap in group:
            maps.append(tmap)
            frames = tmap.frames_out
    return maps


def with_partner_events(annotation: dict, chain, record, partners, *, frames: int,
                        sample_rate: int) -> dict:
    """`annotation` (the source's, in its seconds) with the events of the partners a partner
    step mixed in, as that step says (`mix_events`) by its record; unchanged when the
    chain's first step takes no partners or did not apply. `partners` are the (media,
    annotation or None) pairs the step was handed; `frames` and `sample_rate` are the
    source's."""
    from mediasynth.core.compose import Compose

    steps = chain.steps if isinstance(chain, Compose) else [chain] if chain else []
    first_record = (record.children[0] if isinstance(chain, Compose) and record.children
                    else record)
    if not steps or not getattr(steps[0], "partners_needed", 0) or not first_record.applied:
        return annotation
    return steps[0].mix_events(annotation, [a for _, a in partners], first_record.params,
                               frames, sample_rate)


def retime_events(annotation: dict, chain, record, *, frames_in: int, frames_out: int,
                  sample_rate: int) -> tuple[dict, int]:
    """(the annotation with its events where the chain put them, events dropped).

    `annotation` is {"events": [{"label", "onset_s", "offset_s", ...}], ...}; other event
    and annotation fields are kept; "duration_s" becomes the output's. An event split by a
    wrap-around becomes several events with the same fields. Raises ValueError when the
    maps' output length differs from `frames_out` (a transform that changes the length
    without declaring it would otherwise misplace every event)."""
    maps = time_maps(chain, record, frames_in, sample_rate)
    walked = maps[-1].frames_out if maps else frames_in
    if walked != frames_out:
        raise ValueError(f"the audio chain's time maps end at {walked} frames but the output "
                         f"has {frames_out}: a transform changes the length without a time_map")
    events = annotation.get("events") or []
    pieces = [(i, float(e["onset_s"]), float(e["offset_s"])) for i, e in enumerate(events)]
    for tmap in maps:
        pieces = _merged([(i, a, b) for i, lo, hi in pieces
                          for a, b in tmap.map_interval(lo, hi)])
    duration_s = frames_out / sample_rate
    kept = _clipped(pieces, duration_s)
    moved = [{**events[i], "onset_s": round(a, 6), "offset_s": round(b, 6)} for i, a, b in kept]
    moved.sort(key=lambda e: (e["onset_s"], e["offset_s"], str(e.get("label"))))
    dropped = len(events) - len({i for i, _, _ in kept})
    return {**annotation, "events": moved, "duration_s": round(duration_s, 6)}, dropped


def _merged(pieces: list[tuple[int, float, float]]) -> list[tuple[int, float, float]]:
    """Pieces of the same event that touch or overlap, joined."""
    out: list[tuple[int, float, float]] = []
    for i, a, b in sorted(pieces):
        if out and out[-1][0] == i and a <= out[-1][2] + MERGE_TOLERANCE_S:
            out[-1] = (i, out[-1][1], max(b, out[-1][2]))
        else:
            out.append((i, a, b))
    return out


def _clipped(pieces, duration_s: float) -> list[tuple[int, float, float]]:
    """Pieces clipped to [0, duration_s]; those left with nothing (or outside) dropped."""
    out = []
    for i, a, b in pieces:
        lo, hi = min(max(a, 0.0), duration_s), min(max(b, 0.0), duration_s)
        if hi > lo or (a == b and 0.0 <= a <= duration_s):
            out.append((i, lo, hi))
    return out
