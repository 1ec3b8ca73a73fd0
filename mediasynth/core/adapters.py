"""Plain-array calling conventions, so a transform drops into existing training code.

- albumentations style: `t(image=arr, mask=m, bboxes=b, keypoints=k)` -> dict with the same keys.
  `bboxes` rows are pascal_voc pixel xyxy; extra columns (labels) travel with their box and
  boxes that leave the frame are dropped together with their extra columns.
- audiomentations style: `t(samples, sample_rate=sr)` -> array shaped like `samples`
  ((frames,) mono or (channels, frames)); a (frames, channels) array such as (16000, 2) is
  refused with a ValueError (see core/audio_layout.py), never read as 16000 channels.
- media style: `t(media)` -> media.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from mediasynth.core.audio_layout import channels_first
from mediasynth.core.media import Audio, Image, Video


def call_transform(transform, args: tuple, kwargs: dict, rng: np.random.Generator):
    return_record = kwargs.pop("return_record", False)
    if args and isinstance(args[0], (Image, Audio, Video)):
        if kwargs:
            raise TypeError(f"unexpected keyword arguments with a media object: {sorted(kwargs)}")
        out, record = transform.run(args[0], rng)
        return (out, record) if return_record else out
    if "image" in kwargs:
        if args:
            raise TypeError("pass the image as image=..., not positionally")
        result, record = _call_image(transform, kwargs, rng)
    elif args and isinstance(args[0], np.ndarray) or "samples" in kwargs:
        samples = args[0] if args else kwargs.pop("samples")
        result, record = _call_audio(transform, samples, kwargs, rng)
    else:
        raise TypeError(
            "call with a media object, image=array (albumentations style) or "
            "(samples, sample_rate=sr) (audiomentations style)"
        )
    if return_record:
        if isinstance(result, dict):
            result["record"] = record
            return result
        return result, record
    return result


def _call_image(transform, kwargs: dict, rng) -> tuple[dict[str, Any], Any]:
    unknown = set(kwargs) - {"image", "mask", "bboxes", "keypoints"}
    if unknown:
        raise TypeError(f"unknown targets {sorted(unknown)}; use image, mask, bboxes, keypoints")
    pixels = np.asarray(kwargs["image"])
    squeeze = pixels.ndim == 2
    if squeeze:
        pixels = pixels[:, :, None]
    boxes = extra = None
    if kwargs.get("bboxes") is not None:
        raw = np.asarray(kwargs["bboxes"], dtype=object if _has_objects(kwargs["bboxes"]) else None)
        raw = raw.reshape(-1, raw.shape[-1] if raw.ndim == 2 else 4)
        boxes = raw[:, :4].astype(np.float64)
        extra = raw[:, 4:]
    keypoints = None
    if kwargs.get("keypoints") is not None:
        raw = np.asarray(kwargs["keypoints"])
        keypoints = raw.reshape(len(raw), -1) if raw.ndim == 2 else raw.reshape(-1, 2)
        if keypoints.dtype.kind not in "fiu":
            keypoints = keypoints.astype(np.float64)
    mask = None if kwargs.get("mask") is None else np.asarray(kwargs["mask"])
    meta = {"box_ids": np.arange(len(boxes))} if boxes is not None else {}
    image = Image(pixels, mask=mask, boxes=boxes, keypoints=keypoints, meta=meta)
    out, record = transform.run(image, rng)
    result: dict[str, Any] = {"image": out.pixels[:, :, 0] if squeeze else out.pixels}
    if mask is not None:
        result["mask"] = out.mask
    if boxes is not None:
        ids = out.meta.get("box_ids", np.arange(len(out.boxes)))
        kept_extra = extra[ids]
        if kept_extra.shape[1]:
            result["bboxes"] = np.concatenate([out.boxes.astype(object), kept_extra], axis=1)
        else:
            result["bboxes"] = out.boxes
    if keypoints is not None:
        result["keypoints"] = out.keypoints
    return result, record


def _has_objects(bboxes) -> bool:
    try:
        np.asarray(bboxes, dtype=np.float64)
        return False
    except (TypeError, ValueError):
        return True


def _call_audio(transform, samples, kwargs: dict, rng):
    if "sample_rate" not in kwargs:
        raise TypeError("audio call needs sample_rate=...")
    sample_rate = int(kwargs.pop("sample_rate"))
    if kwargs:
        raise TypeError(f"unexpected keyword arguments: {sorted(kwargs)}")
    arr = np.asarray(samples)
    mono = arr.ndim == 1
    audio = Audio(channels_first(arr), sample_rate)  # ValueError for (frames, channels)
    out, record = transform.run(audio, rng)
    result = out.samples[0] if mono and out.channels == 1 else out.samples
    return result, record
