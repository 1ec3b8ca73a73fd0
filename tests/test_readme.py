"""README.md's Python examples run: every fenced ```python block, in order, each in a fresh
namespace, in one scratch folder holding `samples/` (a later block may read what an earlier
one wrote, as a reader following the README would). A renamed function, option or bundled
pipeline breaks this test before it breaks a reader."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FENCE = re.compile(r"^```python[ \t]*\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)


def python_blocks(text: str) -> list[tuple[int, str]]:
    """(first line number, code) of every fenced python block of a Markdown text."""
    return [(text.count("\n", 0, m.start()) + 2, m.group(1)) for m in FENCE.finditer(text)]


def test_python_blocks_are_found():
    text = "intro\n```python\na = 1\n```\n```bash\nls\n```\n\n```python\nb = 2\n```\n"
    assert python_blocks(text) == [(3, "a = 1\n"), (10, "b = 2\n")]


def test_every_python_block_of_the_readme_runs(tmp_path, monkeypatch):
    blocks = python_blocks((ROOT / "README.md").read_text(encoding="utf-8"))
    assert len(blocks) >= 5, "the README's Python API section has lost its examples"
    if any("import torch" in code for _, code in blocks):
        pytest.importorskip("torch")
    (tmp_path / "samples").symlink_to(ROOT / "samples", target_is_directory=True)
    monkeypatch.chdir(tmp_path)
    for line, code in blocks:
        compiled = compile(code, f"README.md:{line}", "exec")  # tracebacks name the line
        try:
            exec(compiled, {"__name__": "__readme__"})
        except Exception as exc:
            raise AssertionError(f"README.md block at line {line} fails: {exc!r}") from exc
