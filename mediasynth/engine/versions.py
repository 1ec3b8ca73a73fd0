"""Library versions recorded in every manifest row."""

from __future__ import annotations

import functools
from importlib import metadata


@functools.lru_cache(maxsize=4)
def versions(with_ffmpeg: bool = False) -> dict[str, str]:
    import numpy

    import mediasynth

    out = {"mediasynth": mediasynth.__version__, "numpy": numpy.__version__}
    for dist, key in (("opencv-python-headless", "opencv"), ("Pillow", "pillow"),
                      ("soundfile", "soundfile"), ("python-stretch", "python-stretch"),
                      ("soxr", "soxr"), ("scipy", "scipy")):
        try:
            out[key] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            continue
    try:
        import soundfile

        out["libsndfile"] = soundfile.__libsndfile_version__
    except (ImportError, OSError):
        pass
    if with_ffmpeg:
        from mediasynth.io.ffmpeg import ffmpeg_version

        out["ffmpeg"] = ffmpeg_version()
    return out
