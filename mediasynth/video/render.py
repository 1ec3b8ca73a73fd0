"""Render one augmented clip: one decode and one encode, whatever the number of steps.

Randomness: the clip's generator spawns three children, for the temporal chain, the frame
chain and the audio chain. Frame-chain params are drawn ONCE per clip (on a proxy frame of
the decoded size) and replayed on every frame, so a flip or a colour change holds for the
whole clip.

Paths:
- fused: every step has an FFmpeg equivalent -> one `ffmpeg` process, no frame goes through
  Python;
- frames: FFmpeg decodes (with the temporal filters up to the first Python-only edit) to raw
  I420 on a pipe, Python converts each frame to RGB, applies the frame chain and converts
  back, then plays the remaining edits in order from their frame maps (drop/duplicate,
  reverse through a disk buffer, and any trim, speed or rate change after them; see
  video/timeline.py), a second FFmpeg encodes from a pipe. Memory stays bounded
  by one frame whatever the clip length.
Both paths share one time base: the first frame is time 0 (graph.source_filters) and the
soundtrack is placed against it, its start offset included (see video/soundtrack.py, which
also says when the audio goes through Python and is muxed from a temporary WAV).
FFmpeg children die with the worker (io.ffmpeg.popen_ffmpeg); the source is decoded with
-xerror, so a source that stops decoding on the way, or whose decoder reports a packet it
refused or a frame it decoded corrupt, is MediaError('damaged').
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mediasynth.core.compose import run_chain
from mediasynth.core.errors import FFmpegError, MediaError
from mediasynth.core.media import Audio, Image, Video
from mediasynth.core.transform import OpRecord
from mediasynth.io.atomic import TEMP_PREFIX
from mediasynth.io.ffmpeg import (
    decode_failure,
    decoder_failure,
    ffmpeg_binary,
    input_arg,
    kill_process,
    popen_ffmpeg,
    run_ffmpeg,
    safe_input,
    stderr_tail,
)
from mediasynth.io.ffmpeg_encode import mp4_output_args
from mediasynth.video import graph as G
from mediasynth.video import soundtrack as S
from mediasynth.video import timeline as TL
from mediasynth.video.probe import upright_size


@dataclass(frozen=True)
class ClipPlan:
    source: Video
    edited: Video  # after temporal transforms
    in_size: tuple[int, int]  # decoded frame size (upright, even)
    out_size: tuple[int, int]  # after the frame chain
    record: OpRecord  # children: temporal, frames, audio
    audio_python: bool  # the audio chain runs in Python
    audio_rng: np.random.Generator | None = None  # set when the audio params are still to draw


def plan_clip(video: Video, pipeline, rng: np.random.Generator | None = None,
              record: OpRecord | None = None) -> ClipPlan:
    """Sample (rng) or replay (record) the three chains for `video`."""
    chains = pipeline.video
    temporal_rng, frames_rng, audio_rng = rng.spawn(3) if rng is not None else (None,) * 3
    recs = list(record.children) if record is not None else [None, None, None]
    edited, recs[0] = run_chain(chains.temporal, video, temporal_rng, recs[0])
    in_w, in_h = upright_size(video)
    proxy = Image(np.zeros((in_h, in_w, 3), np.uint8))
    out_img, recs[1] = run_chain(chains.frames, proxy, frames_rng, recs[1])
    audio_python = bool(video.audio) and chains.audio is not None and \
        not G.structurally_fusable(chains.audio, audio=True)
    if video.audio and chains.audio is not None and not audio_python:
        tiny = Audio(np.zeros((max(1, video.audio[0].channels), 1), np.float32),
                     video.audio[0].sample_rate or 48000)
        _, recs[2] = run_chain(chains.audio, tiny, audio_rng, recs[2])
    elif audio_python and recs[2] is None:
        recs[2] = OpRecord("pending", True, {})  # drawn when the audio is decoded
    full = OpRecord("video", True, {}, tuple(r or OpRecord("compose", True, {}) for r in recs))
    return ClipPlan(video, edited, (in_w, in_h), (out_img.width, out_img.height), full,
                    audio_python, audio_rng)


def render_clip(plan: ClipPlan, pipeline, dest: Path, previews: tuple[str, ...] = ()
                ) -> tuple[OpRecord, dict]:
    """Write the clip to `dest` (MP4) and verify it decodes; returns (record, info).
    A source that stops decoding on the way raises MediaError('damaged') with the
    decoder's message. `previews` ("output", "source"): on the fused path FFmpeg also
    writes a PNG strip of 3 frames (10, 50, 90 %) of each, as info["previews"]
    {what: PNG bytes}, from the frames it decodes anyway (engine/previews.py)."""
    try:
        return _render(plan, pipeline, dest, previews)
    except FFmpegError as exc:
        message = decoder_failure(exc)
        if message is None:
            raise
        # its decoders ran in parallel threads: the reason comes from a pass of one stream
        # at a time, the same on every run
        message = decode_failure(plan.source.path,
                                 timeout_s=pipeline.budgets.ffmpeg_timeout_s) or message
        raise MediaError("damaged", f"the source does not decode: {message}") from None


def _render(plan: ClipPlan, pipeline, dest: Path, previews: tuple[str, ...]
            ) -> tuple[OpRecord, dict]:
    opts = pipeline.output.video
    timeout = pipeline.budgets.ffmpeg_timeout_s
    edits = S.edits_of(plan)
    in_w, in_h = plan.in_size
    frame_filters = G.chain_filters(pipeline.video.frames, plan.record.children[1], in_w, in_h)
    mode = opts.get("path", "auto")
    fused = mode != "frames" and frame_filters is not None and G.fusable_edits(
        edits, in_w, in_h, plan.edited.frame_count)
    if mode == "fused" and not fused:
        raise MediaError("unsupported", "output.video.path is 'fused' but a step of this "
                         "clip's chain has no FFmpeg equivalent")
    stream = plan.source.audio[0] if plan.source.audio else None
    record = plan.record
    with contextlib.ExitStack() as stack:
        audio_wav = None
        if stream is not None and S.in_python(plan):
            audio, audio_rec = S.python_track(plan, pipeline, timeout)
            audio_wav = S.write_track(audio, dest)
            stack.callback(_unlink, audio_wav)
            record = OpRecord("video", True, {}, (*record.children[:2], audio_rec))
        strips: dict[str, Path] = {}
        if fused:
            strips = {what: dest.parent / f"{TEMP_PREFIX}preview-{os.getpid()}-{dest.stem}-{what}.png"
                      for what in previews}
            for path in strips.values():
                stack.callback(_unlink, path)
            _fused(plan, pipeline, frame_filters, stream, audio_wav, dest, timeout, record,
                   strips)
        else:
            _frames(plan, pipeline, stream, audio_wav, dest, timeout, record)
        info = verify_output(dest, expect_audio=stream is not None)
        info["path"] = "fused" if fused else "frames"
        made = {what: path.read_bytes() for what, path in strips.items() if path.is_file()}
        if made:
            info["previews"] = made
    return record, info


def _unlink(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink()


def _encoder_args(pipeline, stream, dest: Path) -> list[str]:
    opts = pipeline.output.video
    audio = ["-an"]
    if stream is not None:
        audio = ["-c:a", str(opts.get("audio_codec", "aac")),
                 "-ar", str(stream.sample_rate), "-ac", str(stream.channels)]
        if opts.get("audio_bitrate"):  # else the codec's default (AAC: ~64 kb/s a channel)
            audio += ["-b:a", str(opts["audio_bitrate"])]
    return mp4_output_args(dest, codec=opts.get("codec", "libx264"),
                           preset=opts.get("preset", "veryfast"), crf=opts.get("crf", 23),
                           threads=opts.get("threads", 2), audio=audio)


def _video_tail(plan: ClipPlan) -> list[str]:
    """The `at_end` edits (fades), then padding to even dimensions (yuv420p needs them)
    when the frame chain produced an odd size."""
    fade_vf, _ = G.end_filters(S.edits_of(plan), plan.edited.duration_s)
    out_w, out_h = plan.out_size
    pad = ["pad=ceil(iw/2)*2:ceil(ih/2)*2"] if out_w % 2 or out_h % 2 else []
    return [*fade_vf, *pad] or ["null"]


def _fused(plan, pipeline, frame_filters, stream, audio_wav, dest, timeout, record,
           strips: dict[str, Path]):
    vf, _ = G.video_edit_filters(S.edits_of(plan), python_edits=False)
    head = [*G.source_filters(plan.source), *vf]
    video_chain = [*head, *frame_filters, *_video_tail(plan)]
    inputs, audio = _audio_args(plan, pipeline, stream, audio_wav, record, 0)
    extra = []
    if "output" in strips:  # the 3 frames are picked before the frame chain: it runs on 3
        extra += _strip_output([*head, _pick(plan.edited.frame_count), *frame_filters,
                                *_video_tail(plan)], strips["output"])
    if "source" in strips:
        extra += _strip_output([*G.source_filters(plan.source),
                                _pick(plan.source.frame_count)], strips["source"])
    run_ffmpeg(["-xerror", *safe_input(plan.source.path), *inputs, "-map", "0:v:0", "-vf",
                ",".join(video_chain), *audio, *_encoder_args(pipeline, stream, dest), *extra],
               timeout_s=timeout)


PREVIEW_FRACTIONS = (0.1, 0.5, 0.9)
PREVIEW_WIDTH_PX = 120


def _pick(frames: int) -> str:
    """FFmpeg's select filter keeping the frames at PREVIEW_FRACTIONS of `frames`."""
    picks = sorted({min(max(frames - 1, 0), int(f * frames)) for f in PREVIEW_FRACTIONS})
    return "select='" + "+".join(f"eq(n,{n})" for n in picks) + "'"


