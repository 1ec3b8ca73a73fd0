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
