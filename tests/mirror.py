"""Which modules of mediasynth/ have a test file of their own.

`python -m tests.mirror` prints one line per module with logic (a module that defines a
function or a class with methods; bare `__init__.py` re-exports and `__main__.py` are
left out): its expected test file, tests/<package path>/test_<module>.py, and whether that
file exists. `--missing` prints only the modules without one; the last line gives the
counts. A module counts as mirrored by the exact path, or ("flat") by the older convention
for kernels and transforms (audio/functional/gain.py -> tests/audio/test_gain.py); a test
file of another name that happens to reach a module does not count, so the listing tells a
maintainer where to look.
"""

from __future__ import annotations

import argparse
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "mediasynth"


def has_logic(path: Path) -> bool:
    """Whether the module defines a function or a method (dataclass-only or re-export
    modules have nothing of their own to test)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return any(isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
               for node in ast.walk(tree))


def expected_test(module: Path) -> Path:
    """tests/<package path>/test_<module>.py for mediasynth/<package path>/<module>.py
    (a package's `__init__.py` maps to test_<package>.py beside the package's tests)."""
    rel = module.relative_to(PACKAGE)
    if rel.name == "__init__.py":
        return ROOT / "tests" / rel.parent / f"test_{rel.parent.name or 'mediasynth'}.py"
    return ROOT / "tests" / rel.parent / f"test_{rel.stem}.py"


def flattened_test(module: Path) -> Path | None:
    """The test file of a module of a package's `functional/` or `transforms/` folder by
    the older, flattened convention (audio/functional/gain.py and audio/transforms/gain.py
    -> tests/audio/test_gain.py: the kernel and its transform tested together)."""
    rel = module.relative_to(PACKAGE)
    if rel.parent.name not in ("functional", "transforms") or rel.name == "__init__.py":
        return None
    return ROOT / "tests" / rel.parent.parent / f"test_{rel.stem}.py"


def modules() -> list[Path]:
    return [p for p in sorted(PACKAGE.rglob("*.py"))
            if p.name != "__main__.py" and "__pycache__" not in p.parts and has_logic(p)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--missing", action="store_true", help="only modules without a test")
    args = parser.parse_args(argv)
    found = flat = 0
    listed = modules()
    for module in listed:
        test = expected_test(module)
        ok = test.is_file()
        other = flattened_test(module)
        shared = not ok and other is not None and other.is_file()
        found += ok
        flat += shared
        if (ok or shared) and args.missing:
            continue
        mark, shown = ("ok  ", test) if ok else ("flat", other) if shared else ("MISS", test)
        print(f"{mark} {module.relative_to(ROOT)} -> {shown.relative_to(ROOT)}")
    print(f"{found} of {len(listed)} modules with logic have their own test file, {flat} more "
          f"share a flattened one (functional/ and transforms/), {len(listed) - found - flat} "
          "have none")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
