"""PyTorch helpers (imported only when torch is installed).

- `to_tensor(sample)`: image -> (C, H, W) float32 in [0, 1]; audio -> (C, N) float32;
  video -> (T, C, H, W) float32 in [0, 1]; label -> int64 tensor.
- `collate(batch)`: stacks tensors; audio is padded (with zeros) or cropped to the longest
  item, up to `max_frames`, with a `lengths` tensor; per-object targets of annotated images
  are padded to the largest object count, with `num_objects`.
- `ClipSampler(num_frames, stride)`: configures `MediaDataset` video clips.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch


def _channels_first(array: np.ndarray) -> np.ndarray:
    """A (..., C, H, W) view of a (..., H, W, C) array (no copy)."""
    n = array.ndim
    return array.transpose(*range(n - 3), n - 1, n - 3, n - 2)


def _image_into(pixels: np.ndarray, out: np.ndarray) -> None:
    """Write `pixels` (..., H, W, C) into `out` (..., C, H, W) float32 scaled to [0, 1], in
    one pass (no float copy, no permuted copy)."""
    scale = {np.dtype(np.uint8): 255.0, np.dtype(np.uint16): 65535.0}.get(pixels.dtype)
    if scale is None:
        np.copyto(out, _channels_first(pixels), casting="unsafe")
    else:
        np.divide(_channels_first(pixels), np.float32(scale), out=out, dtype=np.float32,
                  casting="unsafe")


def _image_tensor(pixels: np.ndarray) -> torch.Tensor:
    shape = (*pixels.shape[:-3], pixels.shape[-1], *pixels.shape[-3:-1])
    out = torch.empty(shape, dtype=torch.float32)
    _image_into(pixels, out.numpy())
    return out


def _batch_tensor(shape: tuple[int, ...]) -> torch.Tensor:
    """An empty float32 tensor, in shared memory inside a DataLoader worker (as
    default_collate makes its batches: sending it to the main process then copies
    nothing)."""
    if torch.utils.data.get_worker_info() is None:
        return torch.empty(shape, dtype=torch.float32)
    numel = int(np.prod(shape))
    storage = torch.UntypedStorage._new_shared(numel * 4)
    return torch.empty(0, dtype=torch.float32).set_(storage, 0, shape)


def to_tensor(sample: dict[str, Any]) -> dict[str, Any]:
    out = dict(sample)
    if "image" in sample:
        out["image"] = _image_tensor(sample["image"])
    if "audio" in sample:
        out["audio"] = torch.from_numpy(np.ascontiguousarray(sample["audio"], np.float32))
    if "video" in sample:
        out["video"] = _image_tensor(sample["video"])
    out["label"] = torch.tensor(sample["label"], dtype=torch.int64)
    for key in TARGETS:
        if key in sample and isinstance(sample[key], np.ndarray):
            out[key] = torch.from_numpy(np.ascontiguousarray(sample[key]))
    return out


TARGETS = ("boxes", "labels", "keypoints", "masks", "mask")


def _pad_targets(batch: list[dict[str, Any]], out: dict[str, Any]) -> None:
    """Per-object targets padded to the batch's largest object count: "boxes" (B, N, 4)
    zeros, "labels" (B, N) -1, "keypoints" (B, N, K, 3) zeros, "masks" (B, N, H, W) zeros;
    "num_objects" (B,) tells how many are real. Semantic "mask"s are stacked."""
    counts = [len(s["boxes"]) for s in batch]
    most = max(counts)
    out["num_objects"] = torch.tensor(counts, dtype=torch.int64)
    out["boxes"] = torch.zeros(len(batch), most, 4)
    out["labels"] = torch.full((len(batch), most), -1, dtype=torch.int64)
    for i, (s, n) in enumerate(zip(batch, counts)):
        out["boxes"][i, :n] = s["boxes"]
        out["labels"][i, :n] = s["labels"]
    for key in ("keypoints", "masks"):
        present = [s for s in batch if key in s]
        if not present:
            continue
        tail = [max(s[key].shape[d] for s in present) for d in range(1, present[0][key].ndim)]
        stacked = torch.zeros(len(batch), most, *tail, dtype=present[0][key].dtype)
        for i, s in enumerate(batch):
            if key in s:
                t = s[key]
                stacked[(i, slice(0, t.shape[0]), *(slice(0, d) for d in t.shape[1:]))] = t
        out[key] = stacked
    if all("mask" in s for s in batch):
        out["mask"] = torch.stack([s["mask"] for s in batch])


def collate(batch: list[dict[str, Any]], *, max_frames: int | None = None) -> dict[str, Any]:
    """Batch samples (numpy or tensors). Audio of different lengths is padded/cropped to a
    common length; `lengths` holds each item's original (cropped) length."""
    stacked = {}
    for key in ("image", "video"):  # numpy pixels go straight into the batch, one pass
        arrays = [s.get(key) for s in batch]
        if all(isinstance(a, np.ndarray) for a in arrays) and \
                len({(a.shape, a.dtype) for a in arrays}) == 1:
            first = arrays[0]
            out_t = _batch_tensor((len(batch), *first.shape[:-3], first.shape[-1],
                                   *first.shape[-3:-1]))
            view = out_t.numpy()
            for i, a in enumerate(arrays):
                _image_into(a, view[i])
            stacked[key] = out_t
    batch = [to_tensor({k: v for k, v in s.items() if k not in stacked})
             if not isinstance(s.get("label"), torch.Tensor) else s for s in batch]
    out: dict[str, Any] = {"label": torch.stack([s["label"] for s in batch]),
                           "class": [s["class"] for s in batch],
                           "path": [s["path"] for s in batch],
                           "index": torch.tensor([s["index"] for s in batch])}
    for key in ("image", "video"):
        if key in stacked:
            out[key] = stacked[key]
        elif key in batch[0]:
            out[key] = torch.stack([s[key] for s in batch])
    if "audio" in batch[0]:
        lengths = [min(s["audio"].shape[-1], max_frames or s["audio"].shape[-1]) for s in batch]
        target = max(lengths)
        channels = max(s["audio"].shape[0] for s in batch)
        audio = torch.zeros(len(batch), channels, target)
        for i, (s, n) in enumerate(zip(batch, lengths)):
            audio[i, : s["audio"].shape[0], :n] = s["audio"][:, :n]
        out["audio"] = audio
        out["lengths"] = torch.tensor(lengths, dtype=torch.int64)
        out["sample_rate"] = torch.tensor([s["sample_rate"] for s in batch])
    if "boxes" in batch[0]:
        _pad_targets(batch, out)
    if "record" in batch[0]:
        out["record"] = [s["record"] for s in batch]
    return out


