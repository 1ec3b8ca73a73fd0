"""The slow lists of tests/conftest.py name files and functions that exist (a renamed test
would otherwise fall silently into the fast tier), and the fast tier holds no listed test."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import SLOW_MODULES, SLOW_TESTS

ROOT = Path(__file__).resolve().parents[1]


def _functions(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
    for cls in (n for n in tree.body if isinstance(n, ast.ClassDef)):
        names |= {f"{cls.name}::{n.name}" for n in cls.body if isinstance(n, ast.FunctionDef)}
    return names


def test_every_slow_entry_names_an_existing_test():
    missing = [m for m in SLOW_MODULES if not (ROOT / m).is_file()]
    for entry in SLOW_TESTS:
        path, name = entry.split("::", 1)
        if not (ROOT / path).is_file() or name not in _functions(ROOT / path):
            missing.append(entry)
    assert missing == []
    assert not {t.split("::")[0] for t in SLOW_TESTS} & SLOW_MODULES  # listed once


def test_the_fast_tier_deselects_what_is_listed(pytestconfig):
    from tests.conftest import pytest_collection_modifyitems

    class Item:
        def __init__(self, nodeid):
            self.nodeid, self.marks = nodeid, []

        def add_marker(self, mark):
            self.marks.append(mark.name)

    module = Item(f"{sorted(SLOW_MODULES)[0]}::test_anything[a-b]")
    listed = Item(f"{sorted(SLOW_TESTS)[0]}[case-1]")
    other = Item("tests/core/test_rng.py::test_x")
    pytest_collection_modifyitems(pytestconfig, [module, listed, other])
    assert module.marks == ["slow"] and listed.marks == ["slow"] and other.marks == []
