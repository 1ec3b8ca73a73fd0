"""Progress bars of runs: on a terminal, and in a Jupyter notebook (whose stderr is no
terminal, so checking `isatty` alone would hide the bar from every notebook user)."""

from __future__ import annotations

import sys


def in_notebook() -> bool:
    """Whether this process is a Jupyter kernel (checked without importing IPython, which
    would cost the CLI's start-up)."""
    return "ipykernel" in sys.modules


def progress_bar(total: int, *, unit: str, desc: str, quiet: bool):
    """A tqdm bar of `total` steps: a widget in a notebook (text when ipywidgets is
    missing), text on a terminal, none when `quiet` or when stderr is a pipe or file."""
    if not quiet and in_notebook():
        from tqdm.auto import tqdm
    else:
        from tqdm import tqdm
    visible = sys.stderr.isatty() or in_notebook()
    return tqdm(total=total, unit=unit, desc=desc, disable=quiet or not visible, leave=False)
