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
        signatures: list[bytes] = []
        for share in TIMES:
            grey = _frame_at(container, stream, share * duration)
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


def _frame_at(container, stream, time_s: float) -> np.ndarray | None:
    """The grey frame shown at `time_s` (the first at or after it)."""
    base = stream.time_base
    start = stream.start_time or 0
    target = start + int(time_s / base) if base else 0
    try:
        container.seek(target, stream=stream, backward=True, any_frame=False)
    except Exception:  # noqa: BLE001 - a stream that cannot seek: decode from the start
        container.seek(0)
    last = None
    for frame in container.decode(stream):
        last = frame
        if frame.pts is None or frame.pts >= target:
            break
    return None if last is None else last.to_ndarray(format="gray")
