"""Generators that misbehave on purpose (not registered: tests register them with
monkeypatch), to test that a bad item costs that item only."""

from __future__ import annotations

import os
import signal
from dataclasses import dataclass

from mediasynth.synth.base import ItemContext, SynthItem
from mediasynth.synth.shapes import Shapes


@dataclass(frozen=True, kw_only=True)
class CrashingShapes(Shapes):
    """`synth.shapes` (same names, same bytes) whose render raises for the item indexes in
    `crash_at` and kills its own process (like a native segfault) for those in `kill_at`.

    Fields:
        crash_at: item indexes whose render raises RuntimeError.
        kill_at: item indexes whose render kills the worker process.
    """

    crash_at: tuple = ()
    kill_at: tuple = ()

    def get_params(self, rng, class_name=None, context: ItemContext | None = None) -> dict:
        params = super().get_params(rng, class_name, context)
        index = context.index if context is not None else -1
        if index in self.crash_at:
            params = {**params, "crash": "raise"}
        if index in self.kill_at:
            params = {**params, "crash": "kill"}
        return params

    def render(self, params: dict) -> SynthItem:
        if params.get("crash") == "raise":
            raise RuntimeError("drawing failed on purpose")
        if params.get("crash") == "kill":
            os.kill(os.getpid(), signal.SIGKILL)
        return super().render(params)
