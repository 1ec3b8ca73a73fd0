"""Core abstractions: media containers, transforms, composition, randomness, registry, config."""

from mediasynth.core.compose import Compose, OneOf, RandomApply, SomeOf
from mediasynth.core.errors import ConfigError, MediaError, MediasynthError
from mediasynth.core.media import Audio, Image, MediaKind, Video
from mediasynth.core.transform import OpRecord, Transform

__all__ = [
    "Audio",
    "Compose",
    "ConfigError",
    "Image",
    "MediaError",
    "MediaKind",
    "MediasynthError",
    "OneOf",
    "OpRecord",
    "RandomApply",
    "SomeOf",
    "Transform",
    "Video",
]
