"""FFmpeg filter strings: source normalization, temporal edits, and the FFmpeg equivalents
of frame and audio transforms (the fused path).

An equivalent is a function (step, params, width, height) -> list of filters; a step
without one makes a chain unfusable. Equivalents reproduce the Python kernels exactly
where FFmpeg can (flips, quarter turns, per-channel affine maps done on YUV with lutyuv),
within a luma level for a pure brightness offset (eq's faster path), and closely elsewhere
(eq contrast and saturation, hue, rotate's interpolation); tests bound the difference.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from mediasynth.core.media import Video
from mediasynth.core.transform import OpRecord

PYTHON_EDITS = ("drop_duplicate", "reverse")
FUSED_REVERSE_LIMIT_BYTES = 256 * 1024**2  # the reverse filter holds every frame in memory


def source_filters(video: Video) -> list[str]:
    """The first frame at time 0 (the origin the soundtrack is placed against, see
    `audio_source_filters`), square pixels, even size (odd sizes lose their last
    row/column), constant frame rate for variable-rate sources. Rotation is applied by
    FFmpeg's autorotate."""
    out = ["setpts=PTS-STARTPTS"]
    if abs(video.pixel_aspect - 1.0) > 1e-3:
        out += ["scale=trunc(iw*sar/2)*2:trunc(ih/2)*2", "setsar=1"]
    elif video.width % 2 or video.height % 2:
        out.append("crop=trunc(iw/2)*2:trunc(ih/2)*2:0:0")
    if video.variable_fps:
        out.append(f"fps={video.fps:.6f}")
    return out


def audio_source_filters(video: Video, sample_rate: int) -> list[str]:
    """Put the soundtrack on the video's time base, which every temporal edit then changes
    alike: sample 0 plays with the first frame (silence before a track that starts late,
    the lead of one that starts early cut off, at `video.meta["audio_offset_s"]`), gaps
    are filled with silence, and the track is padded or cut to end with the last frame
    (`video.duration_s`)."""
    offset_s = float(video.meta.get("audio_offset_s", 0.0))
    total = max(1, int(round(video.duration_s * sample_rate)))
    return [f"asetpts=PTS-STARTPTS{offset_s:+.6f}/TB", "aresample=async=1:first_pts=0",
            f"apad=whole_len={total}", f"atrim=end_sample={total}"]


def trim_samples(edit: dict, sample_rate: int) -> tuple[int, int]:
    """[first, end) sample of a trim edit: the same frame boundaries the video is cut on."""
    fps = edit["fps"]
    first = int(round(edit["start_frame"] * sample_rate / fps))
    return first, int(round((edit["start_frame"] + edit["frames"]) * sample_rate / fps))


def video_edit_filters(edits: list[dict], *, python_edits: bool
                       ) -> tuple[list[str], list[dict]]:
    """(video filters, edits left to Python) for the temporal edits. Fades are NOT
    included (see `fade_filters`); with `python_edits` False the Python-only edits must be
    absent or expressible (small reverse). With `python_edits` True every edit from the
    first Python-only one on is left to Python (in order: a trim after a reverse cuts the
    reversed clip), fades excepted."""
    vf, rest = [], []
    for e in edits:
        op = e["op"]
        if rest and op != "fade":
            rest.append(e)
        elif op == "trim":  # whole frames: the audio is cut on the same boundaries
            vf.append(f"trim=start_frame={e['start_frame']}:"
                      f"end_frame={e['start_frame'] + e['frames']},setpts=PTS-STARTPTS")
        elif op == "speed":
            vf.append(f"setpts=PTS/{e['factor']:.6f},fps={e['fps']:.6f}")
        elif op == "fps":
            vf.append(f"fps={e['fps']}")
        elif op in PYTHON_EDITS:
            if python_edits:
                rest.append(e)
            elif op == "reverse":
                vf.append("reverse")
            else:
                raise ValueError(f"{op} has no FFmpeg equivalent")
    return vf, rest


