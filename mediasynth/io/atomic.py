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
        commit(tmp_path, dest, fsync=True)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp_path.unlink()
        raise


@contextlib.contextmanager
def temp_path(dest: str | Path) -> Iterator[Path]:
    """A temp path beside `dest` for a writer that decides itself whether to keep what it
    wrote (`commit`): named `.mediasynth-tmp-<pid>-<dest's name>` (dest's suffix kept for
    encoders; one writer per dest and process), removed on exit unless committed. The
    folder must exist. Cheaper than `atomic_path` (no file is made before the writer
    writes, and the fsync is the caller's choice)."""
    dest = Path(dest)
    tmp = dest.parent / f"{TEMP_PREFIX}{os.getpid()}-{dest.name}"
    try:
        yield tmp
    finally:
        if os.path.lexists(tmp):
            with contextlib.suppress(OSError):
                tmp.unlink()


def commit(tmp: str | Path, dest: str | Path, *, fsync: bool = False) -> None:
    """Move a finished temp file into place (atomic on one file system), fsynced first
    when asked (power-loss durability)."""
    if fsync:
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
    os.replace(tmp, dest)


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
