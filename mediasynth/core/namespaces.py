"""The public namespaces of the modality packages (`from mediasynth.image import Rotate`):
each package's module `__getattr__` and `__dir__` (PEP 562), answering a class name with the
transform class the registry holds. Importing this module is cheap: the registry (and NumPy
with it) loads only when a name is first asked for, so `mediasynth --help` stays light."""

from __future__ import annotations

import sys


def transform_namespace(module: str, kind: str):
    """(`__getattr__`, `__dir__`) of the modality package `module` of media `kind`."""

    def __getattr__(name: str) -> type:
        from mediasynth.core.registry import namespace_attribute

        return namespace_attribute(module, kind, name)

    def __dir__() -> list[str]:
        from mediasynth.core.registry import namespace_names

        return sorted({*vars(sys.modules[module]), *namespace_names(kind)})

    return __getattr__, __dir__
