"""Checking a plugin against its declared contract when it registers.

The extension points (modality handlers, layouts, annotation exporters, output formats,
generators, balancing strategies, report tiles) are `typing.Protocol`s. `check_implements`
is what their registration functions call: a plugin that lacks a member fails at once, with a
message naming the plugin and every missing member, instead of an AttributeError deep in a
run (or, worse, a `getattr` probe that silently takes a default). `PluginRegistry` is the
registry of one such contract (output formats, balancing strategies)."""

from __future__ import annotations

import importlib
import threading
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


class PluginRegistry:
    """Named plugins of one contract, the built-in ones imported by name on first use (from
    a module above core, which registers them when imported).

    `what` names the kind of plugin in messages ("output format"); `unknown` builds the
    exception raised for a name nobody registered (KeyError by default)."""

    def __init__(self, what: str, protocol: type, builtin_module: str,
                 unknown: type[Exception] = KeyError):
        self.what, self.protocol, self.builtin_module = what, protocol, builtin_module
        self.unknown = unknown
        self._plugins: dict[str, Any] = {}
        self._lock = threading.RLock()
        self._loaded = False

    def register(self, plugin: Any) -> Any:
        """Register `plugin` under `plugin.name` (again for one of the same class is a
        no-op). TypeError naming what it lacks of the contract; ValueError when a plugin of
        another class holds the name."""
        check_implements(plugin, self.protocol, f"{self.what} {getattr(plugin, 'name', plugin)!r}")
        existing = self._plugins.get(plugin.name)
        if existing is not None and type(existing) is not type(plugin):
            raise ValueError(f"{self.what} {plugin.name!r} is already registered "
                             f"(by {type(existing).__qualname__})")
        self._plugins[plugin.name] = plugin
        return plugin

    def unregister(self, name: str) -> None:
        self._plugins.pop(name, None)

    def _load_builtin(self) -> None:
        if not self._loaded:
            with self._lock:
                if not self._loaded:
                    importlib.import_module(self.builtin_module)  # by name: a layer above
                    self._loaded = True

    def names(self) -> tuple[str, ...]:
        """Every registered name, the built-in ones first."""
        self._load_builtin()
        return tuple(self._plugins)

    def get(self, name: str) -> Any:
        """The plugin registered as `name`; `unknown` naming the registered ones."""
        self._load_builtin()
        try:
            return self._plugins[name]
        except KeyError:
            raise self.unknown(f"no {self.what} {name!r} (registered: "
                               f"{', '.join(self._plugins)})") from None

    def values(self) -> list[Any]:
        self._load_builtin()
        return list(self._plugins.values())
