"""The FFmpeg binary, one safe process runner, PyAV probing, a demux-only packet scan and a
full decode check (`decode_failure`).

Binary: `$MEDIASYNTH_FFMPEG`, else the one bundled in imageio-ffmpeg (a pinned, recent build:
what mediasynth is tested with), else `ffmpeg` on PATH (platforms without the wheel's binary).
Every run: `-nostdin`, inputs as `file:` + absolute path, protocol whitelist `file,pipe`, a
demuxer whitelist of real media containers (never playlists or concat lists), stderr drained,
a wall-clock timeout that kills the process, and failures raised as FFmpegError with the
stderr tail.

Children die with the process that started them: they stay in its process group (a kill of
the run's group reaches them) and, on Linux, get SIGKILL when their parent dies (a worker
killed with -9 leaves no FFmpeg writing on).
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass
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
    try:
        return _bundled_ffmpeg()
    except Exception as exc:  # noqa: BLE001 - any failure means "not bundled here"
        found = shutil.which("ffmpeg")
        if found:
            return found
        raise FFmpegError(
            "no FFmpeg binary: `pip install imageio-ffmpeg`, set MEDIASYNTH_FFMPEG or put "
            f"ffmpeg on PATH ({exc})"
        ) from None


def _bundled_ffmpeg() -> str:
    """The binary the imageio-ffmpeg wheel ships, located without running it
    (`get_ffmpeg_exe` runs `ffmpeg -version` to validate it, in every process that asks:
    20-40 ms of each worker's start; `ffmpeg_version` runs it once per run instead, and a
    binary that does not run fails the first real command with FFmpeg's own error)."""
    import imageio_ffmpeg

    try:
        from imageio_ffmpeg._utils import FNAME_PER_PLATFORM, _get_bin_dir, get_platform

        exe = Path(_get_bin_dir()) / FNAME_PER_PLATFORM.get(get_platform(), "")
        if exe.is_file() and os.access(exe, os.X_OK):
            return str(exe)
    except (ImportError, AttributeError, OSError):  # another layout of the package
        pass
    return imageio_ffmpeg.get_ffmpeg_exe()


_PR_SET_PDEATHSIG = 1  # linux/prctl.h


@functools.lru_cache(maxsize=1)
def _prctl():
    """libc's prctl on Linux, else None (resolved in the parent: the forked child only
    calls it)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(None, use_errno=True).prctl  # find_library would run ldconfig
    except (OSError, AttributeError):
        return None


def _die_with_parent(prctl, parent_pid: int):
    """The child-side setup of `popen_ffmpeg`: SIGKILL when the parent dies; exit at once
    if it already died between fork and this call."""
    def setup() -> None:
        prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != parent_pid:
            os._exit(137)
    return setup


def popen_ffmpeg(cmd: list[str], **kwargs) -> subprocess.Popen:
    """`subprocess.Popen(cmd, **kwargs)` for an FFmpeg child that cannot outlive its parent.

    The child stays in the caller's process group and session (a signal to the run's group
    reaches it) and, on Linux, gets SIGKILL when the parent dies (PR_SET_PDEATHSIG). The
    kernel sends that signal when the *thread* that forked exits, so the starting thread must
    wait for the child, as every runner in mediasynth does (run_ffmpeg, the frame pump).
    (Children used to get a session of their own so that a timeout could kill their whole
    group; FFmpeg starts no processes, so killing the child itself does that, while the
    separate session hid it from every kill of the run.) The setup runs in the forked child
    before exec and only calls prctl and getppid, which is safe with threads running."""
    launcher = _pdeathsig_launcher()
    if launcher:
        return subprocess.Popen([*launcher, *cmd], **kwargs)
    prctl = _prctl()
    if prctl is not None:
        kwargs["preexec_fn"] = _die_with_parent(prctl, os.getpid())
    return subprocess.Popen(cmd, **kwargs)


@functools.lru_cache(maxsize=1)
def _pdeathsig_launcher() -> tuple[str, ...]:
    """util-linux's `setpriv --pdeathsig KILL`, which sets the same signal and then execs
    the command (same pid), where it is installed: with no preexec_fn, subprocess starts
    the child with vfork, 0.5 ms instead of the 11 ms a fork of a worker costs (measured
    per FFmpeg command). Empty where it is missing (the preexec_fn route is used)."""
    if not sys.platform.startswith("linux"):
        return ()
    exe = next((p for p in ("/usr/bin/setpriv", "/bin/setpriv") if os.access(p, os.X_OK)),
               None) or shutil.which("setpriv")
    if exe is None:
        return ()
    launcher = (exe, "--pdeathsig", "KILL")
    try:  # the whole route once: the option exists, prctl is allowed, the exec works
        usage = subprocess.run([*launcher, exe, "--help"], capture_output=True, text=True,
                               timeout=5)
    except (OSError, subprocess.SubprocessError):
        return ()
    return launcher if usage.returncode == 0 and "--pdeathsig" in usage.stdout else ()


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
    proc = popen_ffmpeg(
        cmd,
        stdin=subprocess.PIPE if input_bytes is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE if capture_stdout else subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        out, err = proc.communicate(input=input_bytes, timeout=timeout_s)
    except subprocess.TimeoutExpired:
        kill_process(proc)
        raise MediaError("timeout", f"ffmpeg ran longer than {timeout_s:g} s") from None
    except BaseException:
        kill_process(proc)
        raise
    if proc.returncode != 0:
        raise FFmpegError(
            f"ffmpeg exited with {proc.returncode}", returncode=proc.returncode,
            stderr_tail=stderr_tail(err.decode("utf-8", "replace"), 8),
        )
    return out or b""


def stderr_tail(text: str, lines: int) -> str:
    """The last `lines` lines of FFmpeg's stderr, after the first decoder complaint when it
    is earlier (the lines a failure ends with are about the streams it stopped)."""
    all_lines = text.strip().splitlines()
    tail = all_lines[-lines:]
    first = next((line for line in all_lines if any(m in line for m in _DECODER_MARKERS)),
                 None)
    return "\n".join([first, *tail] if first is not None and first not in tail else tail)


def kill_process(proc: subprocess.Popen) -> None:
    """SIGKILL an FFmpeg child and reap it (FFmpeg starts no processes of its own)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        proc.kill()
    proc.wait()