def audio_needs_python(edits: list[dict]) -> bool:
    """True when an edit's audio has no exact FFmpeg equivalent: a pitch-keeping speed
    change (atempo moves onsets by up to ~60 ms; Signalsmith Stretch keeps them within a
    millisecond, measured)."""
    return any(e["op"] == "speed" and e["keep_pitch"] and e["factor"] != 1.0 for e in edits)


def audio_edit_filters(edits: list[dict], sample_rate: int) -> list[str]:
    """FFmpeg audio filters for the temporal edits (fades excluded, see `fade_filters`), on a
    soundtrack already on the video's time base (`audio_source_filters`). Refuses the edits
    `audio_needs_python` names."""
    af = []
    for e in edits:
        op = e["op"]
        if op == "trim":
            first, end = trim_samples(e, sample_rate)
            af.append(f"atrim=start_sample={first}:end_sample={end},asetpts=PTS-STARTPTS")
        elif op == "speed":
            if audio_needs_python([e]):
                raise ValueError("a pitch-keeping speed change is done in Python")
            af.append(f"asetrate={sample_rate * e['factor']:.3f},aresample={sample_rate}")
        elif op == "reverse":
            af.append("areverse")
    return af


def fade_filters(edits: list[dict], duration_s: float) -> tuple[list[str], list[str]]:
    vf, af = [], []
    for e in edits:
        if e["op"] != "fade":
            continue
        if e["in_s"] > 0:
            vf.append(f"fade=t=in:st=0:d={e['in_s']}")
            af.append(f"afade=t=in:st=0:d={e['in_s']}")
        if e["out_s"] > 0:
            start = max(0.0, duration_s - e["out_s"])
            vf.append(f"fade=t=out:st={start:.6f}:d={e['out_s']}")
            af.append(f"afade=t=out:st={start:.6f}:d={e['out_s']}")
    return vf, af


def fusable_edits(edits: list[dict], width: int, height: int, frames: int) -> bool:
    for e in edits:
        if e["op"] == "drop_duplicate":
            return False
        if e["op"] == "reverse" and width * height * 3 * frames > FUSED_REVERSE_LIMIT_BYTES:
            return False
    return True


# --- frame transforms -----------------------------------------------------------------------

def _flip_h(step, params, w, h):
    return ["hflip"]


def _flip_v(step, params, w, h):
    return ["vflip"]


def _rotate90(step, params, w, h):
    return {1: ["transpose=2"], 2: ["hflip", "vflip"], 3: ["transpose=1"]}.get(params["turns"] % 4,
                                                                             [])


def _rotate(step, params, w, h):
    if step.border_mode != "constant" or step.crop_to_fit:
        return None
    fill = int(step.fill)
    # FFmpeg turns clockwise for positive angles; ours turn counter-clockwise
    return [f"rotate={-math.radians(params['angle_deg']):.8f}:ow=iw:oh=ih:"
            f"c=0x{fill:02x}{fill:02x}{fill:02x}:bilinear=1"]


def _affine_rgb_as_yuv(scale: float, offset: float) -> str:
    """R,G,B -> R*scale + offset (offset in 0-255 RGB units) done on limited-range YUV
    without leaving it: luma moves by the same affine map (offset scaled by 219/255),
    chroma scales about 128. Exact up to clipping, and no RGB round trip. (+0.5: lut
    truncates each entry to an integer; this makes it round.) A pure offset that one of
    eq's brightness steps reaches within a luma level goes to eq's faster SIMD path."""
    if scale == 1.0 and (fast := _eq_luma_offset(offset * 219.0 / 255.0)) is not None:
        return fast
    y = f"clip((val-16)*{scale:.6f}+16+{offset * 219.0 / 255.0:.6f}+0.5,0,255)"
    c = f"clip((val-128)*{scale:.6f}+128+0.5,0,255)"
    return f"lutyuv=y='{y}':u='{c}':v='{c}'"


