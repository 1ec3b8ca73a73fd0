"""The FFmpeg binary, one safe process runner, and PyAV probing.

Binary: `$MEDIASYNTH_FFMPEG`, else `ffmpeg` on PATH, else the one bundled in imageio-ffmpeg.
Every run: `-nostdin`, inputs as `file:` + absolute path, protocol whitelist `file,pipe`, a
demuxer whitelist of real media containers (never playlists or concat lists), stderr drained,
a wall-clock timeout that kills the process group, and failures raised as FFmpegError with the
stderr tail.
"""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
import signal
import subprocess
from pathlib import Path

import numpy as np

from mediasynth.core.errors import FFmpegError, MediaError

PROTOCOL_WHITELIST = "file,pipe"
# Real media containers only: no hls, dash, concat, ffconcat, image2 globbing, tee...
DEMUXER_WHITELIST = (
    "mov,mp4,m4a,3gp,3g2,mj2,matroska,webm,avi,mpeg,mpegts,flv,asf,ogg,wav,flac,mp3,aac,"
    "aiff,caf,w64,au,amr,ac3,eac3,dts,truehd,mjpeg,h264,hevc,m4v,rawvideo,s16le,s24le,s32le,"
    "f32le,f64le,u8,nut,ivf,yuv4mpegpipe,dv,gxf,mxf,wv,ape,tta,mpc,mpc8,opus,dirac,vc1,"
    "cavsvideo,mpegvideo,loas,live_flv,smjpeg,cine,r3d,rm,wtv"
)


@functools.lru_cache(maxsize=1)
def ffmpeg_binary() -> str:
    """Path of the FFmpeg executable (see module docstring for the search order)."""
    env = os.environ.get("MEDIASYNTH_FFMPEG")
    if env:
        return env
    found = shutil.which("ffmpeg")
    if found:
        return found
    try:
        import imageio_ffmpeg

        return imageio_ffmpeg.get_ffmpeg_exe()
    except Exception as exc:  # noqa: BLE001 - any failure means "no ffmpeg"
        raise FFmpegError(
            "no FFmpeg binary: set MEDIASYNTH_FFMPEG, put ffmpeg on PATH or "
            f"`pip install imageio-ffmpeg` ({exc})"
        ) from None


def input_arg(path: str | Path) -> str:
    """An input/output path FFmpeg cannot mistake for an option or a protocol."""
    return "file:" + str(Path(path).resolve())


def safe_input(path: str | Path, *, demuxer: str | None = None) -> list[str]:
    """Arguments that open `path` with the protocol and demuxer whitelists applied."""
    args = ["-protocol_whitelist", PROTOCOL_WHITELIST, "-format_whitelist", DEMUXER_WHITELIST]
    if demuxer:
        args += ["-f", demuxer]
    return args + ["-i", input_arg(path)]


