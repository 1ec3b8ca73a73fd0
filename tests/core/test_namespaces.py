"""Modality packages as namespaces of their transform classes (core/namespaces.py)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from mediasynth.core import registry


def test_a_class_name_gives_the_registrys_own_class_and_dir_lists_them():
    import mediasynth.audio as audio
    import mediasynth.image as image

    assert image.Rotate is registry.lookup("image.rotate")
    assert image.HorizontalFlip is registry.lookup("image.flip_horizontal")  # an alias
    assert "Rotate" in dir(image) and "Gain" in dir(audio) and "Rotate" not in dir(audio)
    with pytest.raises(AttributeError, match="has no attribute 'Rotat'.*'Rotate'"):
        image.Rotat  # noqa: B018


def test_importing_a_modality_package_loads_neither_the_registry_nor_numpy():
    code = ("import sys, mediasynth.image, mediasynth.audio, mediasynth.video\n"
            "print(sorted(m for m in ('numpy', 'mediasynth.core.registry') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"
