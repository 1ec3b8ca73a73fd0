"""Task functions for the worker-pool tests (module level, so workers can unpickle them)."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import numpy as np


def draw(item: int, context: dict) -> list[int]:
    """A seeded draw: what a render does with its item's seed."""
    rng = np.random.default_rng([context["seed"], item])
    time.sleep(context.get("sleep_s", 0.0) * (item % 3))  # uneven, so completion order varies
    return rng.integers(0, 1 << 30, 4).tolist()


def pid_and_context(item: int, context) -> tuple[int, int, object]:
    return item, os.getpid(), context


def misbehave(item: str, context: dict):
    """"raise", "kill", "exit", "hang" do that; anything else is returned as it is."""
    if item == "raise":
        raise ValueError(f"bad item {item}")
    if item == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
    if item == "exit":
        os._exit(7)
    if item == "hang":
        Path(context["pid_file"]).write_text(str(os.getpid()))
        time.sleep(3600)
    return item.upper()
