"""Find media under a source folder: sorted, content-sniffed, hostile-tree safe.

- Hidden files and folders (leading '.') and system clutter (Thumbs.db, desktop.ini,
  __MACOSX) are ignored.
- Directory symlinks are never followed (no loops); file symlinks are used only when they
  resolve inside SRC.
- FIFOs, sockets and devices are reported as unusable (never opened, so no hang).
- A file counts as media by its content; a file with a media extension but other content is
  reported with a reason, and non-media files (README, CSV...) are ignored.
- `exclude` folders (the output folder when it lies inside SRC) are skipped.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from mediasynth.io.sniff import extension_kind, sniff_bytes

SYSTEM_NAMES = {"thumbs.db", "desktop.ini", "__macosx", "$recycle.bin", "system volume information"}


@dataclass(frozen=True)
class Found:
    """One discovered file. `problem` is a (code, message) pair when it cannot be used."""

    rel_path: str  # POSIX, relative to SRC
    path: Path
    kind: str | None
    format: str
    size_bytes: int
    problem: tuple[str, str] | None = None

    @property
    def class_name(self) -> str | None:
        parts = self.rel_path.split("/")
        return parts[0] if len(parts) > 1 else None


def discover(src: str | Path, *, exclude: tuple[str | Path, ...] = ()) -> list[Found]:
    """All candidate files under `src`, sorted by relative path."""
    root = Path(src).resolve()
    excluded = {Path(e).resolve() for e in exclude}
    found: list[Found] = []
    _walk(root, root, excluded, found)
    found.sort(key=lambda f: f.rel_path)
    return found


def _walk(root: Path, folder: Path, excluded: set[Path], out: list[Found]) -> None:
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        return
    for entry in entries:
        name = entry.name
        if name.startswith(".") or name.lower() in SYSTEM_NAMES:
            continue
        path = Path(entry.path)
        if path in excluded:
            continue
        try:
            st_link = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        if stat.S_ISDIR(st_link.st_mode):
            _walk(root, path, excluded, out)
            continue
        rel = path.relative_to(root).as_posix()
        if stat.S_ISLNK(st_link.st_mode):
            if entry.is_dir(follow_symlinks=True):
                continue  # directory symlinks are never followed
            target = path.resolve()
            if not target.is_relative_to(root):
                out.append(Found(rel, path, extension_kind(path), "symlink", 0,
                                 ("unsupported", "symlink points outside the source folder")))
                continue
        out.append(_classify(rel, path))


def _classify(rel: str, path: Path) -> Found:
    ext_kind = extension_kind(path)
    try:
        st = path.stat()
    except OSError as exc:
        return Found(rel, path, ext_kind, "unknown", 0, ("unreadable", f"cannot stat: {exc}"))
    if not stat.S_ISREG(st.st_mode):
        return Found(rel, path, ext_kind, "special", 0,
                     ("unsupported", "not a regular file (FIFO, socket or device)"))
    if st.st_size == 0:
        if ext_kind is None:
            return Found(rel, path, None, "empty", 0)
        return Found(rel, path, ext_kind, "empty", 0, ("empty", "file is empty (0 bytes)"))
    try:
        with open(path, "rb") as fh:
            head = fh.read(64)
    except OSError as exc:
        return Found(rel, path, ext_kind, "unknown", st.st_size,
                     ("unreadable", f"cannot open: {exc.strerror}"))
    sniffed = sniff_bytes(head, path.suffix)
    if sniffed.kind is None:
        if ext_kind is None:
            return Found(rel, path, None, sniffed.format, st.st_size)
        return Found(rel, path, ext_kind, sniffed.format, st.st_size,
                     ("unreadable", f"content is not a recognised media format "
                                    f"(name says {ext_kind})"))
    return Found(rel, path, sniffed.kind, sniffed.format, st.st_size)
