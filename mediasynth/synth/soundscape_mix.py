"""The signal side of `synth.soundscape`: one event's signal, the room, the levels, the mix.

Every function is deterministic (the randomness was drawn by the generator's get_params):

- `event_signal`: the source excerpt (mono, at the soundscape's rate) with 10 ms linear
  fades at both ends (a cut never clicks), pitch-shifted and time-stretched by
  audio/functional/stretch.py (`stretch` is a duration factor: 2.0 lasts twice as long),
  then, with a room, padded by the impulse response's length and convolved
  (audio/functional/effects.py `convolve_reverb`): the same reverberated signal is the
  event's stem and its share of the mix, so the stems add up to the mix.
- `audible_span`: an event's extent, the first and last sample above -40 dB of its peak
  (audio/functional/timing.py `loud_span`).
- `scale_to_loudness`: a gain giving an exact BS.1770 integrated loudness (LUFS,
  audio/functional/level.py), applied twice so the absolute gate's decisions settle.
- `leveled_stems`: the levels and the clipping rule. The background is scaled to the
  reference loudness, each event to reference + SNR; when the peak of the mix or of any
  stem passes -1 dBFS, the reference is lowered by the amount that brings the peak to
  -1 dBFS and every stem is leveled again (SNRs, onsets and the sum kept); the amount is
  recorded as `clip_gain_db`.
- `quantized`: samples on the output format's grid (16-bit: multiples of 1/32768), so the
  mix, the sum of the quantized stems, is written without a rounding of its own: stems
  plus background add up to the written mix exactly.
"""

from __future__ import annotations

import functools

import numpy as np

from mediasynth.audio.functional.effects import convolve_reverb, synthetic_impulse_response
from mediasynth.audio.functional.level import db_to_amplitude, integrated_loudness
from mediasynth.audio.functional.stretch import resample, stretch
from mediasynth.audio.functional.timing import loud_span
from mediasynth.synth.soundscape_assets import excerpt

FADE_S = 0.01
AUDIBLE_TOP_DB = 40.0
PEAK_LIMIT_DBFS = -1.0
QUANTUM = {"PCM_16": 1.0 / 32768.0, "FLOAT": None}


