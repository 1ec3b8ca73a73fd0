"""Regenerate the bundled samples with mediasynth's own generators (fixed seeds).

    python samples/make_samples.py

Writes samples/<class>/... : circle (PNG) and square (JPEG) images with a 2:1 imbalance,
sine and chirp tones (WAV), and bouncing/circular moving-shape clips (MP4 with sound), at
least 10 sources a class so that `mediasynth expand samples out` runs without a warning
(every class reaches train, val and test); and samples_coco/: scenes of several shapes in
the COCO release layout (images/ + annotations/instances_default.json with boxes, polygons
and RLE), beside samples/ rather than in it (a dataset of its own is not a class).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np

from mediasynth.core.registry import lookup
from mediasynth.io.audio_io import write_audio
from mediasynth.io.image_io import write_image

HERE = Path(__file__).resolve().parent
COCO_SAMPLE = HERE.parent / "samples_coco"
PER_CLASS = 10  # a tenth of 10 is one source: every class gets one in val and one in test
CLASSES = ("circle", "square", "sine", "chirp", "bouncing", "circular")


def main() -> None:
    for cls in CLASSES:
        shutil.rmtree(HERE / cls, ignore_errors=True)
    shapes = lookup("synth.shapes")(width=128, height=96, shapes=("circle", "square"))
    for cls, count, ext, seed in (("circle", 2 * PER_CLASS, "png", 100),
                                  ("square", PER_CLASS, "jpg", 150)):
        for i in range(count):  # seeds of their own: no circle shares a square's backdrop
            item, _ = shapes.generate(np.random.default_rng(seed + i), cls)
            write_image(item.media.replace(mask=None, boxes=None), HERE / cls / f"{cls}_{i}.{ext}",
                        jpeg_quality=90)
    tones = lookup("synth.tones")(sample_rate=16000, duration_s_range=(1.0, 1.5))
    for cls, count in (("sine", PER_CLASS), ("chirp", PER_CLASS)):
        for i in range(count):
            item, _ = tones.generate(np.random.default_rng(200 + i), cls)
            write_audio(item.media, HERE / cls / f"{cls}_{i}.wav")
    video = lookup("synth.video")(width=160, height=120, duration_s=1.5, objects_range=(1, 2))
    for cls in ("bouncing", "circular"):
        for i in range(PER_CLASS):
            item, _ = video.generate(np.random.default_rng(300 + i), cls)
            (HERE / cls).mkdir(parents=True, exist_ok=True)
            video.write(item, HERE / cls / f"{cls}_{i}.mp4")
    write_coco_sample(COCO_SAMPLE)


def write_coco_sample(root: Path, count: int = 8) -> None:
    """Multi-object shape scenes as a COCO dataset (what detection users bring)."""
    import json

    from mediasynth.synth.export import coco_document

    shutil.rmtree(root, ignore_errors=True)
    classes = ["circle", "square", "triangle", "ring"]
    scenes = lookup("synth.shapes")(width=128, height=96, shapes=tuple(classes),
                                    objects_range=(2, 4))
    entries = []
    for i in range(count):
        item, _ = scenes.generate(np.random.default_rng(400 + i), classes[i % len(classes)])
        name = f"scene_{i:02d}.jpg"
        write_image(item.media.replace(mask=None, boxes=None), root / "images" / name,
                    jpeg_quality=90)
        entries.append({"file_name": name, "width": 128, "height": 96,
                        "objects": item.annotations["objects"]})
    doc = coco_document(entries, classes)
    (root / "annotations").mkdir(parents=True, exist_ok=True)
    (root / "annotations" / "instances_default.json").write_text(json.dumps(doc) + "\n")


if __name__ == "__main__":
    main()