def _strip_output(filters: list[str], dest: Path) -> list[str]:
    """A further output of the same FFmpeg process: the picked frames scaled and tiled
    side by side into one PNG."""
    chain = [*filters, f"scale={PREVIEW_WIDTH_PX}:-2", "tile=3x1"]
    return ["-map", "0:v:0", "-vf", ",".join(chain), "-frames:v", "1", "-update", "1",
            "-c:v", "png", "-f", "image2", "-y", input_arg(dest)]


def _audio_args(plan, pipeline, stream, audio_wav, record, source_input: int
                ) -> tuple[list[str], list[str]]:
    """(extra inputs, map/filter arguments) for the soundtrack. Separate simple
    filtergraphs (-vf, -af) run in their own threads, unlike one complex graph."""
    if stream is None:
        return [], []
    if audio_wav is not None:
        af = S.mux_filters(plan, pipeline, record)
        n = source_input + 1
        return ["-i", input_arg(audio_wav)], ["-map", f"{n}:a:0", "-af", ",".join(af) or "anull"]
    af = S.ffmpeg_filters(plan, pipeline, record)
    return [], ["-map", f"{source_input}:{stream.index}", "-af", ",".join(af)]


def decoder_command(plan: ClipPlan, *, edits: list[dict] | None = None,
                    seek_s: float | None = None) -> tuple[list[str], list[dict]]:
    """(the FFmpeg command that decodes the edited frames to raw I420 on stdout, the edits
    left to Python: every edit from the first Python-only one on, each with the
    "frames_in" and "fps_in" of the stream it receives): the frame path's first half, also
    used by the loaders, which may start decoding at `seek_s` (input seek,
    frame-accurate) with `edits` adjusted for it."""
    edits = S.edits_of(plan) if edits is None else edits
    vf, python_edits = G.video_edit_filters(edits, python_edits=True)
    facts = {id(e): f for e, f in zip(edits, TL.stream_facts(
        edits, plan.source.frame_count, plan.source.fps))}
    python_edits = [{**e, "frames_in": facts[id(e)][0], "fps_in": facts[id(e)][1]}
                    for e in python_edits]
    seek = ["-ss", f"{seek_s:.6f}"] if seek_s else []
    # The raw output is constant-rate: FFmpeg fills the gaps of a sparse stream (an AVI's
    # skipped frames) with copies, and gives the last frame the length of the gap before
    # it, so the stream would run past the source's end by that gap. Cut it where the
    # frame maps say it ends.
    cap = [] if seek_s else ["-frames:v", str(_frames_out(edits, python_edits, plan.source))]
    cmd = [ffmpeg_binary(), "-hide_banner", "-v", "error", "-nostdin", "-xerror", *seek,
           *safe_input(plan.source.path), "-map", "0:v:0",
           "-vf", ",".join([*G.source_filters(plan.source), *vf]), *cap,
           "-f", "rawvideo", "-pix_fmt", "yuv420p", "pipe:1"]
    return cmd, python_edits


