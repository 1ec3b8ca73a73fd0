"""FFmpeg filter strings: source normalization, the temporal edits (their classes' hooks,
see video/transforms/temporal.py), and the FFmpeg equivalents of frame and audio
transforms (the fused path).

A frame transform has an equivalent when its class has `ffmpeg_filters(params, width,
height) -> list[str] | None` (None: not for these params), and `ffmpeg_output_size(params,
width, height) -> (width, height)` if it resizes; an audio transform when it has
`ffmpeg_audio_filters(params) -> list[str] | None`. A step without one makes its chain
unfusable. Equivalents reproduce the Python kernels exactly where FFmpeg can (flips, quarter
turns, per-channel affine maps done on YUV with lutyuv), within a luma level for a pure
brightness offset (eq's faster path), and closely elsewhere (eq contrast and saturation,
hue, rotate's interpolation); tests bound the difference.
"""

from __future__ import annotations

from mediasynth.core.media import Video
from mediasynth.core.transform import OpRecord
from mediasynth.video.timeline import edit_class


def source_filters(video: Video) -> list[str]:
    """The first frame at time 0 (the origin the soundtrack is placed against, see
    `audio_source_filters`), square pixels, even size (odd sizes lose their last
    row/column), constant frame rate for variable-rate and sparse sources (ending with the
    source's last frame). Rotation is applied by FFmpeg's autorotate."""
    out = ["setpts=PTS-STARTPTS"]
    if abs(video.pixel_aspect - 1.0) > 1e-3:
        out += ["scale=trunc(iw*sar/2)*2:trunc(ih/2)*2", "setsar=1"]
    elif video.width % 2 or video.height % 2:
        out.append("crop=trunc(iw/2)*2:trunc(ih/2)*2:0:0")
    if video.variable_fps:
        # fps= holds the last frame for the gap before it: the trim ends the stream where
        # the source ends (frame_count: measured from the packets by probe.load_video).
        out += [f"fps={video.fps:.6f}", f"trim=end_frame={video.frame_count}"]
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


def video_edit_filters(edits: list[dict], *, python_edits: bool
                       ) -> tuple[list[str], list[dict]]:
    """(video filters, edits left to Python) for the temporal edits, `at_end` ones excluded
    (see `end_filters`). With `python_edits` False every edit must have video filters; with
    `python_edits` True every edit from the first one Python plays on the frame path
    (`python_on_frame_path` or no filters) is left to Python, in order (a trim after a
    reverse cuts the reversed clip)."""
    vf, rest = [], []
    for e in edits:
        cls = edit_class(e["op"])
        if cls.at_end:
            continue
        filters = cls.video_filters(e)
        if rest or (python_edits and (filters is None or cls.python_on_frame_path)):
            rest.append(e)
        elif filters is None:
            raise ValueError(f"{e['op']} has no FFmpeg equivalent")
        else:
            vf += filters
    return vf, rest


def audio_needs_python(edits: list[dict], sample_rate: int) -> bool:
    """True when an edit's audio has no FFmpeg equivalent (`audio_filters` None)."""
    return any(edit_class(e["op"]).audio_filters(e, sample_rate) is None for e in edits)


def audio_edit_filters(edits: list[dict], sample_rate: int) -> list[str]:
    """FFmpeg audio filters for the temporal edits (`at_end` ones excluded, see
    `end_filters`), on a soundtrack already on the video's time base
    (`audio_source_filters`). Refuses the edits `audio_needs_python` names."""
    af = [edit_class(e["op"]).audio_filters(e, sample_rate) for e in edits]
    if None in af:
        raise ValueError("an edit's audio is played in Python")
    return [f for filters in af for f in filters]


def end_filters(edits: list[dict], duration_s: float) -> tuple[list[str], list[str]]:
    """(video, audio) filters of the `at_end` edits (fades) on a clip of `duration_s`
    seconds: placed after every other filter."""
    pairs = [edit_class(e["op"]).end_filters(e, duration_s) for e in edits]
    return [f for vf, _ in pairs for f in vf], [f for _, af in pairs for f in af]


def fusable_edits(edits: list[dict], width: int, height: int, frames: int) -> bool:
    return all(edit_class(e["op"]).fusable(e, width, height, frames) for e in edits)


def structurally_fusable(chain, *, audio: bool) -> bool:
    """True when every leaf step of `chain` has an FFmpeg equivalent hook, whatever is
    drawn (used for audio, whose params must be known before the audio is decoded)."""
    if chain is None:
        return True
    children = getattr(chain, "steps", None)
    if children is None and hasattr(chain, "step"):
        children = (chain.step,)
    if children is not None:
        return all(structurally_fusable(c, audio=audio) for c in children)
    return hasattr(chain, "ffmpeg_audio_filters" if audio else "ffmpeg_filters")


def chain_filters(chain, record: OpRecord | None, width: int, height: int, *,
                  audio: bool = False) -> list[str] | None:
    """Filters equivalent to a chain's recorded run, or None when a step has no equivalent."""
    if chain is None or record is None or not record.applied:
        return []
    return _record_filters(chain, record, width, height, audio)


def _record_filters(step, record: OpRecord, w: int, h: int, audio: bool) -> list[str] | None:
    if not record.applied:
        return []
    if not hasattr(step, "children"):
        hook = getattr(step, "ffmpeg_audio_filters" if audio else "ffmpeg_filters", None)
        if hook is None:
            return None
        return hook(record.params) if audio else hook(record.params, w, h)
    out: list[str] = []
    for child_step, child_rec in step.children(record):
        part = _record_filters(child_step, child_rec, w, h, audio)
        if part is None:
            return None
        out += part
        resize = getattr(child_step, "ffmpeg_output_size", None)
        if not audio and child_rec.applied and resize is not None:
            w, h = resize(child_rec.params, w, h)
    return out