# FFmpeg's exit status when more than -max_error_rate (2/3) of the frames failed to decode
DECODE_FAILURE_EXIT = 69
# how FFmpeg 4-9 report a packet its decoder refused
_DECODER_MARKERS = ("Error submitting packet to decoder", "Decoding error",
                    "Error while decoding", "corrupt decoded frame",
                    "Error processing packet in decoder")


def decoder_failure(exc: FFmpegError) -> str | None:
    """The decoder's message when FFmpeg failed because the input does not decode (damaged
    media), else None (an FFmpeg failure of another kind)."""
    lines = exc.stderr_tail.splitlines()
    hits = [line for line in lines if any(m in line for m in _DECODER_MARKERS)]
    if hits:  # "[vist#0:0/h264 @ 0x55..] [dec:h264 @ 0x55..] corrupt ..." -> "h264: corrupt ..."
        line = hits[0].strip()
        names = re.findall(r"\[(?:dec:)?([\w#:/.-]+) @ 0x[0-9a-fA-F]+\]\s*", line)
        text = re.sub(r"\[[^\]]* @ 0x[0-9a-fA-F]+\]\s*", "", line)
        return f"{names[-1].split('/')[-1]}: {text}" if names else text
    if exc.returncode == DECODE_FAILURE_EXIT:
        return lines[0].strip() if lines else "most frames failed to decode"
    return None


def decode_failure(path: str | Path, *, timeout_s: float) -> str | None:
    """Decode every audio and video stream of `path` in full, stopping at the first error
    a decoder reports (FFmpeg's -xerror: a packet refused or a frame decoded corrupt);
    returns that message, or None when everything decodes. Video first, then audio, each
    in its own pass, so the message is the same on every run (decoders of one process run
    in parallel threads). Costs one decode of the file without any encode (measured: 0.20-
    0.25 s of CPU for 10 s of 640x360 H.264 + AAC, a fifth of one rendered variant).
    MediaError('timeout') past `timeout_s`."""
    for streams in ("0:v?", "0:a?"):
        try:
            run_ffmpeg(["-xerror", *safe_input(path), "-map", streams, "-f", "null", "-"],
                       timeout_s=timeout_s)
        except FFmpegError as exc:
            lines = exc.stderr_tail.strip().splitlines()
            return decoder_failure(exc) or (lines[0].strip() if lines
                                            else f"ffmpeg exited with {exc.returncode}")
    return None


@functools.lru_cache(maxsize=1)
def ffmpeg_version() -> str:
    try:
        out = run_ffmpeg(["-version"], timeout_s=20, capture_stdout=True)
        first = out.decode("utf-8", "replace").splitlines()[0]
        return first.split(" version ")[1].split()[0] if " version " in first else first
    except Exception:  # noqa: BLE001 - version is informational
        return "unknown"