def _frames_out(edits: list[dict], python_edits: list[dict], source: Video) -> int:
    """Frames of the decoder's stream: the source's, through the edits FFmpeg plays (those
    before the ones left to Python, which are the last; `at_end` ones change no count)."""
    n_frames, fps = source.frame_count, source.fps
    played = [e for e in edits if not TL.edit_class(e["op"]).at_end]
    for e in played[: len(played) - len(python_edits)]:
        cls = TL.edit_class(e["op"])
        n_frames, fps = len(cls.frame_map(e, n_frames, fps)), cls.fps_after(e, fps)
    return max(1, n_frames)


def _frames(plan, pipeline, stream, audio_wav, dest, timeout, record):
    decoder, python_edits = decoder_command(plan)
    in_w, in_h = plan.in_size
    out_w, out_h = plan.out_size
    fps = plan.edited.fps
    chain = pipeline.video.frames
    frames_rec = record.children[1]
    # Frames cross the pipes as I420 (half the bytes of RGB); OpenCV converts to and from
    # RGB for the chain with one BT.601 limited-range matrix both ways, so colours survive
    # the round trip. An odd output size cannot be I420 and goes to the encoder as RGB.
    rgb_out = chain is not None and (out_w % 2 or out_h % 2)
    encoder = [ffmpeg_binary(), "-hide_banner", "-v", "error", "-f", "rawvideo", "-pix_fmt",
               "rgb24" if rgb_out else "yuv420p", "-s", f"{out_w}x{out_h}",
               "-r", f"{fps:.6f}", "-i", "pipe:0"]
    if stream is not None and audio_wav is None:
        encoder += safe_input(plan.source.path)  # the soundtrack comes from the source
        inputs, audio = _audio_args(plan, pipeline, stream, None, record, 1)
    else:
        inputs, audio = _audio_args(plan, pipeline, stream, audio_wav, record, 0)
    encoder += [*inputs, "-map", "0:v:0", "-vf", ",".join(_video_tail(plan)), *audio,
                *_encoder_args(pipeline, stream, dest)]

    import cv2

    def transform(i420: np.ndarray) -> np.ndarray:
        if chain is None:
            return i420
        rgb = cv2.cvtColor(i420, cv2.COLOR_YUV2RGB_I420)
        out = np.ascontiguousarray(chain.replay(Image(rgb), frames_rec).pixels, np.uint8)
        return out if rgb_out else cv2.cvtColor(out, cv2.COLOR_RGB2YUV_I420)

    _pump(decoder, encoder, (in_w, in_h), transform, python_edits, dest, timeout)