@functools.lru_cache(maxsize=128)
def event_signal(path: str, sample_rate: int, start_s: float, duration_s: float,
                 pitch_semitones: float, stretch_factor: float,
                 room: tuple | None) -> np.ndarray:
    """The event's signal before its gain (float32, read-only; see the module doc).
    `room`: None, ("synthetic", rt60_s, seed, wet) or ("file", ir path, wet). Cached per
    process: get_params measures it, render reuses it."""
    samples = excerpt(path, sample_rate, start_s, duration_s)
    fade = min(int(FADE_S * sample_rate), samples.size // 2)
    if fade > 0:
        ramp = np.linspace(0.0, 1.0, fade, endpoint=False, dtype=np.float32)
        samples[:fade] *= ramp
        samples[samples.size - fade:] *= ramp[::-1]
    samples = samples[None]
    if pitch_semitones != 0.0 or stretch_factor != 1.0:
        samples = stretch(samples, sample_rate=sample_rate, semitones=float(pitch_semitones),
                          rate=1.0 / float(stretch_factor))
    if room is not None:
        ir = impulse_response(room, sample_rate)
        padded = np.pad(samples, ((0, 0), (0, ir.shape[1])))
        samples = convolve_reverb(padded, ir, wet=float(room[-1]))
    out = np.ascontiguousarray(samples[0], dtype=np.float32)
    out.setflags(write=False)
    return out


def impulse_response(room: tuple, sample_rate: int) -> np.ndarray:
    """The room's impulse response (1, frames), unit energy."""
    if room[0] == "synthetic":
        return synthetic_impulse_response(sample_rate=sample_rate, rt60_s=float(room[1]),
                                          seed=int(room[2]))
    return _ir_file(room[1], sample_rate)


@functools.lru_cache(maxsize=16)
def _ir_file(path: str, sample_rate: int) -> np.ndarray:
    from mediasynth.io.audio_io import read_audio

    audio = read_audio(path)
    ir = resample(audio.samples[:1], from_hz=audio.sample_rate, to_hz=sample_rate)
    return (ir / max(float(np.sqrt(np.sum(ir.astype(np.float64) ** 2))), 1e-12)).astype(
        np.float32)


def placed(signal: np.ndarray, total_frames: int, onset_frame: int) -> np.ndarray:
    """`signal` starting at `onset_frame` of `total_frames` of silence (cut at the end)."""
    out = np.zeros(total_frames, np.float32)
    stop = min(total_frames, onset_frame + signal.size)
    if stop > onset_frame:
        out[onset_frame:stop] = signal[:stop - onset_frame]
    return out


def audible_span(samples: np.ndarray) -> tuple[int, int] | None:
    """[first, last + 1) frames above -40 dB of the peak; None for silence."""
    if not samples.size or not np.any(samples):
        return None
    return loud_span(samples[None], top_db=AUDIBLE_TOP_DB)


def loudness_lufs(samples: np.ndarray, sample_rate: int) -> float:
    """BS.1770 integrated loudness (LUFS) of mono `samples` (frames,)."""
    return integrated_loudness(samples[None], sample_rate=sample_rate)


def scale_to_loudness(samples: np.ndarray, sample_rate: int, target_lufs: float, *,
                      support: tuple[int, int] | None = None) -> np.ndarray:
    """`samples` times the gain that makes their integrated loudness `target_lufs`
    (silence is returned as it is). `support`: [start, stop) frames outside which the
    samples are zero; the loudness is then measured on that span widened by 0.5 s on each
    side and aligned to the 100 ms block grid (the blocks left out hold only zeros and
    fall under the absolute gate), the same value at a fraction of the cost."""
    window = samples
    if support is not None:
        step, margin = int(0.1 * sample_rate), int(0.5 * sample_rate)
        first = max(0, (support[0] - margin) // step * step)
        window = samples[first:min(samples.size, support[1] + margin)]
    gain_db = 0.0
    for _ in range(2):
        current = loudness_lufs(window * np.float32(db_to_amplitude(gain_db)), sample_rate)
        if not np.isfinite(current):
            break
        gain_db += target_lufs - current
    return samples * np.float32(db_to_amplitude(gain_db))


def leveled_stems(background: np.ndarray, events: list[tuple[np.ndarray, tuple[int, int],
                                                                float]],
                  sample_rate: int, ref_db: float) -> tuple[list[np.ndarray], float]:
    """The background at `ref_db` LUFS and each event (placed samples, support, snr_db) at
    `ref_db + snr_db` LUFS, under the clipping rule: when the peak of their sum or of any of
    them passes -1 dBFS, every level is lowered by the same amount (`clip_gain_db`, returned)
    and each stem is leveled again (BS.1770's absolute gate makes loudness not quite
    proportional to gain, so scaling the stems alone would shift their SNRs by up to ~0.6
    dB); up to four rounds, then a last common factor of a few hundredths of a dB at most.
    """
    limit = db_to_amplitude(PEAK_LIMIT_DBFS)
    clip_gain_db = 0.0
    for _ in range(4):
        level = ref_db + clip_gain_db
        stems = [scale_to_loudness(background, sample_rate, level)]
        stems += [scale_to_loudness(x, sample_rate, level + snr_db, support=support)
                  for x, support, snr_db in events]
        peak = _peak(stems)
        if peak <= limit:
            return stems, clip_gain_db
        clip_gain_db += float(20.0 * np.log10(limit / peak))
    factor = limit / peak
    return [(s.astype(np.float64) * factor).astype(np.float32) for s in stems], \
        clip_gain_db + float(20.0 * np.log10(factor))


def _peak(stems: list[np.ndarray]) -> float:
    """The largest magnitude of the stems' sum and of any stem."""
    mix = np.sum(np.stack(stems).astype(np.float64), axis=0)
    return max(float(np.abs(mix).max()), *(float(np.abs(s).max()) for s in stems))


def quantized(samples: np.ndarray, sample_format: str) -> np.ndarray:
    """`samples` rounded to the output format's grid (unchanged for FLOAT)."""
    step = QUANTUM[sample_format]
    if step is None:
        return samples.astype(np.float32)
    return (np.rint(samples.astype(np.float64) / step) * step).astype(np.float32)
