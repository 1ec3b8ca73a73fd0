"""Find media under a source folder: sorted, content-sniffed, hostile-tree safe.

- Hidden files and folders (leading '.') and system clutter (Thumbs.db, desktop.ini,
  __MACOSX) are ignored.
- Directory symlinks are never followed (no loops); file symlinks are used only when they
  resolve inside SRC.
- FIFOs, sockets and devices are reported as unusable (never opened, so no hang).
- A file counts as media by its content; a file with a media extension but other content is
  reported with a reason, and non-media files (README, CSV...) are ignored.
- `exclude` folders (the output folder when it lies inside SRC) are skipped, and so is every
  folder that holds an earlier mediasynth OUT.
- Any depth (iterative walk); symlink loops and broken links are reported, not followed.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
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
    mtime_ns: int = 0
    # what a dataset layout says of the file (see mediasynth/io/layouts): "label" (its class,
    # None for annotated images), "labels", "stratum" (the class it is split by), "name"
    # (the path that names its outputs), "annotation"; None for class folders
    info: dict | None = None
    # what the handler's header check read, for the worker that renders the file (see
    # engine/handlers.py); None until checked, or when the handler returns nothing
    header: object | None = field(default=None, compare=False, repr=False)
    # the handler's near-duplicate signature (engine/near_duplicates.py); None until made
    signature: bytes | None = field(default=None, compare=False, repr=False)

    @property
    def class_name(self) -> str | None:
        if self.info is not None:
            return self.info.get("label")
        parts = self.rel_path.split("/")
        return parts[0] if len(parts) > 1 else None

    @property
    def stratum(self) -> str | None:
        """The class the split is stratified by."""
        if self.info is not None:
            return self.info.get("stratum", self.info.get("label"))
        return self.class_name


def discover(src: str | Path, *, exclude: tuple[str | Path, ...] = (),
             outs_found: list[str] | None = None) -> list[Found]:
    """All candidate files under `src`, sorted by relative path. Folders that hold a
    mediasynth OUT (see `is_mediasynth_out`) are skipped; their relative paths are appended
    to `outs_found` when given. The walk is iterative (any depth) and never follows folder
    symlinks."""
    root = Path(src).resolve()
    excluded = {Path(e).resolve() for e in exclude}
    found: list[Found] = []
    stack = [root]
    while stack:
        folder = stack.pop()
        if folder != root and is_mediasynth_out(folder):
            if outs_found is not None:
                outs_found.append(folder.relative_to(root).as_posix())
            continue
        for entry in _entries(folder):
            path = Path(entry.path)
            if path in excluded:
                continue
            item = _visit(root, entry, path)
            if isinstance(item, Path):
                stack.append(item)
            elif item is not None:
                found.append(item)
    found.sort(key=lambda f: f.rel_path)
    return found


def walk(root: str | Path):
    """`os.walk(root)` (top-down; the caller may prune `dirs` in place), iterative: any depth
    (CPython 3.11's os.walk and Path.rglob recurse and fail past ~1,000 levels); folder
    symlinks are not followed, unreadable folders are skipped."""
    stack = [str(root)]
    while stack:
        folder = stack.pop()
        try:
            with os.scandir(folder) as it:
                entries = list(it)
        except OSError:
            continue
        dirs = sorted(e.name for e in entries if e.is_dir(follow_symlinks=False))
        files = sorted(e.name for e in entries if not e.is_dir(follow_symlinks=False))
        yield folder, dirs, files
        stack.extend(os.path.join(folder, d) for d in reversed(dirs))


def files_under(root: str | Path) -> list[Path]:
    """Every file under `root`, sorted (iterative, as `walk`)."""
    return sorted(Path(folder) / name for folder, _, files in walk(root) for name in files)


def is_mediasynth_out(folder: Path) -> bool:
    """A folder mediasynth wrote (the one rule: discovery skips such folders, SRC that is
    one is read as an OUT, and a non-empty OUT that is not one is refused): its state folder
    `.mediasynth/`, or a manifest.jsonl with labels.csv, report.html, run.json or
    pipeline.yaml beside it (a lone manifest.jsonl may be another tool's)."""
    try:
        names = set(os.listdir(folder))
    except OSError:
        return False
    return ".mediasynth" in names or ("manifest.jsonl" in names and bool(
        names & {"labels.csv", "report.html", "run.json", "pipeline.yaml"}))


def _entries(folder: Path) -> list[os.DirEntry]:
    try:
        with os.scandir(folder) as it:
            entries = [e for e in it if not e.name.startswith(".")
                       and e.name.lower() not in SYSTEM_NAMES]
    except OSError:
        return []
    return sorted(entries, key=lambda e: e.name, reverse=True)


def _visit(root: Path, entry: os.DirEntry, path: Path) -> Found | Path | None:
    """A Found for a file, the path of a folder to walk, or None to ignore."""
    try:
        st_link = entry.stat(follow_symlinks=False)
    except OSError:
        return None
    if stat.S_ISDIR(st_link.st_mode):
        return path
    rel = path.relative_to(root).as_posix()
    if stat.S_ISLNK(st_link.st_mode):
        try:
            if entry.is_dir(follow_symlinks=True):
                return None  # directory symlinks are never followed
            target = path.resolve(strict=True)
        except (OSError, RuntimeError):
            return Found(rel, path, extension_kind(path), "symlink", 0,
                         ("unreadable", "broken symlink or symlink loop"))
        if not target.is_relative_to(root):
            return Found(rel, path, extension_kind(path), "symlink", 0,
                         ("unsupported", "symlink points outside the source folder"))
    return _classify(rel, path)


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
        return Found(rel, path, ext_kind, "empty", 0, ("empty", "file is empty (0 bytes)"),
                     st.st_mtime_ns)
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
    return Found(rel, path, sniffed.kind, sniffed.format, st.st_size, None, st.st_mtime_ns)
