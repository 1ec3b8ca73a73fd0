"""Progress bars show on a terminal and in a notebook, never into a pipe or when quiet."""

from __future__ import annotations

import sys
import types

from mediasynth.engine import progress


def test_a_notebook_shows_the_bar_though_its_stderr_is_no_terminal(monkeypatch):
    monkeypatch.setattr(sys.stderr, "isatty", lambda: False, raising=False)
    monkeypatch.delitem(sys.modules, "ipykernel", raising=False)
    with progress.progress_bar(10, unit="file", desc="expand", quiet=False) as bar:
        assert bar.disable  # a pipe or a log file: no bar
    monkeypatch.setitem(sys.modules, "ipykernel", types.ModuleType("ipykernel"))
    assert progress.in_notebook()
    with progress.progress_bar(10, unit="file", desc="expand", quiet=False) as bar:
        assert not bar.disable
    with progress.progress_bar(10, unit="file", desc="expand", quiet=True) as bar:
        assert bar.disable


def test_a_terminal_shows_the_bar(monkeypatch):
    monkeypatch.delitem(sys.modules, "ipykernel", raising=False)
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    with progress.progress_bar(3, unit="item", desc="synth", quiet=False) as bar:
        assert not bar.disable and bar.total == 3
