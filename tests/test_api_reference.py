"""The API reference (docs/build_api.py, pdoc) builds for the public surface, documents every
public name, and fails on a broken reference or an undocumented name."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

pytest.importorskip("pdoc")

ROOT = Path(__file__).resolve().parent.parent


def _builder():
    spec = importlib.util.spec_from_file_location("build_api", ROOT / "docs" / "build_api.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_reference_builds_and_documents_every_public_name(tmp_path):
    import mediasynth as ms
    from mediasynth.core.registry import namespace_names

    builder = _builder()
    assert builder.build(tmp_path) == []
    top = (tmp_path / "mediasynth.html").read_text()
    documented = set(re.findall(r'id="([A-Za-z_]\w*)"', top))
    public = {n for n in ms.__all__ if n not in ms._NAMESPACES}
    assert public <= documented, public - documented
    assert {"expand", "evaluate", "audit", "MediaDataset", "MediasynthError"} <= documented
    for kind in ("image", "audio", "video"):
        page = (tmp_path / "mediasynth" / f"{kind}.html").read_text()
        names = set(namespace_names(kind))
        assert names <= set(re.findall(r'id="([A-Za-z_]\w*)"', page)), kind
        assert len(names) >= 5
    assert 'id="evaluate"' in (tmp_path / "mediasynth" / "api.html").read_text()
    # the internals are not documented
    assert not (tmp_path / "mediasynth" / "engine.html").exists()
    assert not list((tmp_path / "mediasynth").rglob("transforms*"))


def test_a_broken_reference_and_a_missing_docstring_fail_the_build(tmp_path, monkeypatch):
    import mediasynth.api as api

    builder = _builder()
    surface = builder.load_surface()
    assert builder.check_surface(surface) == []
    assert builder.resolve("image.Rotate") and builder.resolve("synth")
    assert not builder.resolve("image.NoSuchTransform")

    def undocumented():
        pass

    def broken():
        """See `ms.expandd` for the options."""

    monkeypatch.setattr(api, "broken", broken, raising=False)
    problems = builder.check_surface({**surface, "mediasynth.api.undocumented": undocumented,
                                      "mediasynth.api.broken": broken})
    assert problems == ["mediasynth.api.broken: broken reference `mediasynth.expandd`",
                        "mediasynth.api.undocumented: no docstring",
                        "mediasynth.api.broken: public but not in mediasynth.api.__all__ (the "
                        "reference would leave it out)",
                        "mediasynth.api.undocumented: public but not in mediasynth.api.__all__ "
                        "(the reference would leave it out)"]
