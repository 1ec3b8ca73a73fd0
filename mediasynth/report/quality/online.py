"""The `cnn` probe's "online" arm: the train split's originals augmented on the fly by the
loaders (`MediaDataset` with the OUT's own pipeline), as a training loop would see them,
instead of the variants `expand` wrote.

For one evaluation seed, `render` asks a `MediaDataset` over the real train items (seed =
the evaluation seed) for ONLINE_EPOCHS epochs (`set_epoch(e)`) and turns every sample into
the network input `features.sample_input` makes: an array (epochs, items, ...) (a video
item is one frame at a random position, the loader's clip sampling). The probe
then trains its fixed number of steps; its p-th pass over the training items uses epoch
p mod ONLINE_EPOCHS (features.py, probes.py). The renders are a pure function of (seed,
epoch, item): the same seed gives the same arm, whatever ran before. OpenCV runs on one
thread while rendering (torch and BLAS are pinned to one by the probe and `evaluate`).

Only whole files have an online arm: object crops and event windows would need the loader
to cut the region after moving it, which it does not do for a list of files (a note says
so, and the other arms are unaffected).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from mediasynth.core.errors import MediasynthError
from mediasynth.report.quality import features as F
from mediasynth.report.quality.datasets import Item

ONLINE = "online"
ONLINE_EPOCHS = 8


def online_pipeline(out: Path):
    """The pipeline OUT was expanded with (OUT/pipeline.yaml), or None when it has none."""
    from mediasynth.core.config import load_pipeline

    path = Path(out) / "pipeline.yaml"
    return load_pipeline(path) if path.is_file() else None


def why_not(items: list[Item], pipeline) -> str | None:
    """Why these real train items get no online arm, or None when they do."""
    if pipeline is None:
        return "no online arm: the OUT has no pipeline.yaml to augment with"
    if not items:
        return "no online arm: no real train items"
    if not all(i.whole_file for i in items):
        return ("no online arm: object crops and event windows are not augmented on the fly "
                "in this version (the loader moves whole files)")
    return None


def render(items: list[Item], pipeline, kind: str, seed: int,
           epochs: int = ONLINE_EPOCHS, progress=None) -> np.ndarray:
    """(epochs, len(items), ...) float32 network inputs of `items` as `MediaDataset` with
    `pipeline` and `seed` serves them in epochs 0..epochs-1. MediasynthError naming the file
    when an item cannot be loaded or augmented."""
    import cv2

    from mediasynth.loaders.dataset import MediaDataset

    dataset = MediaDataset([(str(i.path), i.cls) for i in items], pipeline, seed=seed,
                           kinds=(kind,), mode="RGB", clip_frames=1, clip_stride=1)
    if len(dataset) != len(items):
        raise MediasynthError(f"online arm: the loader kept {len(dataset)} of {len(items)} "
                              "real train items")
    threads = cv2.getNumThreads()
    cv2.setNumThreads(1)
    try:
        views = []
        for epoch in range(epochs):
            dataset.set_epoch(epoch)
            inputs = []
            for index in range(len(items)):
                try:
                    inputs.append(F.sample_input(kind, dataset[index]))
                except (MediasynthError, OSError, ValueError) as exc:
                    raise MediasynthError(f"online arm: {items[index].name or items[index].path}"
                                          f" cannot be loaded and augmented: {exc}") from exc
                if progress is not None:
                    progress.update(1)
            views.append(np.stack(inputs))
    finally:
        cv2.setNumThreads(threads)
    return np.stack(views)
