"""Audio transforms; importing this package registers them."""

from mediasynth.audio.transforms import (  # noqa: F401
    effects,
    filters,
    gain,
    mixing,
    noise,
    pitch_time,
    timing,
)
