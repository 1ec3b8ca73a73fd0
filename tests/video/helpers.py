"""Test clips made at test time with the FFmpeg the product uses (io.ffmpeg.ffmpeg_binary:
the one bundled with imageio-ffmpeg), never whatever `ffmpeg` is on PATH."""

from __future__ import annotations

import functools
import subprocess
from pathlib import Path

import numpy as np

from mediasynth.io.ffmpeg import ffmpeg_binary


def encode_frames(path: Path, frames, *, fps: float = 25.0, audio: np.ndarray | None = None,
                  sample_rate: int = 16000, vcodec: list[str] | None = None,
                  extra: list[str] | None = None) -> Path:
    """Encode an iterable of H x W x 3 uint8 frames (plus optional (C, N) audio)."""
    frames = list(frames)
    h, w = frames[0].shape[:2]
    cmd = [ffmpeg_binary(), "-hide_banner", "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt",
           "rgb24", "-s", f"{w}x{h}", "-r", str(fps), "-i", "pipe:0"]
    wav = None
    if audio is not None:
        import soundfile as sf

        wav = path.with_suffix(".src.wav")
        sf.write(wav, audio.T, sample_rate)
        cmd += ["-i", str(wav)]
    cmd += vcodec or ["-c:v", "libx264", "-preset", "ultrafast", "-crf", "12", "-pix_fmt",
                      "yuv444p" if w % 2 or h % 2 else "yuv420p"]
    cmd += extra or []
    cmd.append(str(path))
    subprocess.run(cmd, input=b"".join(f.tobytes() for f in frames), check=True)
    if wav is not None:
        wav.unlink()
    return path


@functools.cache
def ffmpeg_has_option(option: str) -> bool:
    """True when the product's FFmpeg lists `option` (e.g. "-display_rotation")."""
    out = subprocess.run([ffmpeg_binary(), "-hide_banner", "-h", "full"], capture_output=True,
                         text=True).stdout
    return any(line.startswith(option + " ") or line.startswith(option + "[")
               for line in out.splitlines())


def tone(seconds: float, sample_rate: int = 16000, channels: int = 1, freq: float = 440.0):
    t = np.arange(int(seconds * sample_rate)) / sample_rate
    return np.repeat((0.3 * np.sin(2 * np.pi * freq * t))[None], channels, 0).astype(np.float32)


def red_blue(w=64, h=48, n=20):
    frame = np.zeros((h, w, 3), np.uint8)
    frame[:, : w // 2] = (220, 20, 20)
    frame[:, w // 2 :] = (20, 20, 220)
    return [frame] * n


def decode(path: Path):
    """All frames as RGB arrays, and stream facts, via PyAV (independent of our pipeline)."""
    import av

    with av.open(str(path)) as c:
        v = c.streams.video[0]
        frames = [f.to_ndarray(format="rgb24") for f in c.decode(v)]
    with av.open(str(path)) as c:
        facts = {"video_duration": float(c.streams.video[0].duration * c.streams.video[0].time_base),
                 "audio": [(s.codec_context.sample_rate, s.codec_context.channels,
                            float(s.duration * s.time_base)) for s in c.streams.audio]}
    return frames, facts