def open_container(path: str | Path):
    """A PyAV input container with the protocol and demuxer whitelists applied; MediaError
    ('unreadable') when it does not open."""
    import av

    options = {"protocol_whitelist": PROTOCOL_WHITELIST, "format_whitelist": DEMUXER_WHITELIST}
    try:
        return av.open(str(Path(path).resolve()), options=options, timeout=30.0)
    except Exception as exc:  # noqa: BLE001 - PyAV raises many error classes
        from mediasynth.io.audio_containers import find_truncation

        cut = find_truncation(path)  # e.g. an MP4 whose index (moov) was cut off
        if cut:
            raise MediaError("truncated", f"{cut} (the container does not open: {exc})") \
                from None
        raise MediaError("unreadable", f"cannot open media container: {exc}") from None


def probe(path: str | Path, *, first_frame: bool = True, timestamps: bool = True) -> dict:
    """Container and stream facts via PyAV: format, duration_s, start_s (where FFmpeg's
    `-ss` counts from) and streams
    ({index, type, codec, width, height, fps, base_fps, frames, pix_fmt, sar,
    rotation_deg, sample_rate, channels, duration_s, start_s}). A video stream's rotation
    and `start_s` (the time of the first frame its decoder delivers) are read from the
    first decoded frame when `first_frame` (the only reliable place for both); an audio
    stream's `start_s` is the header's (`scan_packets` measures the decoded one)."""
    container = open_container(path)
    with container:
        streams = []
        for s in container.streams:
            context = s.codec_context  # None for data and attachment streams (tmcd, fonts)
            info = {"index": s.index, "type": s.type,
                    "codec": (context.name or "") if context is not None else ""}
            if context is None:
                streams.append(info)
                continue
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
                if s.start_time is not None and s.time_base is not None:
                    info["start_s"] = float(s.start_time * s.time_base)
            if s.duration is not None and s.time_base is not None:
                info["duration_s"] = float(s.duration * s.time_base)
            streams.append(info)
        duration = container.duration / 1_000_000 if container.duration else None
        video = [i for i in streams if i["type"] == "video"]
        if video and timestamps:
            video[0]["variable_fps"] = _timestamps_vary(container, video[0]["index"],
                                                        video[0]["fps"])
        if first_frame and video:
            try:
                stream = container.streams.video[0]
                stream.thread_count = 1  # one frame: thread start-up would cost more
                frame = next(container.decode(stream))
                video[0]["rotation_deg"] = int(round(getattr(frame, "rotation", 0) or 0)) % 360
                if frame.time is not None:
                    video[0]["start_s"] = float(frame.time)
            except Exception as exc:  # noqa: BLE001 - no decodable frame at all
                video[0]["decode_error"] = str(exc) or type(exc).__name__
        start = container.start_time / 1_000_000 if container.start_time is not None else 0.0
        return {"format": container.format.name, "duration_s": duration, "start_s": start,
                "streams": streams}


def _timestamps_vary(container, index: int, fps: float, packets: int = 240) -> bool:
    """True when the spacing of the first frames' timestamps varies (variable frame rate)
    or is typically over 1.5 frames of the stated rate `fps` (a sparse stream, such as an
    AVI whose repeated frames were left out: its frames are not `fps` a second either).
    Only demuxes (no decoding); timestamps are sorted to undo B-frame reordering."""
    stream = container.streams[index]
    pts = []
    try:
        for packet in container.demux(stream):
            if packet.pts is not None and packet.size:  # an AVI's skipped frame: no data
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
    if fps > 0 and stream.time_base is not None and typical * float(stream.time_base) > 1.5 / fps:
        return True
    return bool(typical > 0 and np.mean(np.abs(deltas - typical) > 0.25 * typical) > 0.05)


# --- demux-only scan --------------------------------------------------------------------------

@dataclass(frozen=True)
class StreamSpan:
    """One stream's packets: how many, the earliest start and latest end (s) of those with
    timestamps, and for audio the time of the first frame its decoder delivers
    (`first_frame_s`: decoders drop the priming samples an edit list marks, so packet times
    alone can be a frame off; a video stream's is `probe`'s `start_s`)."""

    packets: int = 0
    start_s: float | None = None
    end_s: float | None = None
    first_frame_s: float | None = None


@dataclass(frozen=True)
class PacketScan:
    """What reading every packet of a file without decoding found.

    header_duration_s: the duration the container states (None when it states none).
    streams: {stream index: StreamSpan} of the audio and video streams.
    over_limit: the content ran past the scan's limit, where the scan stopped.
    truncation: the demuxer's words for a file that ends early ("partial file"...), or None.
    error: a demuxer error that stopped the scan early, or None.
    """

    header_duration_s: float | None
    streams: dict[int, StreamSpan]
    over_limit: bool = False
    truncation: str | None = None
    error: str | None = None

    @property
    def content_s(self) -> float | None:
        """Seconds from the earliest packet to the end of the latest (None: no timestamps)."""
        starts = [s.start_s for s in self.streams.values() if s.start_s is not None]
        ends = [s.end_s for s in self.streams.values() if s.end_s is not None]
        return max(ends) - min(starts) if starts and ends else None