def _pump(decoder: list[str], encoder: list[str], size: tuple[int, int], transform,
          python_edits: list[dict], dest: Path, timeout: float) -> None:
    """Stream frames decoder -> transform -> encoder, each process under the time limit."""
    with tempfile.TemporaryFile() as enc_err, decoding(decoder, size, timeout) as frames:
        enc = popen_ffmpeg(encoder, stdin=subprocess.PIPE, stderr=enc_err,
                           stdout=subprocess.DEVNULL)
        watchdog = Watchdog(enc, timeout)
        try:
            for frame in python_edit_frames(map(transform, frames), python_edits, dest):
                enc.stdin.write(memoryview(np.ascontiguousarray(frame)).cast("B"))
            enc.stdin.close()
        except BrokenPipeError:
            pass  # the encoder stopped: its failure is raised below
        except BaseException:
            kill_process(enc)
            raise
        finally:
            enc.wait()
            watchdog.cancel()
        _raise_failed(enc, enc_err, "encoding", watchdog.expired)
        frames.finish()


class Watchdog:
    """Kills `proc` when it runs past `timeout_s` seconds; `expired` tells afterwards."""

    def __init__(self, proc, timeout_s: float):
        self.proc = proc
        self.expired = False
        self._timer = threading.Timer(timeout_s, self._expire)
        self._timer.daemon = True
        self._timer.start()

    def _expire(self) -> None:
        self.expired = True
        with contextlib.suppress(OSError):
            self.proc.kill()

    def cancel(self) -> None:
        self._timer.cancel()


