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
SPAN_BAR_PX = 5  # height of one lane of event spans, drawn over the spectrogram's top
SPAN_RGB = ((230, 25, 75), (255, 225, 25), (245, 130, 49), (240, 50, 230), (250, 190, 212),
            (255, 255, 255))  # visible on viridis; label i takes colour i of the sorted labels


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


def events_of(row: dict) -> list[dict]:
    """The labelled events of an output ({"label", "onset_s", "offset_s"}): its event-table
    annotation (expand) or its generator's labels (synth soundscapes)."""
    annotation = row.get("annotation") or {}
    events = annotation.get("events") if isinstance(annotation, dict) else None
    if events is None:
        events = ((row.get("info") or {}).get("labels") or {}).get("events")
    return [e for e in events or () if isinstance(e, dict) and "onset_s" in e
            and "offset_s" in e]


def draw_event_spans(tile: np.ndarray, events: list[dict], duration_s: float) -> np.ndarray:
    """`tile` (waveform over spectrogram) with each event's span drawn as a bar across the
    spectrogram's top, one lane per overlap level, coloured by label, and its onset and
    offset as thin lines down the spectrogram below the lanes."""
    out = tile.copy()
    if duration_s <= 0 or not events:
        return out
    width = out.shape[1]
    colours = {label: SPAN_RGB[i % len(SPAN_RGB)]
               for i, label in enumerate(sorted({str(e.get("label")) for e in events}))}
    lanes_end: list[float] = []
    placed = []
    for event in sorted(events, key=lambda e: (e["onset_s"], e["offset_s"])):
        lane = next((i for i, end in enumerate(lanes_end) if end <= event["onset_s"]),
                    len(lanes_end))
        if lane == len(lanes_end):
            lanes_end.append(0.0)
        lanes_end[lane] = event["offset_s"]
        x0 = int(np.clip(event["onset_s"] / duration_s * width, 0, width - 1))
        x1 = int(np.clip(np.ceil(event["offset_s"] / duration_s * width), x0 + 1, width))
        placed.append((lane, x0, x1, colours[str(event.get("label"))]))
    below = WAVE_HEIGHT_PX + len(lanes_end) * SPAN_BAR_PX  # lines start under every lane
    for lane, x0, x1, colour in placed:
        top = WAVE_HEIGHT_PX + lane * SPAN_BAR_PX
        out[top:top + SPAN_BAR_PX - 1, x0:x1] = colour
        out[below:, x0] = colour
        out[below:, x1 - 1] = colour
    return out


def report_tile(path, row: dict | None, preview) -> Tile:
    """The report's tile of a sound: the picture the worker drew from the samples it held
    when there is one, else one drawn here from the file; with a player. An output with
    labelled events (an event table, a soundscape) gets the events' spans over the
    spectrogram (drawn on the worker's picture when the row records the duration)."""
    events = events_of(row or {})
    duration_s = ((row or {}).get("info") or {}).get("duration_s")
    alt = "waveform and mel spectrogram"
    if preview is not None and preview.is_file() and (duration_s or not events):
        if not events:
            return Tile(preview.read_bytes(), alt, "audio", stem="sound")
        from mediasynth.io.image_io import read_image

        tile = read_image(preview).pixels[..., :3]
    else:
        from mediasynth.io.audio_io import read_audio

        audio = read_audio(path)
        tile = np.concatenate([waveform(audio.samples),
                               spectrogram(audio.samples, audio.sample_rate)], axis=0)
        duration_s = audio.samples.shape[1] / audio.sample_rate
    if events:
        tile = draw_event_spans(tile, events, duration_s)
        labels = ", ".join(sorted({str(e.get("label")) for e in events}))
        alt += f" with {len(events)} event spans ({labels})"
    return Tile(encode_image(Image(tile), "png"), alt, "audio", stem="sound")
