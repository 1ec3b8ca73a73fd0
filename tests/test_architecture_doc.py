"""docs/architecture.md stays true to the code: every file and folder it names exists, every
`path/module.name` it names is defined there, every worked example is an excerpt of the file
it names, and it refers to nothing outside the repository."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
PACKAGE = ROOT / "mediasynth"


def _code_spans() -> list[str]:
    prose = re.sub(r"```.*?```", "", DOC, flags=re.S)
    return re.findall(r"`([^`\n]+)`", prose)


def _file(path: str) -> Path | None:
    for base in (ROOT, PACKAGE):
        if (base / path).exists():
            return base / path
    return None


def test_every_named_file_and_folder_exists():
    named = {m for span in _code_spans()
             for m in re.findall(r"(?<![\w<*.])((?:[\w-]+/)+[\w.-]*\.(?:py|md|yaml)|"
                                 r"(?:[\w-]+/)+)(?![\w<*])", span)
             if not m.startswith(("OUT/", "SRC/", "report_assets/"))
             and m.count("/") + m.endswith((".py", ".md", ".yaml")) > 1}  # not a bare `x/`
    assert len(named) > 60
    missing = sorted(p for p in named if _file(p) is None)
    assert not missing, f"docs/architecture.md names files that do not exist: {missing}"


def test_every_named_definition_exists_in_its_module():
    found = 0
    for span in _code_spans():
        for module, name in re.findall(r"^((?:[a-z_]+/)+[a-z_]+)\.([A-Za-z_]\w*)$", span):
            if name in ("py", "md", "yaml"):
                continue
            path = _file(f"{module}.py")
            assert path is not None, f"{module}.py (from `{span}`) does not exist"
            text = path.read_text(encoding="utf-8")
            assert re.search(rf"^\s*(?:def|class) {name}\b|^\s*{name}\b\s*[:=]", text, re.M), \
                f"`{span}`: {module}.py defines no {name}"
            found += 1
    assert found >= 5


def test_every_worked_example_is_an_excerpt_of_its_file():
    examples = re.findall(r"<!-- example: (\S+) -->\n```python\n(.*?)```", DOC, flags=re.S)
    assert {path for path, _ in examples} >= {
        "tests/toy_modality/__init__.py", "tests/toy_layout/__init__.py",
        "tests/toy_output_format/__init__.py"}
    for path, code in examples:
        source = (ROOT / path).read_text(encoding="utf-8")
        assert code in source, f"the example from {path} is not in that file word for word"


def test_nothing_outside_the_repository_is_referred_to():
    for pattern in (r"\.\./", r"/work/", r"DESIGN\.md", r"shared/"):
        assert not re.search(pattern, DOC), pattern
