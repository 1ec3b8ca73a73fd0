"""The layout contract (io/layouts/contract.py), checked when a layout is first loaded."""

from __future__ import annotations

import sys
import types

import pytest

from mediasynth.core.contracts import missing_members
from mediasynth.io import layouts
from mediasynth.io.layouts.contract import AnnotationExporter, LayoutBase, LayoutReader


def test_every_built_in_layout_is_a_reader_and_an_exporter():
    for name in list(layouts.LAYOUTS):
        layout = layouts.get(name)
        assert missing_members(layout, LayoutReader) == [], name
        assert missing_members(layout, AnnotationExporter) == [], name
        assert layout.name == name


def test_only_the_masks_layout_writes_side_files():
    assert layouts.get("masks").side_files("images/train/a b.jpg") == ("masks/train/a b.png",)
    for name in layouts.LAYOUTS:
        if name != "masks":
            assert layouts.get(name).side_files("images/train/a.jpg") == ()


@pytest.fixture
def plugin_module():
    module = types.ModuleType("toy_layout_plugin")
    sys.modules[module.__name__] = module
    yield module
    layouts.unregister_layout("toy")
    del sys.modules[module.__name__]


def test_a_registered_layout_missing_a_member_is_refused_naming_it(plugin_module):
    class Partial(LayoutBase):
        name = "toy"

        def detect(self, src):
            return []

    plugin_module.LAYOUT = Partial()
    layouts.register_layout("toy", plugin_module.__name__, exporter=True)
    assert "toy" in layouts.EXPORT_FORMATS
    with pytest.raises(TypeError, match=r"layout 'toy' \(toy_layout_plugin\) does not "
                                        r"implement LayoutReader: missing media_folder\(\), "
                                        r"read\(\)"):
        layouts.get("toy")


def test_a_name_cannot_be_taken_twice(plugin_module):
    with pytest.raises(ValueError, match="'coco' is already registered"):
        layouts.register_layout("coco", plugin_module.__name__)
