"""audio/signature.py: a recording and its copies (another rate, gain, a lossy codec, a
shift by whole hops or a few ms) are near-duplicates; other recordings and other durations
are not. (Known limit: a copy cut by about half a hop, 12-20 ms, scores 0.3-0.4, above
MAX_BIT_ERROR_RATE: alignment is searched in whole 32 ms frames only.)"""

from __future__ import annotations

import io

import numpy as np
import soundfile
import soxr

from mediasynth.audio.signature import MAX_BIT_ERROR_RATE, audio_signature, distance, near_pairs


def _recording(seed: int, seconds: float = 6.0, rate: int = 22050) -> np.ndarray:
    """Notes of random pitch and length over a little noise: music-like, not stationary."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * rate)) / rate
    out = 0.01 * rng.normal(size=t.size)
    start = 0.0
    while start < seconds:
        length = rng.uniform(0.1, 0.5)
        f = rng.uniform(300, 1800)
        on = (t >= start) & (t < start + length)
        out[on] += 0.3 * np.sin(2 * np.pi * f * t[on]) * np.hanning(on.sum())
        start += length
    return out.astype(np.float32)[None, :]


def _sig(samples: np.ndarray, rate: int) -> bytes:
    return audio_signature(samples, rate, samples.shape[1] / rate)


def _ogg(samples: np.ndarray, rate: int) -> np.ndarray:
    buf = io.BytesIO()
    soundfile.write(buf, samples[0], rate, format="OGG", subtype="VORBIS")
    buf.seek(0)
    return soundfile.read(buf, dtype="float32")[0][None, :]


def test_copies_are_near_and_other_recordings_are_far():
    a = _recording(1)
    ref = _sig(a, 22050)
    stereo_16k = np.repeat(soxr.resample(a[0], 22050, 16000)[None, :], 2, axis=0) * 0.5
    copies = {
        "resampled, stereo, quieter": _sig(stereo_16k, 16000),
        "vorbis": _sig(_ogg(a, 22050), 22050),
        "4 ms cut off": _sig(a[:, 88:], 22050),
        "one hop (32 ms) cut off": _sig(a[:, 706:], 22050),
    }
    for name, sig in copies.items():
        assert distance(ref, sig) < 0.2, name
    for seed in (2, 3, 4):
        assert 0.35 < distance(ref, _sig(_recording(seed), 22050)) <= 0.65
    assert distance(ref, ref) == 0.0


def test_durations_that_disagree_or_too_short_recordings_never_match():
    a = _recording(5)
    ref = _sig(a, 22050)
    assert distance(ref, audio_signature(a, 22050, 6.0 * 1.08)) == 1.0  # 8 % longer whole
    short = a[:, :2000]  # under MIN_FRAMES frames
    assert distance(_sig(short, 22050), _sig(short, 22050)) == 1.0
    assert _sig(np.zeros((1, 0), np.float32), 8000)[4:8] == b"\x00\x00\x00\x00"


def test_near_pairs_finds_the_copies_among_many_recordings():
    sigs = {f"r{i:02d}.wav": _sig(_recording(100 + i, 3.0 + 0.3 * (i % 4)), 22050)
            for i in range(24)}
    sigs["copy of r05.ogg"] = _sig(_ogg(_recording(105, 3.3), 22050), 22050)
    sigs["copy of r10.wav"] = _sig(_recording(110, 3.6) * 0.3, 22050)
    pairs = near_pairs(sigs)
    assert [(a, b) for a, b, _ in pairs] == [("copy of r05.ogg", "r05.wav"),
                                             ("copy of r10.wav", "r10.wav")]
    assert all(d <= MAX_BIT_ERROR_RATE for _, _, d in pairs)
