"""The report's picture of a sound: its waveform over its mel spectrogram, one PNG, made by the
worker that holds the samples (engine/previews.py) or by the report from a file (`report_tile`,
the audio modality's tile renderer: core/report_tile.py)."""

from __future__ import annotations

import numpy as np

from mediasynth.core.media import Image
from mediasynth.core.report_tile import Tile
from mediasynth.io.image_io import encode_image

WIDTH_PX, WAVE_HEIGHT_PX, MEL_HEIGHT_PX = 320, 64, 96
WAVE_RGB = (76, 120, 168)
FLOOR_DB = 80.0  # the spectrogram shows the top 80 dB


def waveform(samples: np.ndarray, width: int = WIDTH_PX, height: int = WAVE_HEIGHT_PX
             ) -> np.ndarray:
    """RGB image of the channels' mean: each column spans the min..max of its samples."""
    img = np.full((height, width, 3), 255, np.uint8)
    x = samples.mean(axis=0)
    if x.size == 0:
        return img
    starts = np.linspace(0, x.size, width + 1).astype(int)[:-1]
    # reduceat spans each start to the next; a repeated start (more columns than samples)
    # gives the sample itself
    lo, hi = np.minimum.reduceat(x, starts), np.maximum.reduceat(x, starts)
    mid = height // 2
    top = np.clip((mid - hi * (mid - 2)).astype(int), 0, height)
    bottom = np.clip((mid - lo * (mid - 2)).astype(int) + 1, 0, height)
    rows = np.arange(height)[:, None]
    img[(rows >= top) & (rows < bottom)] = WAVE_RGB
    return img


def spectrogram(samples: np.ndarray, sample_rate: int, width: int = WIDTH_PX,
                height: int = MEL_HEIGHT_PX) -> np.ndarray:
    """RGB image of the channels' mean mel spectrogram (64 bands, top FLOOR_DB dB, low
    frequencies at the bottom, a viridis ramp)."""
    import cv2

    from mediasynth.audio.spectrogram import mel_spectrogram

    mel = mel_spectrogram(samples.mean(axis=0, keepdims=True), sample_rate=sample_rate,
                          n_mels=64)[0]
    norm = np.clip((mel + FLOOR_DB) / FLOOR_DB, 0, 1)[::-1]
    idx = np.ascontiguousarray(np.clip(norm * 255, 0, 255).astype(np.uint8))
    rgb = cv2.cvtColor(cv2.applyColorMap(idx, cv2.COLORMAP_VIRIDIS), cv2.COLOR_BGR2RGB)
    return cv2.resize(rgb, (width, height), interpolation=cv2.INTER_NEAREST)


def sound_tile_png(samples: np.ndarray, sample_rate: int) -> bytes:
    """`waveform` over `spectrogram` as PNG bytes."""
    tile = np.concatenate([waveform(samples), spectrogram(samples, sample_rate)], axis=0)
    return encode_image(Image(tile), "png")


def report_tile(path, row: dict | None, preview) -> Tile:
    """The report's tile of a sound: the picture the worker drew from the samples it held
    when there is one, else one drawn here from the file; with a player."""
    if preview is not None and preview.is_file():
        return Tile(preview.read_bytes(), "waveform and mel spectrogram", "audio",
                    stem="sound")
    from mediasynth.io.audio_io import read_audio

    audio = read_audio(path)
    return Tile(sound_tile_png(audio.samples, audio.sample_rate),
                "waveform and mel spectrogram", "audio", stem="sound")
