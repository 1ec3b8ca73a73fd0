"""Transforms that misbehave on purpose, to test that a bad file costs one source only."""

from __future__ import annotations

import os
import signal
import time
from dataclasses import dataclass

from mediasynth.core.registry import register
from mediasynth.image.transforms.base import PixelTransform


@register("image.test_crash_on_dark")
@dataclass(frozen=True, kw_only=True)
class CrashOnDark(PixelTransform):
    """Kills its own process (like a native segfault) on images whose mean is below 40,
    and hangs on images whose mean is above 215.

    Fields:
        p: probability of applying.
    """

    def apply_pixels(self, pixels, params):
        mean = float(pixels.mean())
        if mean < 40:
            os.kill(os.getpid(), signal.SIGKILL)
        if mean > 215:
            time.sleep(3600)
        return pixels.copy()
