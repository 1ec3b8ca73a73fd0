"""Near-duplicate signatures of clips: the image signature (image/signature.py) of the frames
at fixed relative times, so a re-encode at another bitrate, size or frame rate of the same
clip gives the same frames to compare. Two clips are near-duplicates when most of those
frames are (MIN_MATCHING of TIMES).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from mediasynth.image.signature import SIGNATURE_BYTES, hash_bits, is_near, pixels_signature

TIMES = (0.1, 0.3, 0.5, 0.7, 0.9)  # shares of the duration
MIN_MATCHING = 4


def clip_signature(path: Path) -> bytes:
    """The frame signatures at TIMES, concatenated (a frame that cannot be reached repeats
    the last one decoded). Raises what PyAV raises for an unreadable file."""
    import av

    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        duration = _duration_s(container, stream)
        reader = _FrameReader(container, stream)
        signatures: list[bytes] = []
        for share in TIMES:
            grey = reader.frame_at(share * duration)
            if grey is None:
                if not signatures:
                    raise ValueError("no frame decodes")
                signatures.append(signatures[-1])
            else:
                signatures.append(pixels_signature(grey))
    return b"".join(signatures)


def distance(a: bytes, b: bytes) -> float:
    """Share of the frames that are not near-duplicates of their counterpart (0: all are)."""
    frames = len(TIMES)
    near = sum(bool(is_near(*hash_bits(a[i * SIGNATURE_BYTES:(i + 1) * SIGNATURE_BYTES],
                                       b[i * SIGNATURE_BYTES:(i + 1) * SIGNATURE_BYTES])))
               for i in range(frames))
    return 1.0 - near / frames


def near_pairs(signatures: dict[str, bytes]) -> list[tuple[str, str, float]]:
    """Pairs (a, b, distance) of near-duplicate clips, a < b."""
    keys = sorted(signatures)
    limit = 1.0 - MIN_MATCHING / len(TIMES) + 1e-9
    pairs = []
    for i, a in enumerate(keys):
        for b in keys[i + 1:]:
            d = distance(signatures[a], signatures[b])
            if d <= limit:
                pairs.append((a, b, round(d, 4)))
    return pairs


def _duration_s(container, stream) -> float:
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return container.duration / 1_000_000
    return 0.0


class _FrameReader:
    """`_frame_at` for increasing times, decoding each frame at most once where it can: a
    target whose keyframe the decoder has already passed is reached by decoding on from the
    frame returned last, not by seeking back to that keyframe and decoding the same frames
    again (clips with one keyframe every 10 s, or only one, cost 2.5x fewer decodes for the
    five TIMES). The frames are the ones seeking gives: a decoder continuing from its
    keyframe yields what it yields after a seek to it. Keyframes come from a demux of the
    stream (packets only, no decode); a stream without timestamps is always sought."""

    def __init__(self, container, stream):
        self.container, self.stream = container, stream
        self.keyframes = _keyframe_pts(container, stream)
        self.frames = None  # the decode under way, or None to seek first
        self.last = None  # the frame it returned last

    def frame_at(self, time_s: float) -> np.ndarray | None:
        base = self.stream.time_base
        target = (self.stream.start_time or 0) + int(time_s / base) if base else 0
        if not self._can_continue(target):
            return self._sought(time_s)
        last = self.last
        for frame in self.frames:
            last = frame
            if frame.pts is None or frame.pts >= target:
                break
        else:
            self.frames = None  # the stream ended: what comes next is sought again
        self.last = last
        return None if last is None else last.to_ndarray(format="gray")

    def _can_continue(self, target: int) -> bool:
        if self.frames is None or self.last is None or self.last.pts is None or not self.keyframes:
            return False
        if target < self.last.pts:
            return False
        # no keyframe after the last frame and up to the target: the seek would land on a
        # keyframe at or before the frame in hand and decode the same frames again
        return not any(self.last.pts < k <= target for k in self.keyframes)

    def _sought(self, time_s: float) -> np.ndarray | None:
        base = self.stream.time_base
        target = (self.stream.start_time or 0) + int(time_s / base) if base else 0
        try:
            self.container.seek(target, stream=self.stream, backward=True, any_frame=False)
        except Exception:  # noqa: BLE001 - a stream that cannot seek: decode from the start
            self.container.seek(0)
        self.frames = self.container.decode(self.stream)
        last = None
        for frame in self.frames:
            last = frame
            if frame.pts is None or frame.pts >= target:
                break
        else:
            self.frames = None
        self.last = last
        return None if last is None else last.to_ndarray(format="gray")


def _keyframe_pts(container, stream) -> list[int]:
    """Presentation times of the stream's keyframes, from its packets (not decoded); empty
    when a keyframe has no timestamp (the reader then always seeks)."""
    keys: list[int] = []
    try:
        for packet in container.demux(stream):
            if packet.is_keyframe:
                if packet.pts is None:
                    return []
                keys.append(packet.pts)
    except Exception:  # noqa: BLE001 - a damaged tail: seek for every frame
        return []
    finally:
        container.seek(0)
    return sorted(keys)
