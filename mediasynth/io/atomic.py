"""Atomic file writes: temp file in the destination folder, fsync, os.replace.

A killed process leaves at most a hidden `.mediasynth-tmp-*` file, never a partial output.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

TEMP_PREFIX = ".mediasynth-tmp-"


def _file_mode() -> int:
    """The mode a plain open() would give a new file (0o666 less the umask). The umask is
    read from /proc where it can be (setting it to read it is not thread-safe)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            umask = next(int(line.split()[1], 8) for line in fh if line.startswith("Umask:"))
    except (OSError, StopIteration, ValueError):
        umask = os.umask(0)
        os.umask(umask)
    return 0o666 & ~umask


@contextlib.contextmanager
def atomic_path(dest: str | Path, *, suffix: str | None = None) -> Iterator[Path]:
    """Yield a temp path next to `dest`; on success it is fsynced and renamed over `dest`,
    on error removed. `suffix` defaults to dest's suffix so encoders pick the right format."""
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(
        prefix=TEMP_PREFIX, suffix=suffix if suffix is not None else dest.suffix, dir=dest.parent
    )
    try:
        os.fchmod(fd, _file_mode())  # mkstemp makes 0600; outputs follow the umask
    finally:
        os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        with open(tmp_path, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp_path, dest)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp_path.unlink()
        raise


def write_bytes_atomic(dest: str | Path, data: bytes) -> None:
    """Write `data` to `dest` atomically."""
    with atomic_path(dest) as tmp, open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()


def remove_stale_temps(folder: str | Path) -> int:
    """Delete temp files a killed run left under `folder`; returns how many."""
    count = 0
    for path in Path(folder).rglob(TEMP_PREFIX + "*"):
        with contextlib.suppress(OSError):
            path.unlink()
            count += 1
    return count