def run_ffmpeg(
    args: list[str],
    *,
    timeout_s: float = 600.0,
    input_bytes: bytes | None = None,
    capture_stdout: bool = False,
) -> bytes:
    """Run `ffmpeg -nostdin -hide_banner -v error <args>`; return stdout when captured.

    Raises FFmpegError on a non-zero exit and MediaError('timeout') past `timeout_s`.
    """
    cmd = [ffmpeg_binary(), "-hide_banner", "-v", "error"]
    if input_bytes is None:
        cmd.append("-nostdin")
    cmd += args
    proc = subprocess.Popen(
        cmd,
        stdin=subprocess.PIPE if input_bytes is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE if capture_stdout else subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(input=input_bytes, timeout=timeout_s)
    except subprocess.TimeoutExpired:
        kill_process_group(proc)
        raise MediaError("timeout", f"ffmpeg ran longer than {timeout_s:g} s") from None
    except BaseException:
        kill_process_group(proc)
        raise
    if proc.returncode != 0:
        tail = err.decode("utf-8", "replace").strip().splitlines()[-8:]
        raise FFmpegError(
            f"ffmpeg exited with {proc.returncode}", returncode=proc.returncode,
            stderr_tail="\n".join(tail),
        )
    return out or b""


def kill_process_group(proc: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


@functools.lru_cache(maxsize=1)
def ffmpeg_version() -> str:
    try:
        out = subprocess.run([ffmpeg_binary(), "-version"], capture_output=True, timeout=20)
        first = out.stdout.decode("utf-8", "replace").splitlines()[0]
        return first.split(" version ")[1].split()[0] if " version " in first else first
    except Exception:  # noqa: BLE001 - version is informational
        return "unknown"


def probe(path: str | Path, *, first_frame: bool = True, timestamps: bool = True) -> dict:
    """Container and stream facts via PyAV: format, duration_s and streams
    ({index, type, codec, width, height, fps, base_fps, frames, pix_fmt, sar,
    rotation_deg, sample_rate, channels, duration_s}). Rotation is read from the first
    decoded frame's display matrix when `first_frame` (the only reliable place)."""
    import av

    options = {"protocol_whitelist": PROTOCOL_WHITELIST, "format_whitelist": DEMUXER_WHITELIST}
    try:
        container = av.open(str(Path(path).resolve()), options=options, timeout=30.0)
    except Exception as exc:  # noqa: BLE001 - PyAV raises many error classes
        raise MediaError("unreadable", f"cannot open media container: {exc}") from None
    with container:
        streams = []
        for s in container.streams:
            info = {"index": s.index, "type": s.type, "codec": s.codec_context.name or ""}
            if s.type == "video":
                rate = s.average_rate or s.guessed_rate
                base = s.base_rate or s.guessed_rate or rate
                sar = s.sample_aspect_ratio
                info.update(
                    width=s.codec_context.width,
                    height=s.codec_context.height,
                    fps=float(rate) if rate else 0.0,
                    base_fps=float(base) if base else 0.0,
                    frames=int(s.frames or 0),
                    pix_fmt=s.codec_context.pix_fmt or "",
                    sar=float(sar) if sar else 1.0,
                    rotation_deg=0,
                )
            elif s.type == "audio":
                info.update(sample_rate=s.codec_context.sample_rate,
                            channels=s.codec_context.channels)
            if s.duration is not None and s.time_base is not None:
                info["duration_s"] = float(s.duration * s.time_base)
            streams.append(info)
        duration = container.duration / 1_000_000 if container.duration else None
        video = [i for i in streams if i["type"] == "video"]
        if video and timestamps:
            video[0]["variable_fps"] = _timestamps_vary(container, video[0]["index"])
        if first_frame and video:
            try:
                stream = container.streams.video[0]
                stream.thread_count = 1  # one frame: thread start-up would cost more
                frame = next(container.decode(stream))
                video[0]["rotation_deg"] = int(round(getattr(frame, "rotation", 0) or 0)) % 360
            except Exception as exc:  # noqa: BLE001 - no decodable frame at all
                video[0]["decode_error"] = str(exc) or type(exc).__name__
        return {"format": container.format.name, "duration_s": duration, "streams": streams}


def _timestamps_vary(container, index: int, packets: int = 240) -> bool:
    """True when the spacing of the first frames' timestamps varies (variable frame rate).
    Only demuxes (no decoding); timestamps are sorted to undo B-frame reordering."""
    stream = container.streams[index]
    pts = []
    try:
        for packet in container.demux(stream):
            if packet.pts is not None:
                pts.append(packet.pts)
            if len(pts) >= packets:
                break
        container.seek(0)
    except Exception:  # noqa: BLE001 - damage shows up later, when decoding
        return False
    deltas = np.diff(np.unique(np.asarray(pts, dtype=np.int64)))
    if deltas.size < 3:
        return False
    typical = float(np.median(deltas))
    return bool(typical > 0 and np.mean(np.abs(deltas - typical) > 0.25 * typical) > 0.05)