@dataclass(frozen=True)
class ClipSampler:
    """N frames `stride` apart from a random start; apply with `sampler.configure(dataset)`."""

    num_frames: int = 8
    stride: int = 2

    def configure(self, dataset) -> None:
        dataset.clip_frames = self.num_frames
        dataset.clip_stride = self.stride


@dataclass(frozen=True)
class MixCollate:
    """A collate that mixes inside each batch, as torchvision v2's MixUp/CutMix do, seeded
    per batch: the generator comes from (seed, epoch, the batch's sample indices), so the
    same batch mixes the same way in any worker and on a rerun.

    mode: "mixup" (lambda * x + (1 - lambda) * x[perm], lambda ~ Beta(alpha, alpha)) or
    "cutmix" (a box of x[perm] pasted, lambda = the share left). Images only. The batch gets
    "soft_label" (B, num_classes): lambda * one_hot(label) + (1 - lambda) * one_hot(label[perm])
    (or the samples' own soft labels), and "mix": {"lambda", "perm"}.
    """

    num_classes: int
    mode: str = "mixup"
    alpha: float = 1.0
    seed: int = 0
    epoch: int = 0

    def __call__(self, batch: list[dict[str, Any]]) -> dict[str, Any]:
        if self.mode not in ("mixup", "cutmix"):
            raise ValueError("MixCollate mode must be mixup or cutmix")
        out = collate(batch)
        rng = np.random.default_rng(np.random.SeedSequence(
            self.seed, spawn_key=(self.epoch, *(int(s["index"]) for s in batch))))
        lam = float(rng.beta(self.alpha, self.alpha))
        perm = torch.from_numpy(rng.permutation(len(batch)))
        images = out["image"]
        if self.mode == "mixup":
            out["image"] = lam * images + (1 - lam) * images[perm]
        else:
            lam = self._cut(images, perm, lam, rng)
        target = self._targets(batch, out)
        out["soft_label"] = lam * target + (1 - lam) * target[perm]
        out["mix"] = {"lambda": lam, "perm": perm}
        return out

    def _cut(self, images: torch.Tensor, perm: torch.Tensor, lam: float, rng) -> float:
        h, w = images.shape[-2:]
        cut_h, cut_w = int(round(h * np.sqrt(1 - lam))), int(round(w * np.sqrt(1 - lam)))
        cy, cx = int(rng.integers(0, h)), int(rng.integers(0, w))
        y0, y1 = max(cy - cut_h // 2, 0), min(cy + cut_h - cut_h // 2, h)
        x0, x1 = max(cx - cut_w // 2, 0), min(cx + cut_w - cut_w // 2, w)
        images[..., y0:y1, x0:x1] = images[perm][..., y0:y1, x0:x1]
        return 1.0 - (y1 - y0) * (x1 - x0) / (h * w)

    def _targets(self, batch, out) -> torch.Tensor:
        if "soft_label" in batch[0]:
            return torch.stack([torch.as_tensor(s["soft_label"]) for s in batch]).float()
        return torch.nn.functional.one_hot(out["label"], self.num_classes).float()