@contextlib.contextmanager
def decoding(cmd: list[str], size: tuple[int, int], timeout_s: float):
    """Run a decoder command that writes raw I420 frames of `size` to stdout; yields a
    `DecodedFrames` (iterate it for (h*3/2, w) uint8 frames; `finish()` waits for the
    decoder and raises its failure). The decoder is killed past `timeout_s` seconds and
    when the block is left before it ended."""
    with tempfile.TemporaryFile() as err:
        proc = popen_ffmpeg(cmd, stdout=subprocess.PIPE, stderr=err, stdin=subprocess.DEVNULL)
        frames = DecodedFrames(proc, err, size, Watchdog(proc, timeout_s))
        try:
            yield frames
        finally:
            frames.close()


class DecodedFrames:
    """The frames of a decoder process (see `decoding`)."""

    def __init__(self, proc, err, size: tuple[int, int], watchdog: Watchdog):
        self.proc, self.err, self.watchdog = proc, err, watchdog
        w, h = size
        self.shape = (h * 3 // 2, w)

    def __iter__(self):
        return _read_frames(self.proc.stdout, self.shape[0] * self.shape[1], self.shape)

    def finish(self) -> None:
        """Wait for the decoder to end; raise MediaError('timeout') or its FFmpegError."""
        self.proc.wait()
        self.watchdog.cancel()
        _raise_failed(self.proc, self.err, "decoding", self.watchdog.expired)

    def close(self) -> None:
        """Stop the decoder if it still runs (left early: enough frames, or an error)."""
        self.watchdog.cancel()
        if self.proc.poll() is None:
            kill_process(self.proc)
        with contextlib.suppress(OSError):
            self.proc.stdout.close()


def _raise_failed(proc, err, what: str, expired: bool) -> None:
    if expired:
        raise MediaError("timeout", f"video {what} ran longer than the time limit "
                         "(budgets.ffmpeg_timeout_s)")
    if proc.returncode != 0:
        err.seek(0)
        tail = stderr_tail(err.read().decode("utf-8", "replace"), 6)
        raise FFmpegError(f"ffmpeg {what} failed ({proc.returncode})",
                          returncode=proc.returncode, stderr_tail=tail)


def _read_frames(pipe, frame_bytes: int, shape):
    while True:
        buf = pipe.read(frame_bytes)
        if len(buf) < frame_bytes:
            return
        yield np.frombuffer(buf, np.uint8).reshape(shape)


def python_edit_frames(frames, edits: list[dict], dest: Path):
    """The edits left to Python (see `decoder_command`) on a stream of frames, in order: by
    their `stream_frames` (the stutter), else by the frame map made from the "frames_in" and
    "fps_in" the stream was given, streamed when it only moves forward (`timeline.select`),
    else (a reverse) played back from a disk buffer beside `dest`."""
    for e in edits:
        cls = TL.edit_class(e["op"])
        streamed = cls.stream_frames(e, frames)
        if streamed is not None:
            frames = streamed
            continue
        index_map = cls.frame_map(e, e["frames_in"], e["fps_in"]) if "frames_in" in e else None
        if index_map is not None and TL.is_monotone(index_map):
            frames = TL.select(frames, index_map)
        else:
            frames = TL.buffered(frames, e, dest)
    return frames


def verify_output(path: Path, *, expect_audio: bool) -> dict:
    """Check that the output decodes (PyAV: streams present, first frame decodes)."""
    from mediasynth.io.ffmpeg import probe

    try:
        facts = probe(path, timestamps=False)
    except MediaError as exc:
        raise MediaError("crashed", f"output does not decode: {exc.message}") from None
    videos = [s for s in facts["streams"] if s["type"] == "video"]
    audios = [s for s in facts["streams"] if s["type"] == "audio"]
    if not videos or "decode_error" in videos[0]:
        raise MediaError("crashed", "output has no decodable video stream")
    if bool(audios) != expect_audio:
        raise MediaError("crashed", f"output audio stream {'missing' if expect_audio else 'unexpected'}")
    return {"width": videos[0]["width"], "height": videos[0]["height"],
            "fps": round(videos[0]["fps"], 4), "frames": videos[0]["frames"],
            "duration_s": round(facts["duration_s"] or 0.0, 4), "audio": bool(audios)}
