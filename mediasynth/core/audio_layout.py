"""The array layout of audio handed in by callers: mono 1-D (frames,) or (channels, frames).

Other libraries (audiomentations' multichannel mode, soundfile.read, torchaudio saved as
numpy and transposed, ...) often hand (frames, channels). Taken as (channels, frames), a
one-second stereo clip at 16 kHz becomes 16000 "channels" of 2 frames each and every
transform silently does nonsense, so that layout is refused with a message naming the fix.
"""

from __future__ import annotations

import numpy as np

MAX_PLAUSIBLE_CHANNELS = 64  # more than any real layout (7.1.4 is 12, 3rd-order ambisonics 16)


def looks_frames_first(shape: tuple[int, ...]) -> bool:
    """True for a 2-D shape whose first axis cannot be channels: longer than
    MAX_PLAUSIBLE_CHANNELS and longer than the second axis (e.g. (16000, 2))."""
    return len(shape) == 2 and shape[0] > MAX_PLAUSIBLE_CHANNELS and shape[0] > shape[1]


def channels_first(samples) -> np.ndarray:
    """`samples` as a (channels, frames) float32 array: 1-D is one channel, 2-D must already
    be (channels, frames). Raises ValueError for other ranks and for an array that looks
    (frames, channels) (see looks_frames_first), telling the caller to pass `samples.T`."""
    arr = np.asarray(samples)
    if arr.ndim not in (1, 2):
        raise ValueError(f"audio samples must be 1-D (frames,) or 2-D (channels, frames); "
                         f"got shape {arr.shape}")
    if looks_frames_first(arr.shape):
        raise ValueError(
            f"audio samples of shape {arr.shape} look like (frames, channels): "
            f"{arr.shape[0]} channels of {arr.shape[1]} frames is implausible. mediasynth "
            f"takes (channels, frames) (or 1-D mono); pass samples.T, shape "
            f"{arr.shape[::-1]}")
    return np.ascontiguousarray(np.atleast_2d(arr), dtype=np.float32)
