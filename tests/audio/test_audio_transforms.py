"""Audio transforms against analytic values and numpy FFT measurements."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.signal import welch

from mediasynth.audio.functional import level as L
from mediasynth.audio.functional.noise import colored_noise
from mediasynth.core.compose import Compose
from mediasynth.core.media import Audio
from mediasynth.core.registry import lookup
from tests.conftest import tone


def peak_hz(x: np.ndarray, sr: int) -> float:
    spec = np.abs(np.fft.rfft(x * np.hanning(len(x)), n=8 * len(x)))
    return float(np.fft.rfftfreq(8 * len(x), 1 / sr)[spec.argmax()])


@pytest.mark.parametrize("seed", range(5))
def test_snr_within_half_a_db(seed):
    src = tone(2, seconds=1.0)
    out, rec = lookup("audio.add_noise")(snr_db_range=(5, 25)).run(src, np.random.default_rng(seed))
    added = out.samples - src.samples
    measured = 20 * np.log10(L.rms(src.samples) / L.rms(added))
    assert abs(measured - rec.params["snr_db"]) < 0.5


@pytest.mark.parametrize("color,slope", [("white", 0.0), ("pink", -1.0), ("brown", -2.0)])
def test_noise_colours_have_their_spectral_slope(color, slope):
    n = colored_noise((1, 2**16), color=color, seed=1)[0]
    f, pxx = welch(n, fs=1.0, nperseg=4096)
    band = (f > 0.005) & (f < 0.2)
    fitted = np.polyfit(np.log10(f[band]), np.log10(pxx[band]), 1)[0]
    assert abs(fitted - slope) < 0.25


@pytest.mark.parametrize("semitones", [-2.0, 1.5])
def test_pitch_shift_moves_a_pure_tone(semitones):
    src = tone(1, sample_rate=16000, seconds=1.0, freq_hz=440.0)
    t = lookup("audio.pitch_shift")(semitones_range=(semitones, semitones))
    out = t(src, rng=0)
    assert out.frames == src.frames
    expected = 440.0 * 2 ** (semitones / 12)
    assert abs(peak_hz(out.samples[0], 16000) - expected) / expected < 0.01


@pytest.mark.parametrize("rate", [0.8, 1.25])
def test_time_stretch_changes_duration_not_pitch(rate):
    src = tone(2, sample_rate=22050, seconds=1.0)
    out = lookup("audio.time_stretch")(rate_range=(rate, rate))(src, rng=0)
    assert abs(out.frames - src.frames / rate) / (src.frames / rate) < 0.01
    assert abs(peak_hz(out.samples[0], 22050) - 440.0) / 440.0 < 0.01


def test_fused_pitch_and_stretch_do_both_in_one_pass():
    src = tone(1, sample_rate=16000, seconds=1.0)
    chain = Compose([lookup("audio.pitch_shift")(semitones_range=(2, 2)),
                     lookup("audio.time_stretch")(rate_range=(1.25, 1.25))])
    assert chain._groups() == [(0, 2)]
    out, rec = chain.run(src, np.random.default_rng(0))
    assert abs(out.frames - 12800) <= 16
    assert abs(peak_hz(out.samples[0], 16000) - 440 * 2 ** (2 / 12)) / 493.9 < 0.01
    assert np.array_equal(chain.replay(src, rec).samples, out.samples)


def test_speed_changes_pitch_and_duration_together():
    src = tone(1, sample_rate=16000, seconds=1.0)
    out = lookup("audio.speed")(factor_range=(1.2, 1.2))(src, rng=0)
    assert abs(out.frames - 16000 / 1.2) <= 2
    assert abs(peak_hz(out.samples[0], 16000) - 528.0) / 528.0 < 0.01


def test_gain_is_exact_in_db():
    src = tone(2)
    out, rec = lookup("audio.gain")(gain_db_range=(-12, 6)).run(src, np.random.default_rng(3))
    ratio_db = 20 * np.log10(L.rms(out.samples) / L.rms(src.samples))
    assert abs(ratio_db - rec.params["gain_db"]) < 1e-3


@pytest.mark.parametrize("name,kind", [("audio.low_pass", "low"), ("audio.high_pass", "high")])
def test_filters_attenuate_beyond_cutoff(name, kind):
    sr = 16000
    t = np.arange(sr) / sr
    low, high = 200.0, 4000.0
    x = (0.3 * np.sin(2 * np.pi * low * t) + 0.3 * np.sin(2 * np.pi * high * t)).astype(np.float32)
    out = lookup(name)(cutoff_hz_range=(1000, 1000))(Audio(x[None], sr), rng=0).samples[0]

    def level(sig, f):
        return abs(np.dot(sig[1000:-1000], np.exp(-2j * np.pi * f * t[1000:-1000])))

    passed, stopped = (low, high) if kind == "low" else (high, low)
    assert level(out, passed) / level(x, passed) > 0.9  # within 1 dB in the pass band
    assert level(out, stopped) / level(x, stopped) < 0.01  # at least 40 dB down two octaves away


def test_band_pass_and_frequency_mask_are_complementary():
    sr = 16000
    src = tone(1, sample_rate=sr, freq_hz=1000.0)
    bp = lookup("audio.band_pass")(center_hz_range=(1000, 1000), bandwidth_fraction_range=(0.5, 0.5))
    fm = lookup("audio.frequency_mask")(center_hz_range=(1000, 1000),
                                        bandwidth_fraction_range=(0.5, 0.5))
    assert L.rms(bp(src, rng=0).samples[:, 2000:-2000]) > 0.9 * L.rms(src.samples)
    assert L.rms(fm(src, rng=0).samples[:, 2000:-2000]) < 0.05 * L.rms(src.samples)


@pytest.mark.parametrize("mode,target", [("peak", -3.0), ("rms", -20.0), ("loudness", -23.0)])
def test_normalize_hits_its_target(mode, target):
    src = tone(2, sample_rate=48000, seconds=2.0)
    out = lookup("audio.normalize")(mode=mode, target_db_range=(target, target))(src, rng=0)
    if mode == "peak":
        got = L.amplitude_to_db(np.abs(out.samples).max())
    elif mode == "rms":
        got = L.amplitude_to_db(L.rms(out.samples))
    else:
        got = L.integrated_loudness(out.samples, sample_rate=48000)
    assert abs(got - target) < 0.05


def test_loudness_of_a_full_scale_997hz_sine_matches_bs1770():
    # BS.1770: a 0 dBFS 997 Hz sine in one channel reads -3.01 LUFS
    sr = 48000
    t = np.arange(sr * 2) / sr
    x = np.sin(2 * np.pi * 997 * t)[None].astype(np.float32)
    assert abs(L.integrated_loudness(x, sample_rate=sr) - (-3.01)) < 0.1


def test_silence_stays_silent_and_finite():
    src = Audio(np.zeros((2, 8000), np.float32), 16000)
    for name in ("audio.add_noise", "audio.normalize", "audio.reverb", "audio.clipping"):
        out = lookup(name)()(src, rng=0)
        assert np.all(np.isfinite(out.samples)) and np.all(out.samples == 0), name


def test_shift_crop_pad_reverse_time_mask():
    src = Audio(np.arange(1000, dtype=np.float32)[None] / 1000, 1000)
    out = lookup("audio.shift")(shift_fraction_range=(0.1, 0.1), rollover=False)(src, rng=0)
    assert np.all(out.samples[0, :100] == 0) and out.samples[0, 100] == src.samples[0, 0]
    rolled = lookup("audio.shift")(shift_fraction_range=(-0.1, -0.1))(src, rng=0)
    assert np.array_equal(rolled.samples, np.roll(src.samples, -100, axis=1))
    assert lookup("audio.crop")(duration_s=0.25)(src, rng=0).frames == 250
    padded = lookup("audio.pad")(duration_s=1.5, position="center")(src, rng=0)
    assert padded.frames == 1500 and padded.samples[0, 250] == 0 and padded.samples[0, 251] > 0
    assert np.array_equal(lookup("audio.reverse")()(src, rng=0).samples, src.samples[:, ::-1])
    masked, rec = lookup("audio.time_mask")(duration_fraction_range=(0.2, 0.2)).run(
        src, np.random.default_rng(0))
    start = int(rec.params["start_fraction"] * 1000)
    assert np.all(masked.samples[0, start + 10 : start + 190] == 0)


def test_reverb_keeps_length_and_adds_a_tail():
    src = Audio(np.zeros((1, 16000), np.float32), 16000)
    src.samples[0, 100] = 1.0
    out = lookup("audio.reverb")(rt60_s_range=(0.5, 0.5), wet_range=(1.0, 1.0))(src, rng=0)
    assert out.frames == 16000
    tail = np.abs(out.samples[0, 200:8000])
    assert tail.max() > 0.01 and np.abs(out.samples[0, :100]).max() < 1e-6  # causal


def test_mp3_compression_keeps_length_and_loses_detail():
    src = tone(2, sample_rate=44100, seconds=0.5)
    out = lookup("audio.mp3_compression")(compression_level_range=(0.9, 0.9))(src, rng=0)
    assert out.samples.shape == src.samples.shape
    assert L.rms(out.samples - src.samples) > 0


def test_audiomentations_style_call_keeps_the_shape():
    x = tone(1).samples[0]
    y = lookup("audio.gain")(gain_db_range=(6, 6))(x, sample_rate=16000)
    assert y.shape == x.shape and np.allclose(y, x * 10 ** (6 / 20), atol=1e-6)
