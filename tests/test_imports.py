"""The package's import structure: no import cycles between modules and no import that points
up the layer order below. Every `import` counts, at module level or inside a function alike
(a lazy import still ties the two modules together); imports through `importlib` by name
(registry plugins, layouts) are the sanctioned way down-layer code reaches up-layer code."""

from __future__ import annotations

import ast
from pathlib import Path

import mediasynth

PACKAGE = Path(mediasynth.__file__).resolve().parent

# imports point down only: a module may import its own layer and the layers below it
# (the engine is below loaders and report, which read what it writes; the Python API lives
# in commands/ (commands/api.py), and `mediasynth.api` is its public import path, above)
LAYERS = {
    "core": 0, "io": 1, "image": 2, "audio": 2, "video": 2, "synth": 4,
    "engine": 5, "loaders": 6, "report": 6, "commands": 8, "cli": 8, "api": 9, "__main__": 9,
}


def _modules() -> dict[str, Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = ("mediasynth", *path.relative_to(PACKAGE).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


MODULES = _modules()


def layer(module: str) -> int:
    """The layer of a module: its first subpackage's; the bare `mediasynth` is at the bottom
    (it names its public surface and loads each name on demand, through importlib)."""
    parts = module.split(".")
    if len(parts) == 1:
        return 0
    assert parts[1] in LAYERS, f"{module}: {parts[1]!r} has no layer in LAYERS"
    return LAYERS[parts[1]]


def _resolve(name: str) -> str | None:
    """The innermost package module `name` (a module or module.attribute) lives in."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def imports_of(module: str) -> set[str]:
    """Every mediasynth module `module` imports, anywhere in its body."""
    path = MODULES[module]
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                base_name = ".".join(base + ([node.module] if node.module else []))
            else:
                base_name = node.module or ""
            names = [f"{base_name}.{alias.name}" for alias in node.names]
        else:
            continue
        for name in names:
            target = _resolve(name)
            if target and target != module and target.startswith("mediasynth"):
                found.add(target)
    return found


GRAPH = {module: imports_of(module) for module in MODULES}


def upward_imports(graph: dict[str, set[str]]) -> list[str]:
    return [f"{m} -> {t}" for m in sorted(graph) for t in sorted(graph[m]) if layer(t) > layer(m)]


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_every_subpackage_has_a_layer():
    for module in MODULES:
        layer(module)


def test_no_upward_imports():
    found = upward_imports(GRAPH)
    assert not found, "upward imports:\n" + "\n".join(found)


def test_no_import_cycles():
    found = [" <-> ".join(c) for c in cycles(GRAPH)]
    assert not found, "import cycles:\n" + "\n".join(found)


def test_the_checks_see_what_they_should():
    """The checker itself: a lazy upward import and a two-module cycle are both found."""
    graph = {"mediasynth.core.a": {"mediasynth.engine.b"},
             "mediasynth.engine.b": {"mediasynth.core.a"}}
    assert upward_imports(graph) == ["mediasynth.core.a -> mediasynth.engine.b"]
    assert cycles(graph) == [["mediasynth.core.a", "mediasynth.engine.b"]]
    assert "mediasynth.core.errors" in GRAPH["mediasynth.core.registry"]