_TRUNCATION_WORDS = ("partial file", "ended prematurely", "truncat", "end of file")
_log_lock = threading.Lock()
_log_users = 0
_log_level_before = None


@contextlib.contextmanager
def _libav_errors():
    """Collect this thread's libav messages of level ERROR and above as (level, name,
    message). PyAV keeps libav's logging off unless a level is set; it is set while any
    scan runs and restored after the last."""
    import av.logging

    global _log_users, _log_level_before
    with _log_lock:
        if _log_users == 0:
            _log_level_before = av.logging.get_level()
            av.logging.set_level(av.logging.ERROR)
        _log_users += 1
    try:
        with av.logging.Capture() as logs:
            yield logs
    finally:
        with _log_lock:
            _log_users -= 1
            if _log_users == 0:
                av.logging.set_level(_log_level_before)


class _Spans:
    """Running per-stream packet statistics of a scan."""

    def __init__(self, container):
        streams = [s for s in container.streams if s.type in ("audio", "video")]
        self.kinds = {s.index: s.type for s in streams}
        self.seconds = {s.index: float(s.time_base) if s.time_base else None for s in streams}
        self.count = dict.fromkeys(self.kinds, 0)
        self.start: dict[int, float] = {}
        self.end: dict[int, float] = {}
        self.first_frame: dict[int, float | None] = {}
        self.earliest: float | None = None
        self.latest: float | None = None

    def add(self, packet) -> float | None:
        """Count `packet`; the content length so far (s), when it has a timestamp."""
        i = packet.stream.index
        self.count[i] += 1
        ts = packet.pts if packet.pts is not None else packet.dts
        unit = self.seconds[i]
        if ts is None or unit is None or packet.is_discard:
            return None
        start = ts * unit
        end = start + (packet.duration or 0) * unit
        if start < self.start.get(i, start + 1):
            self.start[i] = start
        if end > self.end.get(i, end - 1):
            self.end[i] = end
        if self.earliest is None or start < self.earliest:
            self.earliest = start
        if self.latest is None or end > self.latest:
            self.latest = end
        return self.latest - self.earliest

    def decode_first(self, packet) -> None:
        """Decode `packet` while its audio stream has delivered no frame yet, noting the
        first frame's time (errors ignored: the probe reports undecodable streams). Video
        streams are left alone: `probe` already decodes their first frame (`start_s`)."""
        i = packet.stream.index
        if i in self.first_frame or self.kinds[i] != "audio":
            return
        try:
            for frame in packet.decode():
                if frame.time is not None:
                    self.first_frame[i] = float(frame.time)
                    return
        except Exception:  # noqa: BLE001 - PyAV raises many error classes
            self.first_frame[i] = None

    def result(self) -> dict[int, StreamSpan]:
        return {i: StreamSpan(self.count[i], self.start.get(i), self.end.get(i),
                              self.first_frame.get(i)) for i in self.kinds}


def scan_packets(path: str | Path, *, limit_s: float) -> PacketScan:
    """Read every packet of `path` without decoding (except each audio stream's first
    frames, for its first frame time), stopping once the content passes `limit_s` seconds.

    Cost: one sequential read of the file (measured: 20-50 ms for 10 s of 640x360 H.264).
    Raises MediaError('unreadable') when the container does not open."""
    container = open_container(path)
    with container, _libav_errors() as logs:
        header = container.duration / 1_000_000 if container.duration else None
        spans = _Spans(container)
        for s in container.streams:
            if s.type in ("audio", "video"):
                s.thread_count = 1
        over, error = False, None
        try:
            for packet in container.demux():
                if packet.stream.index not in spans.kinds or packet.size == 0:
                    continue
                spans.decode_first(packet)
                content = spans.add(packet)
                if content is not None and content > limit_s:
                    over = True
                    break
        except Exception as exc:  # noqa: BLE001 - PyAV raises many error classes
            error = str(exc) or type(exc).__name__
        fmt = container.format.name
        said = [m.strip() for _, name, m in logs if name == fmt or name in fmt.split(",")]
    truncation = next((m for m in said if any(w in m.lower() for w in _TRUNCATION_WORDS)),
                      None)
    return PacketScan(header, spans.result(), over, truncation, error)
