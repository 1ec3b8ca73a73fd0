"""Render one augmented clip: one decode and one encode, whatever the number of steps.

Randomness: the clip's generator spawns three children, for the temporal chain, the frame
chain and the audio chain. Frame-chain params are drawn ONCE per clip (on a proxy frame of
the decoded size) and replayed on every frame, so a flip or a colour change holds for the
whole clip.

Paths:
- fused: every step has an FFmpeg equivalent -> one `ffmpeg` process, no frame goes through
  Python;
- frames: FFmpeg decodes (with the temporal filters) to raw I420 on a pipe, Python converts
  each frame to RGB, applies the frame chain and converts back (then frame drop/duplicate,
  reverse through a disk buffer), a second FFmpeg encodes from a pipe. Memory stays bounded
  by one frame whatever the clip length.
Audio is taken straight from the source by the encoding FFmpeg (with its filters) when the
audio chain has FFmpeg equivalents, else decoded, transformed in Python and muxed from a
temporary WAV (held in memory: bounded by budgets.max_video_duration_s).
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
from mediasynth.io.ffmpeg import (
    ffmpeg_binary,
    input_arg,
    kill_process_group,
    run_ffmpeg,
    safe_input,
)
from mediasynth.video import graph as G
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


def render_clip(plan: ClipPlan, pipeline, dest: Path) -> tuple[OpRecord, dict]:
    """Write the clip to `dest` (MP4) and verify it decodes; returns (record, info)."""
    opts = pipeline.output.video
    timeout = pipeline.budgets.ffmpeg_timeout_s
    edits = list(plan.edited.meta.get("edits", []))
    frames_chain = pipeline.video.frames
    in_w, in_h = plan.in_size
    frame_filters = G.chain_filters(frames_chain, plan.record.children[1], in_w, in_h)
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
        if stream is not None and plan.audio_python:
            audio_wav, audio_rec = _python_audio(plan, pipeline, edits, stream, dest, timeout)
            stack.callback(_unlink, audio_wav)
            record = OpRecord("video", True, {}, (*record.children[:2], audio_rec))
        if fused:
            _fused(plan, pipeline, edits, frame_filters, stream, audio_wav, dest, timeout, record)
        else:
            _frames(plan, pipeline, edits, stream, audio_wav, dest, timeout, record)
    info = verify_output(dest, expect_audio=stream is not None)
    info["path"] = "fused" if fused else "frames"
    return record, info


def _unlink(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink()


def _audio_filters(plan: ClipPlan, pipeline, edits, record: OpRecord, *,
                   with_chain: bool) -> list[str]:
    stream = plan.source.audio[0]
    _, af, _ = G.edit_filters(edits, fps=plan.source.fps, sample_rate=stream.sample_rate,
                              python_edits=True)
    if with_chain:
        af += G.chain_filters(pipeline.video.audio, record.children[2], 0, 0, audio=True) or []
    _, fade_af = G.fade_filters(edits, plan.edited.duration_s)
    return af + fade_af


def _python_audio(plan, pipeline, edits, stream, dest: Path, timeout: float):
    """Decode the edited audio, run the audio chain in Python, write a float WAV."""
    from mediasynth.io.audio_io import write_audio

    _, af, _ = G.edit_filters(edits, fps=plan.source.fps, sample_rate=stream.sample_rate,
                              python_edits=True)
    raw = run_ffmpeg([*safe_input(plan.source.path), "-map", f"0:{stream.index}",
                      *(["-af", ",".join(af)] if af else []), "-f", "f32le", "-acodec",
                      "pcm_f32le", "-ac", str(stream.channels), "-ar", str(stream.sample_rate),
                      "pipe:1"], timeout_s=timeout, capture_stdout=True)
    data = np.frombuffer(raw, np.float32)
    data = data[: data.size - data.size % stream.channels].reshape(-1, stream.channels).T
    audio = Audio(np.ascontiguousarray(data), stream.sample_rate)
    pending = plan.record.children[2]
    if pending.name == "pending":
        out, rec = pipeline.video.audio.run(audio, plan.audio_rng)
    else:
        out, rec = pipeline.video.audio.replay(audio, pending), pending
    wav = dest.parent / f".mediasynth-tmp-audio-{os.getpid()}-{dest.stem}.wav"
    write_audio(out, wav, subtype="FLOAT", atomic=False)
    return wav, rec


def _encoder_args(pipeline, stream, dest: Path) -> list[str]:
    opts = pipeline.output.video
    args = ["-c:v", str(opts.get("codec", "libx264")), "-preset", str(opts.get("preset", "veryfast")),
            "-crf", str(opts.get("crf", 23)), "-pix_fmt", "yuv420p",
            "-threads", str(opts.get("threads", 2))]
    if stream is not None:
        args += ["-c:a", str(opts.get("audio_codec", "aac")),
                 "-ar", str(stream.sample_rate), "-ac", str(stream.channels)]
        if opts.get("audio_bitrate"):  # else the codec's default (AAC: ~64 kb/s a channel)
            args += ["-b:a", str(opts["audio_bitrate"])]
    else:
        args.append("-an")
    return args + ["-movflags", "+faststart", "-map_metadata", "-1", "-fflags", "+bitexact",
                   "-f", "mp4", "-y", input_arg(dest)]


def _video_tail(plan: ClipPlan, edits) -> list[str]:
    """Fades, then padding to even dimensions (yuv420p needs them) when the frame chain
    produced an odd size."""
    fade_vf, _ = G.fade_filters(edits, plan.edited.duration_s)
    out_w, out_h = plan.out_size
    pad = ["pad=ceil(iw/2)*2:ceil(ih/2)*2"] if out_w % 2 or out_h % 2 else []
    return [*fade_vf, *pad] or ["null"]


def _fused(plan, pipeline, edits, frame_filters, stream, audio_wav, dest, timeout, record):
    vf, _, _ = G.edit_filters(edits, fps=plan.source.fps,
                              sample_rate=stream.sample_rate if stream else None,
                              python_edits=False)
    video_chain = [*G.source_filters(plan.source), *vf, *frame_filters, *_video_tail(plan, edits)]
    inputs, audio = _audio_args(plan, pipeline, edits, stream, audio_wav, record, 0)
    run_ffmpeg([*safe_input(plan.source.path), *inputs, "-map", "0:v:0", "-vf",
                ",".join(video_chain), *audio, *_encoder_args(pipeline, stream, dest)],
               timeout_s=timeout)


def _audio_args(plan, pipeline, edits, stream, audio_wav, record, source_input: int
                ) -> tuple[list[str], list[str]]:
    """(extra inputs, map/filter arguments) for the soundtrack. Separate simple
    filtergraphs (-vf, -af) run in their own threads, unlike one complex graph."""
    if stream is None:
        return [], []
    if audio_wav is not None:
        af = G.fade_filters(edits, plan.edited.duration_s)[1]
        n = source_input + 1
        return ["-i", input_arg(audio_wav)], ["-map", f"{n}:a:0", "-af", ",".join(af) or "anull"]
    af = _audio_filters(plan, pipeline, edits, record, with_chain=True)
    return [], ["-map", f"{source_input}:{stream.index}", "-af", ",".join(af) or "anull"]


def _frames(plan, pipeline, edits, stream, audio_wav, dest, timeout, record):
    vf, _, python_edits = G.edit_filters(edits, fps=plan.source.fps,
                                         sample_rate=stream.sample_rate if stream else None,
                                         python_edits=True)
    in_w, in_h = plan.in_size
    out_w, out_h = plan.out_size
    fps = plan.edited.fps
    chain = pipeline.video.frames
    frames_rec = record.children[1]
    # Frames cross the pipes as I420 (half the bytes of RGB); OpenCV converts to and from
    # RGB for the chain with one BT.601 limited-range matrix both ways, so colours survive
    # the round trip. An odd output size cannot be I420 and goes to the encoder as RGB.
    rgb_out = chain is not None and (out_w % 2 or out_h % 2)
    decoder = [ffmpeg_binary(), "-hide_banner", "-v", "error", "-nostdin",
               *safe_input(plan.source.path), "-map", "0:v:0",
               "-vf", ",".join([*G.source_filters(plan.source), *vf]) or "null",
               "-f", "rawvideo", "-pix_fmt", "yuv420p", "pipe:1"]
    encoder = [ffmpeg_binary(), "-hide_banner", "-v", "error", "-f", "rawvideo", "-pix_fmt",
               "rgb24" if rgb_out else "yuv420p", "-s", f"{out_w}x{out_h}",
               "-r", f"{fps:.6f}", "-i", "pipe:0"]
    if stream is not None and audio_wav is None:
        encoder += safe_input(plan.source.path)  # the soundtrack comes from the source
        inputs, audio = _audio_args(plan, pipeline, edits, stream, None, record, 1)
    else:
        inputs, audio = _audio_args(plan, pipeline, edits, stream, audio_wav, record, 0)
    encoder += [*inputs, "-map", "0:v:0", "-vf", ",".join(_video_tail(plan, edits)), *audio,
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
    """Stream frames decoder -> transform -> encoder, with a watchdog for the time limit."""
    w, h = size
    frame_bytes = w * h * 3 // 2  # I420
    with tempfile.TemporaryFile() as dec_err, tempfile.TemporaryFile() as enc_err:
        dec = subprocess.Popen(decoder, stdout=subprocess.PIPE, stderr=dec_err,
                               stdin=subprocess.DEVNULL, start_new_session=True)
        enc = subprocess.Popen(encoder, stdin=subprocess.PIPE, stderr=enc_err,
                               stdout=subprocess.DEVNULL, start_new_session=True)
        expired = threading.Event()

        def kill_all():
            expired.set()
            for p in (dec, enc):
                with contextlib.suppress(Exception):
                    os.killpg(p.pid, 9)

        timer = threading.Timer(timeout, kill_all)
        timer.start()
        try:
            frames = _read_frames(dec.stdout, frame_bytes, (h * 3 // 2, w))
            for frame in _python_edits(map(transform, frames), python_edits, dest):
                enc.stdin.write(memoryview(np.ascontiguousarray(frame)).cast("B"))
            enc.stdin.close()
            dec.wait()
            enc.wait()
        except BrokenPipeError:
            dec.kill()
            enc.wait()
        except BaseException:
            kill_process_group(dec)
            kill_process_group(enc)
            raise
        finally:
            timer.cancel()
        if expired.is_set():
            raise MediaError("timeout", f"video processing ran longer than {timeout:g} s")
        for proc, err, what in ((dec, dec_err, "decoding"), (enc, enc_err, "encoding")):
            if proc.returncode != 0:
                err.seek(0)
                tail = "\n".join(err.read().decode("utf-8", "replace").strip().splitlines()[-6:])
                raise FFmpegError(f"ffmpeg {what} failed ({proc.returncode})",
                                  returncode=proc.returncode, stderr_tail=tail)


def _read_frames(pipe, frame_bytes: int, shape):
    while True:
        buf = pipe.read(frame_bytes)
        if len(buf) < frame_bytes:
            return
        yield np.frombuffer(buf, np.uint8).reshape(shape)


def _python_edits(frames, edits: list[dict], dest: Path):
    for e in edits:
        if e["op"] == "drop_duplicate":
            frames = _drop_duplicate(frames, e["drop_probability"], e["seed"])
        elif e["op"] == "reverse":
            frames = _reverse(frames, e["max_buffer_bytes"], dest)
    return frames


def _drop_duplicate(frames, probability: float, seed: int):
    rng = np.random.default_rng(seed)
    previous = None
    for frame in frames:
        if previous is not None and rng.random() < probability:
            yield previous
        else:
            previous = frame
            yield frame


def _reverse(frames, max_bytes: int, dest: Path):
    """Buffer frames in a temp file beside the output, then play them back last first."""
    path = dest.parent / f".mediasynth-tmp-reverse-{os.getpid()}-{dest.stem}.raw"
    shape = None
    count = 0
    try:
        with open(path, "w+b") as fh:
            for frame in frames:
                shape = frame.shape
                count += 1
                if count * frame.nbytes > max_bytes:
                    raise MediaError("too_large", f"reverse needs more than {max_bytes:,} bytes "
                                     "of frame buffer (video.reverse max_buffer_bytes)")
                fh.write(np.ascontiguousarray(frame).tobytes())
            if shape is None:
                return
            size = int(np.prod(shape))
            for i in range(count - 1, -1, -1):
                fh.seek(i * size)
                yield np.frombuffer(fh.read(size), np.uint8).reshape(shape)
    finally:
        _unlink(path)


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
