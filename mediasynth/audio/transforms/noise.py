"""Noise: Gaussian and coloured noise at an SNR, background noise from files."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from mediasynth.audio.functional import noise as N
from mediasynth.audio.transforms.base import AudioTransform
from mediasynth.core.errors import ConfigError
from mediasynth.core.params import param
from mediasynth.core.registry import register
from mediasynth.core.transform import seed_param, uniform


def _snr(default: tuple[float, float]):
    return param(default, "[low, high] SNR", unit="dB", low=-40, high=120)


@register("audio.add_noise")
@dataclass(frozen=True, kw_only=True)
class AddNoise(AudioTransform):
    """Add Gaussian white noise at a signal-to-noise ratio drawn from `snr_db_range` (RMS of
    the signal over RMS of the added noise)."""

    snr_db_range: tuple[float, float] = _snr((10.0, 30.0))

    def get_params(self, rng, media) -> dict[str, Any]:
        return {"snr_db": uniform(rng, self.snr_db_range), "noise_seed": seed_param(rng)}

    def apply_samples(self, samples, sample_rate, params):
        return N.add_noise(samples, snr_db=params["snr_db"], seed=params["noise_seed"])


@register("audio.colored_noise")
@dataclass(frozen=True, kw_only=True)
class ColoredNoise(AudioTransform):
    """Add noise of a colour (white, pink, brown, blue, violet) at an SNR."""

    snr_db_range: tuple[float, float] = _snr((10.0, 30.0))
    colors: tuple[str, ...] = param(("white", "pink", "brown"),
                                    "the candidate colours, drawn uniformly", checked=False)

    def validate(self) -> None:
        if not self.colors or any(c not in N.NOISE_COLORS for c in self.colors):
            raise ConfigError(f"{self.name}: colors must be from {sorted(N.NOISE_COLORS)}")

    def get_params(self, rng, media) -> dict[str, Any]:
        return {
            "snr_db": uniform(rng, self.snr_db_range),
            "color": self.colors[int(rng.integers(len(self.colors)))],
            "noise_seed": seed_param(rng),
        }

    def apply_samples(self, samples, sample_rate, params):
        return N.add_noise(samples, snr_db=params["snr_db"], seed=params["noise_seed"],
                           color=params["color"])


@functools.lru_cache(maxsize=8)
def _noise_files(folder: str) -> tuple[str, ...]:
    from mediasynth.io.discover import discover

    return tuple(f.rel_path for f in discover(folder) if f.kind == "audio" and not f.problem)


@functools.lru_cache(maxsize=32)
def _load_noise(path: str, sample_rate: int) -> np.ndarray:
    from mediasynth.audio.functional.stretch import resample
    from mediasynth.io.audio_io import read_audio

    audio = read_audio(path)
    return resample(audio.samples, from_hz=audio.sample_rate, to_hz=sample_rate)


@register("audio.background_noise")
@dataclass(frozen=True, kw_only=True)
class BackgroundNoise(AudioTransform):
    """Mix in a recording chosen from `noise_dir` (any readable audio, looped or cut to
    length, resampled to the input's rate) at an SNR drawn from `snr_db_range`."""

    noise_dir: str = param("", "folder of noise recordings (searched recursively)",
                           checked=False)
    snr_db_range: tuple[float, float] = _snr((3.0, 30.0))

    def validate(self) -> None:
        if not self.noise_dir:
            raise ConfigError(f"{self.name}: noise_dir is required")

    def get_params(self, rng, media) -> dict[str, Any]:
        files = _noise_files(str(Path(self.noise_dir).resolve()))
        if not files:
            raise ConfigError(f"{self.name}: no readable audio in {self.noise_dir!r}")
        return {
            "file": files[int(rng.integers(len(files)))],
            "offset_fraction": float(rng.random()),
            "snr_db": uniform(rng, self.snr_db_range),
        }

    def apply_samples(self, samples, sample_rate, params):
        noise = _load_noise(str(Path(self.noise_dir).resolve() / params["file"]), sample_rate)
        offset = int(params["offset_fraction"] * noise.shape[1])
        fitted = N.fit_noise(noise, channels=samples.shape[0], frames=samples.shape[1],
                             offset=offset)
        return N.mix_at_snr(samples, fitted, snr_db=params["snr_db"])


