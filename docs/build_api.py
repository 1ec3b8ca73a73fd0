"""Build the API reference of mediasynth's public surface from its docstrings (pdoc), and
fail on a broken reference.

    python docs/build_api.py [--out docs/api]      # then open docs/api/index.html

The public surface is what `import mediasynth as ms` offers (`mediasynth.__all__`): the
functions and classes of the top-level package, `mediasynth.api`, and the transform classes
of the modality namespaces `ms.image`, `ms.audio`, `ms.video`. Everything else is internal
and is not documented here (it is described in docs/architecture.md).

The package loads its names on first use (PEP 562), which pdoc cannot see, so the build
first loads every public name into its module and gives each namespace the `__all__` of
its transform classes (in this process only). It then renders the pages and checks:

- pdoc raised no warning (a name in `__all__` that does not resolve, a module that fails
  to import, a docstring pdoc cannot parse);
- every public name has a docstring of its own (never one inherited from `object`), and
  every public function or class of `mediasynth.api` is in its `__all__`;
- every backticked reference to the surface in those docstrings (`ms.X`, `mediasynth.X`,
  `ms.image.X`...) resolves to an object.

Exit status 1 with one line per problem when a check fails. Needs pdoc (the `test` extra).
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import os
import re
import sys
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NAMESPACES = {"image": "mediasynth.image", "audio": "mediasynth.audio",
              "video": "mediasynth.video"}
PUBLIC_MODULES = ("mediasynth", "mediasynth.api", *NAMESPACES.values())
REFERENCE = re.compile(r"`(?:ms|mediasynth)\.([A-Za-z_][\w.]*)")


def load_surface() -> dict[str, object]:
    """Every public object by its dotted name under `mediasynth`, loaded into its module so
    that pdoc finds it; each namespace module gets `__all__` (its transform classes)."""
    os.environ.setdefault("NO_ALBUMENTATIONS_UPDATE", "1")
    import mediasynth
    from mediasynth.core.registry import namespace_names

    surface: dict[str, object] = {}
    for name in mediasynth.__all__:
        value = getattr(mediasynth, name)
        if not inspect.ismodule(value) and name != "__version__":
            surface[f"mediasynth.{name}"] = value
    api = importlib.import_module("mediasynth.api")
    for name, value in vars(api).items():
        if not name.startswith("_") and getattr(value, "__module__", None) == api.__name__ \
                and (inspect.isfunction(value) or inspect.isclass(value)):
            surface[f"mediasynth.api.{name}"] = value
    for kind, module_name in NAMESPACES.items():
        module = importlib.import_module(module_name)
        names = namespace_names(kind)
        for name in names:
            value = getattr(module, name)
            setattr(module, name, value)
            surface[f"{module_name}.{name}"] = value
        module.__all__ = names
    return surface


def _own_docstring(value: object) -> str:
    doc = value.__dict__.get("__doc__") if inspect.isclass(value) else getattr(
        value, "__doc__", None)
    return (doc or "").strip()


def resolve(reference: str) -> bool:
    """Whether `mediasynth.<reference>` names an object: attributes followed one by one, a
    package's submodules imported (`ms.synth` is the generators' package)."""
    import mediasynth

    value: object = mediasynth
    for part in reference.rstrip(".").split("."):
        if not part:
            return False
        try:
            value = getattr(value, part)
        except AttributeError:
            if not inspect.ismodule(value):
                return False
            try:
                value = importlib.import_module(f"{value.__name__}.{part}")
            except ImportError:
                return False
    return True


def check_surface(surface: dict[str, object]) -> list[str]:
    """Problems of the surface's docstrings: missing ones, and references that do not
    resolve."""
    import mediasynth

    problems = []
    for name, value in sorted(surface.items()):
        doc = _own_docstring(value)
        if not doc:
            problems.append(f"{name}: no docstring")
        for reference in REFERENCE.findall(doc):
            if not resolve(reference):
                problems.append(f"{name}: broken reference `mediasynth.{reference}`")
    for name in sorted(surface):
        module_name, _, short = name.rpartition(".")
        listed = getattr(sys.modules.get(module_name), "__all__", None)
        if listed is not None and short not in listed:
            problems.append(f"{name}: public but not in {module_name}.__all__ (the reference "
                            "would leave it out)")
    for module_name in PUBLIC_MODULES:
        module = importlib.import_module(module_name)
        if not (module.__doc__ or "").strip():
            problems.append(f"{module_name}: no module docstring")
        for reference in REFERENCE.findall(module.__doc__ or ""):
            if not resolve(reference):
                problems.append(f"{module_name}: broken reference `mediasynth.{reference}`")
    del mediasynth
    return problems


def build(out: Path) -> list[str]:
    """Render the reference into `out` (index.html and one page per public module) and
    return the problems found (empty: the reference is whole)."""
    import pdoc
    import pdoc.render

    surface = load_surface()
    problems = check_surface(surface)
    pdoc.render.configure(docformat="markdown", show_source=False,
                          footer_text="mediasynth public API")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        # the public modules only: pdoc would otherwise walk every internal submodule
        public = "|".join(re.escape(m[len("mediasynth."):]) for m in PUBLIC_MODULES[1:])
        pdoc.pdoc("mediasynth", rf"!mediasynth\.(?!({public})$)", output_directory=out)
    problems += [f"pdoc: {w.message}" for w in caught
                 if issubclass(w.category, UserWarning) or "pdoc" in (w.filename or "")]
    for module_name in PUBLIC_MODULES:
        page = out / (module_name.replace(".", "/") + ".html")
        if not page.is_file():
            problems.append(f"{module_name}: no page written ({page})")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "api")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    problems = build(args.out)
    for line in problems:
        print(line, file=sys.stderr)
    if not problems:
        print(f"API reference: {args.out / 'index.html'}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
