"""Encoding to MP4 with FFmpeg (the process runner of io/ffmpeg.py): the output arguments
every MP4 mediasynth writes shares (video/render.py for expand, synth/video.py for `synth
video`), and a pipe that feeds RGB frames to the encoder. Same frames and arguments, same
bytes: fixed encoder threads, no metadata, bit-exact muxing (`bitexact_codecs` also asks the
codecs for it)."""

from __future__ import annotations

import subprocess
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from mediasynth.core.errors import FFmpegError
from mediasynth.io.ffmpeg import ffmpeg_binary, input_arg, popen_ffmpeg


def mp4_output_args(dest: str | Path, *, codec: str = "libx264", preset: str = "veryfast",
                    crf: int = 23, threads: int = 2, audio: Sequence[str] = ("-an",),
                    bitexact_codecs: bool = False) -> list[str]:
    """Output arguments of an H.264 (yuv420p) MP4 at `dest`: `audio` is the audio stream's
    options (codec, rate, bitrate), `-an` for none."""
    args = ["-c:v", str(codec), "-preset", str(preset), "-crf", str(crf), "-pix_fmt", "yuv420p",
            "-threads", str(threads), *audio, "-movflags", "+faststart", "-map_metadata", "-1",
            "-fflags", "+bitexact"]
    if bitexact_codecs:
        args += ["-flags:v", "+bitexact", "-flags:a", "+bitexact"]
    return args + ["-f", "mp4", "-y", input_arg(dest)]


def encode_rgb_frames(frames: Iterable[np.ndarray], *, width_px: int, height_px: int,
                      fps: float, output_args: Sequence[str], inputs: Sequence[str] = (),
                      what: str = "encoding frames") -> None:
    """Pipe `frames` (H x W x 3 uint8, height_px x width_px each) into FFmpeg as raw RGB video
    at `fps`; `inputs` adds inputs after the frames (`-i` a soundtrack), `output_args` says
    what to write (`mp4_output_args`). FFmpegError naming `what` when FFmpeg fails."""
    cmd = [ffmpeg_binary(), "-hide_banner", "-v", "error", "-f", "rawvideo", "-pix_fmt",
           "rgb24", "-s", f"{width_px}x{height_px}", "-r", str(fps), "-i", "pipe:0", *inputs,
           *output_args]
    proc = popen_ffmpeg(cmd, stdin=subprocess.PIPE, stderr=subprocess.PIPE,
                        stdout=subprocess.DEVNULL)
    try:
        for frame in frames:
            proc.stdin.write(np.ascontiguousarray(frame, np.uint8).tobytes())
        proc.stdin.close()
    except BrokenPipeError:
        pass
    err = proc.stderr.read()
    if proc.wait() != 0:
        raise FFmpegError(f"{what} failed", returncode=proc.returncode,
                          stderr_tail=err.decode("utf-8", "replace")[-800:])