def _eq_offset(k: int) -> int:
    """The luma offset eq adds for brightness (k - 100) / 100 at contrast 1 (its integer
    arithmetic, libavfilter/vf_eq.c process_c: steps of 511/200 levels)."""
    return (k * 511) // 200 - 128 - 128


def _eq_luma_offset(offset_y: float) -> str | None:
    """Y -> Y + offset_y (chroma untouched) with eq's brightness step closest to offset_y,
    or None when that step is more than one level off. eq reads brightness in hundredths,
    so the value given sits inside its step."""
    k = min(range(201), key=lambda k: abs(_eq_offset(k) - offset_y))
    if abs(_eq_offset(k) - offset_y) > 1.0:
        return None
    return f"eq=brightness={min((k - 100 + 0.25) / 100.0, 1.0):.4f}"


def _color_jitter(step, params, w, h):
    out = []
    for i in params["order"]:
        if i == 0 and params["brightness"] != 1.0:
            out.append(_affine_rgb_as_yuv(params["brightness"], 0.0))
        elif i == 1 and params["contrast"] != 1.0:
            out.append(f"eq=contrast={params['contrast']:.6f}")
        elif i == 2 and params["saturation"] != 1.0:
            out.append(f"eq=saturation={params['saturation']:.6f}")
        elif i == 3 and params["hue"] != 0.0:
            out.append(f"hue=h={params['hue'] * 360.0:.4f}")
    return out


def _brightness_contrast(step, params, w, h):
    return [_affine_rgb_as_yuv(params["contrast"], params["brightness"] * 255.0)]


def _gaussian_blur(step, params, w, h):
    return [f"gblur=sigma={params['sigma']:.4f}"]


FRAME_EQUIVALENTS: dict[str, Callable] = {
    "image.flip_horizontal": _flip_h,
    "image.flip_vertical": _flip_v,
    "image.rotate90": _rotate90,
    "image.rotate": _rotate,
    "image.color_jitter": _color_jitter,
    "image.brightness_contrast": _brightness_contrast,
    "image.gaussian_blur": _gaussian_blur,
}


def _gain(step, params):
    return [f"volume={params['gain_db']:.6f}dB"]


def _polarity(step, params):
    return ["volume=-1"]


AUDIO_EQUIVALENTS: dict[str, Callable] = {
    "audio.gain": _gain,
    "audio.polarity_inversion": _polarity,
}


def structurally_fusable(chain, *, audio: bool) -> bool:
    """True when every leaf step of `chain` has an FFmpeg equivalent whatever is drawn
    (used for audio, whose params must be known before the audio is decoded)."""
    if chain is None:
        return True
    table = AUDIO_EQUIVALENTS if audio else FRAME_EQUIVALENTS
    children = getattr(chain, "steps", None)
    if children is None and hasattr(chain, "step"):
        children = (chain.step,)
    if children is not None:
        return all(structurally_fusable(c, audio=audio) for c in children)
    return chain.name in table


def chain_filters(chain, record: OpRecord | None, width: int, height: int, *,
                  audio: bool = False) -> list[str] | None:
    """Filters equivalent to a chain's recorded run, or None when a step has no equivalent."""
    if chain is None or record is None or not record.applied:
        return []
    return _record_filters(chain, record, width, height, audio)


def _record_filters(step, record: OpRecord, w: int, h: int, audio: bool) -> list[str] | None:
    if not record.applied:
        return []
    name = record.name
    if hasattr(step, "children"):
        pairs = step.children(record)
    else:
        table = AUDIO_EQUIVALENTS if audio else FRAME_EQUIVALENTS
        fn = table.get(name)
        if fn is None:
            return None
        return fn(step, record.params) if audio else fn(step, record.params, w, h)
    out: list[str] = []
    for child_step, child_rec in pairs:
        part = _record_filters(child_step, child_rec, w, h, audio)
        if part is None:
            return None
        out += part
        if not audio and child_rec.applied and child_rec.name == "image.rotate90" \
                and child_rec.params["turns"] % 2:
            w, h = h, w
    return out
