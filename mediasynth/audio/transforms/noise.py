"""Noise: Gaussian and coloured noise at an SNR, background noise from files."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

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
