"""The handler contract (core/handler.py) is checked when a modality registers."""

from __future__ import annotations

import pytest

from mediasynth.core import modality
from mediasynth.core.contracts import missing_members
from mediasynth.core.handler import Handler, HandlerDefaults
from mediasynth.core.modality import Modality, register_modality


def test_every_registered_handler_implements_the_whole_contract():
    for m in modality.modalities():
        handler = modality.handler_for(m.kind)
        assert missing_members(handler, Handler) == [], m.kind
        assert isinstance(handler, Handler)


def test_the_optional_capabilities_default_to_doing_nothing():
    class Bare(HandlerDefaults):
        pass

    bare = Bare()
    assert not bare.makes_previews and not bare.needs_ffmpeg("wav")
    assert bare.reclassify(None, None, ("unreadable", "x")) is None
    assert bare.signature("x", None) is None and bare.near_pairs({"a": b"1"}) == []
    assert bare.embed(object()) is None and bare.remember(object()) is None
    with pytest.raises(NotImplementedError, match="Bare cannot mix"):
        bare.mix(None, [], 0.5)


class NoRender(HandlerDefaults):
    kind = "norender"

    def output_extension(self, source_format, output):
        return ".x"

    def check(self, path, budgets):
        return None

    load = verify = replay = describe = sample = check


def test_a_handler_class_missing_a_method_is_refused_at_registration():
    with pytest.raises(TypeError, match=r"handler of modality 'norender'.*missing render\(\) "
                                        r"\(inherit mediasynth.core.handler.HandlerDefaults"):
        register_modality(Modality("norender", NoRender, {"norender": "norender"}))
    assert "norender" not in modality.kinds()


def test_a_handler_without_the_optional_members_is_told_to_inherit_the_defaults():
    class Old:  # a duck-typed handler from before the contract: no optional members
        kind = "old"

    with pytest.raises(TypeError, match=r"embed\(\).*near_pairs\(\).*(\n|.)*HandlerDefaults"):
        register_modality(Modality("old", Old, {"old": "old"}))


def test_a_handler_named_lazily_is_checked_when_first_made():
    lazy = Modality("lazy", f"{__name__}:NoRender", {"lazy": "lazy"})
    with pytest.raises(TypeError, match=r"modality 'lazy'.*missing render\(\)"):
        lazy.make_handler()
