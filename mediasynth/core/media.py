"""Immutable media containers.

`Image.pixels` is H x W x C (C in 1, 3, 4), RGB(A) order; uint8, uint16 or float32 in [0, 1].
`Image.boxes` is N x 4 float pixel xyxy and `Image.keypoints` N x K pixel x, y then extra
columns (label, visibility...; `meta["keypoint_visibility_column"]` names the one geometric
transforms zero outside the frame), both in continuous coordinates: pixel (row i, column j)
covers [j, j+1) x [i, i+1).
`Audio.samples` is always (channels, frames) float32.
`Video` describes a clip on disk; frames are streamed, never held whole.
"""

from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np


class MediaKind(str, enum.Enum):
    IMAGE = "image"
    AUDIO = "audio"
    VIDEO = "video"

    def __str__(self) -> str:
        return self.value


_PIXEL_DTYPES = (np.uint8, np.uint16, np.float32)


@dataclass(frozen=True, eq=False)
class Image:
    """An image with optional targets that geometric transforms move along with the pixels."""

    pixels: np.ndarray
    mask: np.ndarray | None = None
    boxes: np.ndarray | None = None
    keypoints: np.ndarray | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    kind: ClassVar[MediaKind] = MediaKind.IMAGE

    def __post_init__(self) -> None:
        px = self.pixels
        if not isinstance(px, np.ndarray) or px.ndim != 3 or px.shape[2] not in (1, 3, 4):
            shape = getattr(px, "shape", None)
            raise ValueError(f"Image.pixels must be H x W x C with C in (1, 3, 4), got {shape}")
        if px.dtype not in _PIXEL_DTYPES:
            raise ValueError(f"Image.pixels dtype must be uint8, uint16 or float32, got {px.dtype}")
        if px.shape[0] < 1 or px.shape[1] < 1:
            raise ValueError(f"Image.pixels is empty: {px.shape}")
        if self.mask is not None and self.mask.shape[:2] != px.shape[:2]:
            raise ValueError(f"mask shape {self.mask.shape} does not match pixels {px.shape[:2]}")
        if self.boxes is not None and (self.boxes.ndim != 2 or self.boxes.shape[1] != 4):
            raise ValueError(f"boxes must be N x 4 xyxy, got {self.boxes.shape}")
        if self.keypoints is not None and (
            self.keypoints.ndim != 2 or self.keypoints.shape[1] < 2
        ):
            raise ValueError(f"keypoints must be N x K (K >= 2: x, y, then extra columns), "
                             f"got {self.keypoints.shape}")

    @property
    def height(self) -> int:
        return int(self.pixels.shape[0])

    @property
    def width(self) -> int:
        return int(self.pixels.shape[1])

    @property
    def channels(self) -> int:
        return int(self.pixels.shape[2])

    def replace(self, **changes: Any) -> Image:
        return dataclasses.replace(self, **changes)


@dataclass(frozen=True, eq=False)
class Audio:
    """A waveform: `samples` (channels, frames) float32 at `sample_rate` Hz."""

    samples: np.ndarray
    sample_rate: int
    meta: dict[str, Any] = field(default_factory=dict)
    kind: ClassVar[MediaKind] = MediaKind.AUDIO

    def __post_init__(self) -> None:
        s = self.samples
        if not isinstance(s, np.ndarray) or s.ndim != 2:
            raise ValueError(
                f"Audio.samples must be 2-D (channels, frames), got {getattr(s, 'shape', None)}"
            )
        if s.dtype != np.float32:
            raise ValueError(f"Audio.samples must be float32, got {s.dtype}")
        if s.shape[0] < 1:
            raise ValueError("Audio.samples has no channels")
        if int(self.sample_rate) <= 0:
            raise ValueError(f"sample_rate must be positive, got {self.sample_rate}")

    @property
    def channels(self) -> int:
        return int(self.samples.shape[0])

    @property
    def frames(self) -> int:
        return int(self.samples.shape[1])

    @property
    def duration_s(self) -> float:
        return self.frames / float(self.sample_rate)

    def replace(self, **changes: Any) -> Audio:
        return dataclasses.replace(self, **changes)


@dataclass(frozen=True)
class AudioStreamInfo:
    """One audio track of a video file, as probed."""

    index: int
    codec: str
    sample_rate: int
    channels: int


@dataclass(frozen=True, eq=False)
class Video:
    """A clip on disk, described by its probe; frames are streamed by the video layer."""

    path: str
    width: int
    height: int
    fps: float
    frame_count: int
    duration_s: float
    variable_fps: bool = False
    rotation_deg: int = 0
    pixel_aspect: float = 1.0
    codec: str = ""
    pix_fmt: str = ""
    audio: tuple[AudioStreamInfo, ...] = ()
    meta: dict[str, Any] = field(default_factory=dict)
    kind: ClassVar[MediaKind] = MediaKind.VIDEO

    @property
    def display_size(self) -> tuple[int, int]:
        """(width, height) after applying the rotation metadata."""
        if self.rotation_deg % 180 == 90:
            return self.height, self.width
        return self.width, self.height

    def replace(self, **changes: Any) -> Video:
        return dataclasses.replace(self, **changes)
