"""`import mediasynth as ms`: the documented names (mediasynth/__init__.py), the modality
namespaces of transform classes and the exception hierarchy."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

import mediasynth as ms
from mediasynth.core import registry

ROOT = Path(__file__).resolve().parent.parent
TRANSFORMS = [name for kind in ("image", "audio", "video") for name in registry.names(kind)]


def test_the_registry_has_every_modality_s_transforms():
    assert len(TRANSFORMS) > 60
    assert {n.split(".")[0] for n in TRANSFORMS} == {"image", "audio", "video"}


@pytest.mark.parametrize("name", TRANSFORMS)
def test_every_transform_class_is_importable_from_its_namespace(name):
    cls = registry.lookup(name)
    kind = name.split(".")[0]
    namespace = importlib.import_module(f"mediasynth.{kind}")
    assert getattr(namespace, cls.__name__) is cls
    assert getattr(ms, kind) is namespace and cls.__name__ in dir(namespace)
    imported = {}
    exec(f"from mediasynth.{kind} import {cls.__name__} as found", imported)
    assert imported["found"] is cls


def test_albumentations_names_and_class_names_collide_only_across_modalities():
    assert ms.image.HorizontalFlip is registry.lookup("image.flip_horizontal")
    assert ms.image.VerticalFlip is registry.lookup("image.flip_vertical")
    assert ms.audio.Speed is registry.lookup("audio.speed")
    assert ms.video.Speed is registry.lookup("video.speed") and ms.video.Speed is not ms.audio.Speed


def test_unknown_names_are_attribute_errors_and_submodules_still_import():
    with pytest.raises(AttributeError, match="did you mean 'Rotate'"):
        ms.image.Rotat  # noqa: B018
    with pytest.raises(ImportError):
        exec("from mediasynth.audio import Rotate", {})  # an image transform
    with pytest.raises(AttributeError):
        ms.no_such_name  # noqa: B018
    from mediasynth.image import handler

    assert handler.__name__ == "mediasynth.image.handler"


def test_every_documented_name_resolves():
    for name in ms.__all__:
        assert getattr(ms, name) is not None, name
    assert set(ms.__all__) <= set(dir(ms))
    assert ms.expand is ms.api.expand and ms.synthesize is ms.api.synth
    assert ms.MediaDataset is importlib.import_module("mediasynth.loaders").MediaDataset
    assert ms.Compose is registry.lookup("compose") and ms.OneOf is registry.lookup("one_of")


def test_transforms_compose_and_record_what_they_applied():
    import numpy as np

    chain = ms.Compose([ms.image.HorizontalFlip(p=1.0),
                        ms.OneOf([ms.image.Rotate(angle_deg_range=(5, 10)), ms.image.Invert()])])
    image = np.arange(48 * 64 * 3, dtype=np.uint8).reshape(48, 64, 3)
    out = chain(image=image, rng=7, return_record=True)
    record = out["record"]
    assert isinstance(record, ms.OpRecord) and record.applied_names()[0] == "image.flip_horizontal"
    again = chain.replay(ms.Image(image), record)
    assert np.array_equal(again.pixels, out["image"])
    assert np.array_equal(chain(image=image, rng=7)["image"], out["image"])


def test_exception_hierarchy():
    assert issubclass(ms.ConfigError, ms.MediasynthError)
    assert issubclass(ms.KindMismatchError, ms.ConfigError)
    for cls in (ms.SourceNotFound, ms.OutLocked):
        assert issubclass(cls, ms.FatalError) and issubclass(cls, ms.MediasynthError)
    for cls in (ms.FatalError, ms.MediaError, ms.FFmpegError):
        assert issubclass(cls, ms.MediasynthError) and not issubclass(cls, ms.ConfigError)
    from mediasynth.engine.sink import FatalError

    assert FatalError is ms.FatalError  # the engine raises the public classes


def test_importing_mediasynth_loads_no_heavy_library():
    """The CLI starts its worker processes before NumPy and OpenCV load (cli.py): the package,
    its API module and its errors must not import them."""
    code = ("import sys, mediasynth, mediasynth.api\n"
            "mediasynth.ConfigError, mediasynth.OutLocked, mediasynth.load_pipeline\n"
            "heavy = [m for m in ('numpy', 'cv2', 'librosa', 'av', 'yaml', 'mediasynth.engine')"
            " if m in sys.modules]\nprint(heavy)")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         check=True).stdout
    assert out.strip() == "[]"
