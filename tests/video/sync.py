"""A/V sync measured on the output itself: clips whose frames show their own index and whose
audio has a short burst on known frame boundaries.

Source clip: frame i shows the bits of i as white blocks (one always-white reference block
first, so dark frames of a fade still read); a tone burst is centred on the start of each
marked frame. The audio track may start late (`-itsoffset`), as camera files do.

Measurement: decode the output (PyAV) with timestamps. Each output frame's index says which
source frame it shows; the output time of a source frame boundary is read from there
(first frame showing it, or interpolated when the frame was dropped, or the frame's end
when the clip plays backwards). Bursts are found in the decoded audio, placed in time with
the audio frames' own timestamps (so the stream's start_time counts), and each is compared
with the output time of its marked frame's boundary.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mediasynth.io.ffmpeg import ffmpeg_binary

BLOCK_PX = 8
BITS = 9  # indices up to 511
HEIGHT_PX = 16
BURST_HZ = 1500.0
BURST_S = 0.004


@dataclass(frozen=True)
class SyncClip:
    path: Path
    fps: float
    frames: int
    marked: tuple[int, ...]  # source frames whose start carries a burst


def index_frame(i: int) -> np.ndarray:
    """A HEIGHT_PX x (BITS+1)*BLOCK_PX RGB frame: reference block, then bits of i (LSB first)."""
    frame = np.full((HEIGHT_PX, (BITS + 1) * BLOCK_PX, 3), 16, np.uint8)
    frame[:, :BLOCK_PX] = 235
    for bit in range(BITS):
        if i >> bit & 1:
            frame[:, (bit + 1) * BLOCK_PX:(bit + 2) * BLOCK_PX] = 235
    return frame


def read_index(frame: np.ndarray) -> int | None:
    """The index a decoded frame shows, or None when it is too dark to read (a fade)."""
    blocks = [frame[2:-2, b * BLOCK_PX + 2:(b + 1) * BLOCK_PX - 2].mean()
              for b in range(BITS + 1)]
    floor = min(blocks)
    if blocks[0] - floor < 40:
        return None
    threshold = (blocks[0] + floor) / 2
    return sum(1 << bit for bit in range(BITS) if blocks[bit + 1] > threshold)


def burst_track(marked_s, length_s: float, sample_rate: int) -> np.ndarray:
    """Mono float32 silence of `length_s` with a Hann-windowed burst centred on each time."""
    out = np.zeros(int(round(length_s * sample_rate)), np.float32)
    half = int(round(BURST_S * sample_rate / 2))
    t = np.arange(-half, half + 1) / sample_rate
    burst = 0.8 * np.hanning(t.size) * np.sin(2 * np.pi * BURST_HZ * t)
    for s in marked_s:
        c = int(round(s * sample_rate))
        if c - half >= 0 and c + half < out.size:
            out[c - half:c + half + 1] += burst
    return out


def make_sync_clip(path: Path, *, fps: int = 30, seconds: float = 4.0,
                   audio_offset_s: float = 0.0, sample_rate: int = 16000,
                   every_s: float = 0.5) -> SyncClip:
    """Write an H.264 + AAC MP4 whose audio starts `audio_offset_s` after the video (before
    it when negative) and whose bursts sit on the starts of frames about `every_s` apart
    (irregular, from 0.3 s on, where the audio has begun)."""
    import soundfile as sf

    n = int(round(seconds * fps))
    marked = tuple(f for k in range(int((seconds - 0.5) / every_s))
                   if (f := int(round((0.3 + k * every_s) * fps)) + k % 3) / fps
                   > audio_offset_s + BURST_S)
    audio = burst_track([f / fps - audio_offset_s for f in marked], seconds - audio_offset_s,
                        sample_rate)
    wav = path.with_suffix(".bursts.wav")
    sf.write(wav, audio, sample_rate)
    frames = b"".join(index_frame(i).tobytes() for i in range(n))
    h, w = index_frame(0).shape[:2]
    late_audio = path.with_suffix(".aligned" + path.suffix) if audio_offset_s < 0 else path
    cmd = [ffmpeg_binary(), "-hide_banner", "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt",
           "rgb24", "-s", f"{w}x{h}", "-r", str(fps), "-i", "pipe:0",
           "-itsoffset", f"{max(0.0, audio_offset_s):.6f}", "-i", str(wav),
           "-c:v", "libx264", "-preset", "ultrafast", "-crf", "10", "-pix_fmt", "yuv420p",
           "-c:a", "aac", "-b:a", "64k", str(late_audio)]
    subprocess.run(cmd, input=frames, check=True)
    wav.unlink()
    if late_audio != path:  # the video starts late: shift it by a stream copy
        subprocess.run([ffmpeg_binary(), "-v", "error", "-y", "-itsoffset",
                        f"{-audio_offset_s:.6f}", "-i", str(late_audio), "-i", str(late_audio),
                        "-map", "0:v", "-map", "1:a", "-c", "copy", str(path)], check=True)
        late_audio.unlink()
    return SyncClip(path, float(fps), n, marked)


def decoded_frames(path: Path) -> tuple[np.ndarray, np.ndarray, float]:
    """(output times s, source index or -1, frame duration s) of every video frame."""
    import av

    times, indices = [], []
    with av.open(str(path)) as c:
        stream = c.streams.video[0]
        for f in c.decode(stream):
            times.append(float(f.pts * f.time_base))
            index = read_index(f.to_ndarray(format="rgb24"))
            indices.append(-1 if index is None else index)
        rate = float(stream.average_rate or stream.guessed_rate)
    order = np.argsort(times)
    return np.asarray(times)[order], np.asarray(indices)[order], 1.0 / rate


def decoded_audio(path: Path) -> tuple[np.ndarray, float, int]:
    """(mono samples, time of the first sample in s, sample rate) of the first audio track;
    the start time is the first decoded frame's timestamp (so an audio track that starts
    late in the output counts)."""
    import av

    chunks, start, rate = [], None, 0
    with av.open(str(path)) as c:
        for f in c.decode(c.streams.audio[0]):
            if start is None:
                start = float(f.pts * f.time_base)
            rate = f.sample_rate
            chunks.append(f.to_ndarray().reshape(len(f.layout.channels), -1).mean(axis=0))
    return np.concatenate(chunks), float(start or 0.0), rate


def burst_times(samples: np.ndarray, start_s: float, rate: int) -> np.ndarray:
    """Times (s) of the bursts: peaks of the smoothed magnitude above a quarter of the
    largest, at least 0.15 s apart."""
    width = max(1, int(0.002 * rate))
    env = np.convolve(np.abs(samples), np.ones(width) / width, mode="same")
    threshold = 0.25 * env.max()
    peaks, gap = [], int(0.15 * rate)
    for i in np.argsort(env)[::-1]:
        if env[i] < threshold:
            break
        if all(abs(i - p) > gap for p in peaks):
            peaks.append(int(i))
    return np.sort(np.asarray(peaks, float)) / rate + start_s


def boundary_time(times: np.ndarray, indices: np.ndarray, frame_s: float, f: int
                  ) -> float | None:
    """Output time of the start of source frame f: where the first output frame showing it
    starts (or ends, when the output plays backwards); interpolated between the nearest
    shown neighbours when f was dropped; None when f lies outside what is shown."""
    valid = indices >= 0
    t, idx = times[valid], indices[valid]
    if idx.size < 2 or not idx.min() <= f <= idx.max():
        return None
    backwards = np.corrcoef(t, idx)[0, 1] < 0
    first: dict[int, float] = {}
    for ti, i in zip(t, idx):
        first.setdefault(int(i), float(ti) + (frame_s if backwards else 0.0))
    if f in first:
        return first[f]
    below = max(i for i in first if i < f)
    above = min(i for i in first if i > f)
    w = (f - below) / (above - below)
    return first[below] + w * (first[above] - first[below])


def common_shift(expected: np.ndarray, bursts: np.ndarray, *, within_s: float = 0.015
                 ) -> float:
    """The shift of the bursts against the expected times that lines up the most of them
    (within `within_s`; the smallest such shift): pairs each burst with its own mark even
    when sync is off by more than half the spacing of the marks (they are irregular, so a
    shift by one spacing lines up fewer)."""
    best = (-1, 0.0)
    for c in sorted({float(b - e) for b in bursts for e in expected}, key=abs):
        hits = sum(bool(np.any(np.abs(bursts - (e + c)) <= within_s)) for e in expected)
        if hits > best[0]:
            best = (hits, c)
    return best[1]


def sync_errors(clip: SyncClip, out: Path, *, edge_s: float = 0.1) -> list[float]:
    """Audio minus video time (s) for every marked frame shown in `out` at least `edge_s`
    from its ends: positive when the audio is late."""
    times, indices, frame_s = decoded_frames(out)
    samples, start_s, rate = decoded_audio(out)
    bursts = burst_times(samples, start_s, rate)
    end = times[-1] + frame_s
    expected = [t for f in clip.marked
                if (t := boundary_time(times, indices, frame_s, f)) is not None
                and edge_s <= t <= end - edge_s]
    if not expected or not bursts.size:
        return []
    shift = common_shift(np.asarray(expected), bursts)
    return [float(bursts[np.argmin(np.abs(bursts - (e + shift)))] - e) for e in expected]
