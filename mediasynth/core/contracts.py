"""Checking a plugin against its declared contract when it registers.

The extension points (modality handlers, layouts, annotation exporters, output formats,
generators, balancing strategies, report tiles) are `typing.Protocol`s. `check_implements`
is what their registration functions call: a plugin that lacks a member fails at once, with a
message naming the plugin and every missing member, instead of an AttributeError deep in a
run (or, worse, a `getattr` probe that silently takes a default)."""

from __future__ import annotations

from typing import Any

_PROTOCOL_INTERNALS = frozenset({
    "__annotations__", "__dict__", "__doc__", "__init__", "__module__", "__weakref__",
    "__parameters__", "__orig_bases__", "__protocol_attrs__", "__subclasshook__",
    "__abstractmethods__", "__non_callable_proto_members__", "__slots__", "__qualname__",
    "__class_getitem__", "__init_subclass__", "__callable_proto_members_only__",
    "_is_protocol", "_is_runtime_protocol", "__type_params__", "_abc_impl",
})


def protocol_members(protocol: type) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(methods, attributes) a Protocol declares, its own and its Protocol bases'."""
    methods: list[str] = []
    attributes: list[str] = []
    for base in reversed(protocol.__mro__):
        if base is object or not getattr(base, "_is_protocol", False) or \
                base.__name__ in ("Protocol", "Generic"):
            continue
        for name in getattr(base, "__annotations__", {}):
            if name not in attributes and name not in _PROTOCOL_INTERNALS:
                attributes.append(name)
        for name, value in vars(base).items():
            if name in _PROTOCOL_INTERNALS or name in attributes or name in methods:
                continue
            if isinstance(value, property):  # read as a value, so an attribute serves
                attributes.append(name)
            elif callable(value) or isinstance(value, (staticmethod, classmethod)):
                methods.append(name)
    return tuple(methods), tuple(attributes)


def missing_members(obj: Any, protocol: type) -> list[str]:
    """The members of `protocol` that `obj` (an instance or a class) lacks, or has but
    cannot call where the protocol declares a method; sorted."""
    methods, attributes = protocol_members(protocol)
    missing = [name for name in attributes if not hasattr(obj, name)]
    missing += [f"{name}()" for name in methods
                if not callable(getattr(obj, name, None))]
    return sorted(missing)


def check_implements(obj: Any, protocol: type, what: str) -> None:
    """Raise TypeError when `obj` lacks a member of `protocol`, naming `what` and each one."""
    missing = missing_members(obj, protocol)
    if missing:
        raise TypeError(f"{what} does not implement {protocol.__name__}: missing "
                        f"{', '.join(missing)}")
