"""Contracts checked at registration (core/contracts.py): every missing member is named."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import pytest

from mediasynth.core.contracts import check_implements, missing_members, protocol_members


@runtime_checkable
class Base(Protocol):
    kind: str

    def load(self, path): ...


@runtime_checkable
class Reader(Base, Protocol):
    name: str

    def read(self, root): ...

    @property
    def size(self) -> int: ...


def test_members_of_a_protocol_and_its_protocol_bases():
    methods, attributes = protocol_members(Reader)
    assert set(methods) == {"load", "read"}
    assert set(attributes) == {"kind", "name", "size"}


def test_every_missing_member_is_named_and_an_attribute_is_no_method():
    class Partial:
        name = "p"
        read = "not callable"

    assert missing_members(Partial, Reader) == ["kind", "load()", "read()", "size"]
    with pytest.raises(TypeError, match=r"reader 'p' does not implement Reader: missing "
                                        r"kind, load\(\), read\(\), size"):
        check_implements(Partial(), Reader, "reader 'p'")


def test_a_complete_plugin_passes_as_class_and_as_instance():
    class Full:
        kind, name, size = "k", "n", 3

        def load(self, path):
            return path

        def read(self, root):
            return root

    check_implements(Full, Reader, "full")
    check_implements(Full(), Reader, "full")


def test_a_plugin_registry_loads_its_built_ins_once_by_name_and_refuses_a_taken_name():
    import sys
    import types

    from mediasynth.core.contracts import PluginRegistry

    class Named(Protocol):
        name: str

        def run(self): ...

    class A:
        name = "a"

        def run(self):
            return 1

    class B(A):
        pass

    registry = PluginRegistry("widget", Named, "toy_widgets_builtin", unknown=LookupError)
    module = types.ModuleType("toy_widgets_builtin")
    sys.modules[module.__name__] = module  # importing it "registers" nothing: a module here
    try:
        assert registry.names() == ()
        registry.register(A())
        registry.register(A())  # the same class again: no-op
        with pytest.raises(ValueError, match="widget 'a' is already registered"):
            registry.register(B())
        with pytest.raises(LookupError, match="no widget 'z' \\(registered: a\\)"):
            registry.get("z")
        with pytest.raises(TypeError, match=r"widget 'p' does not implement Named: missing run\(\)"):
            registry.register(type("P", (), {"name": "p"})())
        registry.unregister("a")
        assert registry.names() == ()
    finally:
        del sys.modules[module.__name__]
