"""`synth.video`: moving shapes with per-frame boxes and a soundtrack that beeps on events.

Objects move on linear, bouncing or circular trajectories. Boxes come from the same shape
geometry that is drawn, for every frame (MOT-style rows); each bounce off a wall is an audio
event: a short tone at the object's pitch starting at the bounce time.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mediasynth.core.errors import ConfigError
from mediasynth.core.registry import register
from mediasynth.synth import shapes_draw as D
from mediasynth.synth.base import Generator, ItemContext, SynthItem, check_choices, pick

TRAJECTORIES = ("linear", "bouncing", "circular")
BEEP_S = 0.08


@register("synth.video")
@dataclass(frozen=True, kw_only=True)
class MovingShapes(Generator):
    """Clips of shapes moving on linear, bouncing or circular paths over a background, with
    per-frame boxes and a tone soundtrack that beeps when an object bounces. The clip's class
    is its trajectory type.

    Fields:
        width: frame width in pixels (even).
        height: frame height in pixels (even).
        fps: frames per second.
        duration_s: clip length in seconds.
        objects_range: [min, max] moving objects.
        shapes: shape classes to draw from.
        trajectories: trajectory classes to draw from (linear, bouncing, circular).
        size_fraction_range: [low, high] object extent as a share of the shorter side.
        speed_fraction_range: [low, high] speed in frame widths per second.
        audio: add the event soundtrack (16 kHz mono).
    """

    media_kind = "video"
    extension = ".mp4"
    needs_ffmpeg = True

    width: int = 160
    height: int = 120
    fps: float = 25.0
    duration_s: float = 2.0
    objects_range: tuple[int, int] = (1, 2)
    shapes: tuple[str, ...] = ("circle", "square", "triangle", "star")
    trajectories: tuple[str, ...] = TRAJECTORIES
    size_fraction_range: tuple[float, float] = (0.15, 0.3)
    speed_fraction_range: tuple[float, float] = (0.5, 1.5)
    audio: bool = True

    def validate(self) -> None:
        check_choices(self, "shapes", D.SHAPES)
        check_choices(self, "trajectories", TRAJECTORIES)
        if self.width % 2 or self.height % 2 or not (16 <= self.width <= 4096) or not (
                16 <= self.height <= 4096):
            raise ConfigError(f"{self.name}: width and height must be even, in [16, 4096]")
        if not 1 <= self.fps <= 120 or not 0.1 <= self.duration_s <= 3600:
            raise ConfigError(f"{self.name}: fps must be in [1, 120], duration_s in [0.1, 3600]")
        lo, hi = self.objects_range
        if not 1 <= lo <= hi <= 20:
            raise ConfigError(f"{self.name}: objects_range must satisfy 1 <= min <= max <= 20")

    def classes(self) -> tuple[str, ...]:
        return tuple(self.trajectories)

    def get_params(self, rng: np.random.Generator, class_name: str | None = None,
                   context: ItemContext | None = None) -> dict:
        trajectory = class_name or pick(rng, self.trajectories)
        short = min(self.width, self.height)
        objects = []
        for i in range(int(rng.integers(self.objects_range[0], self.objects_range[1] + 1))):
            size = float(rng.uniform(*self.size_fraction_range) * short)
            speed = float(rng.uniform(*self.speed_fraction_range) * self.width)
            angle = float(rng.uniform(0, 2 * math.pi))
            half = size / 2
            objects.append({
                "id": i + 1, "shape": pick(rng, self.shapes), "size": size,
                "x0": float(rng.uniform(half, self.width - half)),
                "y0": float(rng.uniform(half, self.height - half)),
                "vx": speed * math.cos(angle), "vy": speed * math.sin(angle),
                "radius": float(rng.uniform(0.15, 0.3) * short),
                "omega": float(rng.uniform(1.0, 3.0) * rng.choice([-1, 1])),
                "phase": float(rng.uniform(0, 2 * math.pi)),
                "rotation_deg": float(rng.uniform(0, 360)),
                "color": [int(v) for v in rng.integers(60, 256, 3)],
                "tone_hz": float(rng.choice([440.0, 660.0, 880.0, 1100.0])),
            })
        return {"width": self.width, "height": self.height, "fps": self.fps,
                "duration_s": self.duration_s, "trajectory": trajectory,
                "background": [int(v) for v in rng.integers(0, 50, 3)], "objects": objects,
                "audio": self.audio}

    def render(self, params: dict) -> SynthItem:
        """Labels only (frames are streamed by `write`): per-frame boxes and events."""
        frames = frame_count(params)
        boxes, events = [], []
        for obj in params["objects"]:
            for i in range(frames):
                box = _box(params, obj, i / params["fps"])
                if box is not None:
                    boxes.append({"frame": i + 1, "id": obj["id"], "class": obj["shape"],
                                  "box": box})
            events += [{"t_s": t, "id": obj["id"], "kind": "bounce", "tone_hz": obj["tone_hz"]}
                       for t in bounce_times(params, obj)]
        events.sort(key=lambda e: (e["t_s"], e["id"]))
        labels = {"trajectory": params["trajectory"], "frames": frames, "fps": params["fps"],
                  "boxes": boxes, "events": events}
        return SynthItem(params, params["trajectory"], labels)

    def write(self, item: SynthItem, path: Path) -> None:
        write_clip(item.media, item.annotations["events"], path)

    def write_annotations(self, folder: Path, split: str, rows: list[dict]) -> None:
        """MOT-style CSV per split: file, frame, id, x, y, w, h, class."""
        import csv
        import io

        from mediasynth.io.atomic import write_bytes_atomic
        from mediasynth.synth.export import write_json

        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(["file", "frame", "id", "x", "y", "w", "h", "class"])
        for r in rows:
            for b in r["info"]["labels"]["boxes"]:
                x0, y0, x1, y1 = b["box"]
                w.writerow([r["output"], b["frame"], b["id"], round(x0, 2), round(y0, 2),
                            round(x1 - x0, 2), round(y1 - y0, 2), b["class"]])
        write_bytes_atomic(folder / f"{split}.mot.csv", buf.getvalue().encode())
        write_json(folder / f"{split}.events.json",
                   [{"file": r["output"], "events": r["info"]["labels"]["events"]} for r in rows])


def frame_count(params: dict) -> int:
    return int(round(params["duration_s"] * params["fps"]))


def _fold(u: float, lo: float, hi: float) -> float:
    """Reflect u into [lo, hi] (a ball bouncing between two walls)."""
    span = hi - lo
    if span <= 0:
        return lo
    k = (u - lo) % (2 * span)
    return lo + (k if k <= span else 2 * span - k)


def position(params: dict, obj: dict, t: float) -> tuple[float, float]:
    w, h, half = params["width"], params["height"], obj["size"] / 2
    kind = params["trajectory"]
    if kind == "circular":
        cx = min(max(obj["x0"], obj["radius"] + half), w - obj["radius"] - half)
        cy = min(max(obj["y0"], obj["radius"] + half), h - obj["radius"] - half)
        a = obj["phase"] + obj["omega"] * t
        return cx + obj["radius"] * math.cos(a), cy + obj["radius"] * math.sin(a)
    x, y = obj["x0"] + obj["vx"] * t, obj["y0"] + obj["vy"] * t
    if kind == "bouncing":
        return _fold(x, half, w - half), _fold(y, half, h - half)
    return x, y


def bounce_times(params: dict, obj: dict) -> list[float]:
    """Times when a bouncing object touches a wall (unfolded coordinate hits a wall)."""
    if params["trajectory"] != "bouncing":
        return []
    times = []
    half = obj["size"] / 2
    for start, v, extent in ((obj["x0"], obj["vx"], params["width"]),
                             (obj["y0"], obj["vy"], params["height"])):
        lo, hi = half, extent - half
        span = hi - lo
        if abs(v) < 1e-9 or span <= 0:
            continue
        # walls of the unfolded line sit at lo + k * span
        k = math.floor((start - lo) / span)
        step = 1 if v > 0 else 0
        k += step
        while True:
            t = (lo + k * span - start) / v
            if t > params["duration_s"]:
                break
            if t > 0:
                times.append(round(t, 6))
            k += 1 if v > 0 else -1
    return sorted(times)


def _contours(params: dict, obj: dict, t: float) -> list[np.ndarray]:
    x, y = position(params, obj, t)
    return D.shape_contours(obj["shape"], cx=x, cy=y, size=obj["size"],
                            rotation_deg=obj["rotation_deg"])


def _box(params: dict, obj: dict, t: float) -> list[float] | None:
    pts = D.clip_polygon(_contours(params, obj, t)[0], params["width"], params["height"])
    if len(pts) < 3:
        return None
    (x0, y0), (x1, y1) = pts.min(axis=0), pts.max(axis=0)
    if x1 - x0 < 1 or y1 - y0 < 1:
        return None
    return [round(float(x0), 3), round(float(y0), 3), round(float(x1), 3), round(float(y1), 3)]


def frames(params: dict):
    """Yield every frame (H x W x 3 uint8)."""
    w, h = params["width"], params["height"]
    bg = np.broadcast_to(np.array(params["background"], np.uint8), (h, w, 3))
    for i in range(frame_count(params)):
        frame = bg.copy()
        for obj in params["objects"]:
            D.fill(frame, _contours(params, obj, i / params["fps"]), tuple(obj["color"]),
                   antialias=True)
        yield frame


def soundtrack(params: dict, events: list[dict], sample_rate: int = 16000) -> np.ndarray:
    """A quiet hum plus a short tone (with 5 ms ramps) at every event."""
    n = int(round(params["duration_s"] * sample_rate))
    t = np.arange(n) / sample_rate
    out = 0.02 * np.sin(2 * np.pi * 110.0 * t)
    beep_n = int(BEEP_S * sample_rate)
    ramp = np.minimum(1.0, np.minimum(np.arange(beep_n), np.arange(beep_n)[::-1]) /
                      (0.005 * sample_rate))
    for e in events:
        start = int(round(e["t_s"] * sample_rate))
        seg = min(beep_n, n - start)
        if seg <= 0:
            continue
        tt = np.arange(seg) / sample_rate
        out[start : start + seg] += 0.5 * ramp[:seg] * np.sin(2 * np.pi * e["tone_hz"] * tt)
    return np.clip(out, -1, 1).astype(np.float32)[None]


def write_clip(params: dict, events: list[dict], path: Path) -> None:
    """Encode the clip to MP4 (H.264 + AAC) through io/ffmpeg_encode.py, deterministic
    bytes."""
    from mediasynth.core.media import Audio
    from mediasynth.io.audio_io import write_audio
    from mediasynth.io.ffmpeg import input_arg
    from mediasynth.io.ffmpeg_encode import encode_rgb_frames, mp4_output_args

    path = Path(path)
    inputs, audio, wav = [], ["-an"], None
    if params["audio"]:
        wav = path.parent / f".mediasynth-tmp-synth-{os.getpid()}-{path.stem}.wav"
        write_audio(Audio(soundtrack(params, events), 16000), wav, subtype="PCM_16", atomic=False)
        inputs, audio = ["-i", input_arg(wav)], ["-c:a", "aac", "-b:a", "96k"]
    try:
        encode_rgb_frames(frames(params), width_px=params["width"], height_px=params["height"],
                          fps=params["fps"], inputs=inputs, what="encoding the synthetic clip",
                          output_args=mp4_output_args(path, crf=18, audio=audio,
                                                      bitexact_codecs=True))
    finally:
        if wav is not None:
            wav.unlink(missing_ok=True)
