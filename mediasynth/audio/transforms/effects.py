"""Room reverb and MP3 compression artefacts."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import numpy as np

from mediasynth.audio.functional import effects as E
from mediasynth.audio.transforms.base import AudioTransform
from mediasynth.core.params import param
from mediasynth.core.registry import register
from mediasynth.core.transform import seed_param, uniform


@functools.lru_cache(maxsize=8)
def _load_ir(path: str, sample_rate: int) -> np.ndarray:
    from mediasynth.audio.functional.stretch import resample
    from mediasynth.io.audio_io import read_audio

    audio = read_audio(path)
    ir = resample(audio.samples, from_hz=audio.sample_rate, to_hz=sample_rate)
    return ir / max(float(np.sqrt(np.sum(ir.astype(np.float64) ** 2))), 1e-12)


@register("audio.reverb")
@dataclass(frozen=True, kw_only=True)
class Reverb(AudioTransform):
    """Room reverb by convolution with an impulse response: a file (`ir_path`) or a
    synthesized exponential decay with RT60 drawn from `rt60_s_range`. Length is kept."""

    ir_path: str = param("", "impulse response audio file; empty = synthesize one",
                         checked=False)
    rt60_s_range: tuple[float, float] = param(
        (0.2, 1.0), "[low, high] reverberation time of a synthesized IR", unit="s", low=0.01,
        high=20.0)
    wet_range: tuple[float, float] = param(
        (0.2, 0.5), "[low, high] share of reverberated signal in the mix (0 dry, 1 wet)",
        low=0.0, high=1.0)

    def get_params(self, rng, media) -> dict[str, Any]:
        return {"rt60_s": uniform(rng, self.rt60_s_range), "wet": uniform(rng, self.wet_range),
                "noise_seed": seed_param(rng)}

    def apply_samples(self, samples, sample_rate, params):
        if self.ir_path:
            ir = _load_ir(self.ir_path, sample_rate)
        else:
            ir = E.synthetic_impulse_response(sample_rate=sample_rate, rt60_s=params["rt60_s"],
                                              seed=params["noise_seed"])
        return E.convolve_reverb(samples, ir, wet=params["wet"])


@register("audio.mp3_compression")
@dataclass(frozen=True, kw_only=True)
class Mp3Compression(AudioTransform):
    """Lossy-codec artefacts: encode to MP3 (LAME, constant bitrate) and decode back."""

    compression_level_range: tuple[float, float] = param(
        (0.5, 0.9), "[low, high] LAME level, 0 (best, ~320 kbps) to 1 (worst, ~8 kbps)",
        low=0.0, high=1.0)

    def apply_samples(self, samples, sample_rate, params):
        return E.mp3_roundtrip(samples, sample_rate=sample_rate,
                               compression_level=params["compression_level"])
