"""Library versions recorded in every manifest row: the ones an output's bytes depend on, so
that a replay on other versions can be told apart from a broken one (albumentations:
bridged steps replay bit-exactly only on the same albumentations version)."""

from __future__ import annotations

import functools
from importlib import metadata


@functools.lru_cache(maxsize=4)
def versions(with_ffmpeg: bool = False) -> dict[str, str]:
    """{key: version} of mediasynth, NumPy and each installed library below (read from the
    package metadata, nothing imported), libsndfile, and FFmpeg when `with_ffmpeg`."""
    import numpy

    import mediasynth

    out = {"mediasynth": mediasynth.__version__, "numpy": numpy.__version__}
    for dist, key in (("opencv-python-headless", "opencv"), ("Pillow", "pillow"),
                      ("soundfile", "soundfile"), ("python-stretch", "python-stretch"),
                      ("soxr", "soxr"), ("scipy", "scipy"),
                      ("albumentations", "albumentations")):
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
