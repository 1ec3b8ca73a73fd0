"""The folder sink: owns OUT while a run writes it.

- **One writer**: an exclusive `flock` on `OUT/.mediasynth/lock` is taken before anything is
  written and held until the run (report included) is done; a second run fails at once naming
  the holder's pid. flock is advisory and per open file: it holds between processes on one
  machine and on NFSv4 (Linux maps flock to NFS byte-range locks); it does not protect against
  programs that ignore it.
- **OUT equals its manifest**: before any output is written, every path this run may write,
  plus every path earlier runs wrote or planned (their manifest and journal), is recorded in
  the journal `OUT/.mediasynth/files`. At the end the manifest is rewritten in plan order,
  every journalled path the run does not keep is removed, and the journal is rewritten to
  exactly the files kept (outputs and side files such as annotation exports). A run killed at
  any point leaves a journal naming everything it might have written, so the next run still
  cleans up. Files mediasynth never planned are never touched.
- **Sources**: `OUT/.mediasynth/sources.json` keeps (size, mtime_ns, inode, ctime_ns,
  sha256) per source so a resumed run re-hashes only sources whose stamp changed. Any write
  to a file sets its ctime (which no tool can set back), so an edit that keeps size and
  mtime is still caught; a stamp taken within `RACY_S` of the file's last change is not
  kept (its next edit could share the clock tick), so that source is hashed again.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import shutil
from pathlib import Path

from mediasynth.core.errors import FatalError, OutLocked, SourceNotFound
from mediasynth.engine import manifest as M
from mediasynth.io.atomic import remove_stale_temps, write_bytes_atomic
from mediasynth.io.discover import is_mediasynth_out

STATE_DIR = ".mediasynth"
is_ours = is_mediasynth_out  # whether a folder is an OUT: one rule, io/discover.py
LOCK = "lock"
JOURNAL = "files"
SOURCES = "sources.json"


RACY_S = 2.0


def source_stamp(path: str | Path) -> list[int] | None:
    """[size, mtime_ns, inode, ctime_ns] of a source, taken before its bytes are hashed; None
    when it cannot be trusted to mean "unchanged" later (changed in the last RACY_S, or
    unreadable): such a source is hashed on every run."""
    import time

    try:
        st = os.stat(path)
    except OSError:
        return None
    recent = time.time_ns() - int(RACY_S * 1e9)
    if st.st_mtime_ns >= recent or st.st_ctime_ns >= recent:
        return None
    return [st.st_size, st.st_mtime_ns, st.st_ino, st.st_ctime_ns]


class OutLock:
    """Exclusive lock on OUT (a context manager); creates OUT and its state folder."""

    def __init__(self, out: str | Path):
        self.out = Path(out)
        self._fd: int | None = None

    def __enter__(self) -> OutLock:
        state = self.out / STATE_DIR
        self._created = not self.out.exists()
        try:
            state.mkdir(parents=True, exist_ok=True)
            fd = os.open(state / LOCK, os.O_RDWR | os.O_CREAT, 0o666)
        except OSError as exc:
            raise FatalError(f"cannot write to OUT {self.out}: {exc.strerror}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "unknown"
            os.close(fd)
            if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise OutLocked(f"OUT {self.out} is being written by another mediasynth run "
                                f"(pid {holder}); wait for it to finish or choose another "
                                "OUT", pid=holder) from None
            raise FatalError(f"cannot lock OUT {self.out}: {exc.strerror}") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd = fd
        return self

    def __exit__(self, exc_type, *exc_info) -> None:
        if exc_type is not None:  # a fatal error: writers have stopped, leave no temp file
            with contextlib.suppress(OSError):
                remove_stale_temps(self.out)
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.ftruncate(self._fd, 0)
            if exc_type is not None and self._created:  # a run that failed before writing
                with contextlib.suppress(OSError):  # leaves no OUT behind
                    (self.out / STATE_DIR / LOCK).unlink()
                    (self.out / STATE_DIR).rmdir()
                    self.out.rmdir()
            os.close(self._fd)  # closing releases the flock
            self._fd = None


def check_folders(src: Path, out: Path) -> None:
    """Refuse folder pairs that would write into SRC or mix outputs with foreign files."""
    src, out = Path(src), Path(out)
    if not src.is_dir():
        raise SourceNotFound(f"source folder {src} does not exist or is not a folder",
                             path=str(src))
    s, o = src.resolve(), out.resolve()
    if s == o:
        raise FatalError("OUT must not be SRC: the source folder is never written")
    if s.is_relative_to(o):
        raise FatalError(f"OUT ({o}) contains SRC ({s}); choose an OUT outside the source tree")
    check_out(out)


def check_out(out: Path) -> None:
    """Refuse an OUT that is a file, or a non-empty folder mediasynth did not write (so
    outputs never mix with foreign files): FatalError."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise FatalError(f"OUT {out} exists and is not a folder")
    try:
        foreign = out.exists() and any(out.iterdir()) and not is_mediasynth_out(out)
    except OSError as exc:
        raise FatalError(f"cannot read OUT {out}: {exc.strerror}") from None
    if foreign:
        raise FatalError(f"OUT {out} is not empty and holds no {M.MANIFEST}: refusing to mix "
                         "outputs with other files (choose an empty or new folder)")


class FolderSink:
    """What a run needs of OUT besides writing outputs (workers write those): resume state,
    the journal of paths that may be written, and the final commit. Use under `OutLock`."""

    def __init__(self, out: Path):
        self.out = Path(out)
        self.state = self.out / STATE_DIR

    def sweep_temps(self) -> int:
        """Remove temp files that killed writers left (safe: we hold the lock)."""
        return remove_stale_temps(self.out)

    def remove_report(self) -> None:
        """The report describes the OUT of the last run: drop it before OUT changes (the
        report step writes a new one)."""
        with contextlib.suppress(FileNotFoundError):
            (self.out / "report.html").unlink()
        shutil.rmtree(self.out / "report_assets", ignore_errors=True)

    def recorded_outputs(self) -> set[str]:
        """Every output path an earlier run listed in its manifest or journal."""
        paths = {row["output"] for row, _, _ in M.scan(self.out) if row.get("output")}
        with contextlib.suppress(OSError), open(self.state / JOURNAL, encoding="utf-8",
                                                errors="surrogateescape") as fh:
            paths.update(line.rstrip("\n") for line in fh if line.strip())
        return paths

    def begin(self, planned: set[str]) -> set[str]:
        """Journal every path this run may write, with what earlier runs wrote; return the
        whole journal (the candidates for stale removal)."""
        journal = self.recorded_outputs() | planned
        text = "".join(p + "\n" for p in sorted(journal))
        write_bytes_atomic(self.state / JOURNAL, text.encode("utf-8", "surrogateescape"))
        return journal

    def remove_stale(self, journal: set[str], keep: set[str]) -> int:
        """Delete journalled outputs the final manifest does not list, and folders that
        leaves empty; return how many files were removed."""
        removed, folders = 0, set()
        root = self.out.resolve()
        for rel in sorted(journal - keep):
            path = self.out / rel
            if not path.resolve().is_relative_to(root) or not path.is_file():
                continue
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
                removed += 1
                folders.update(path.parents)
        for folder in sorted(folders, key=lambda p: -len(p.parts)):
            if folder.resolve().is_relative_to(root) and folder.resolve() != root:
                with contextlib.suppress(OSError):
                    folder.rmdir()  # only when empty
        return removed

    def end(self, keep: set[str]) -> None:
        """Record exactly the files this run leaves in OUT (its outputs and side files such
        as annotation exports), for the next run's clean-up."""
        text = "".join(p + "\n" for p in sorted(keep))
        write_bytes_atomic(self.state / JOURNAL, text.encode("utf-8", "surrogateescape"))

    def load_sources(self) -> dict[str, list]:
        try:
            return json.loads((self.state / SOURCES).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}

    def save_sources(self, sources: dict[str, list]) -> None:
        text = json.dumps(sources, sort_keys=True, ensure_ascii=True)
        write_bytes_atomic(self.state / SOURCES, text.encode())

    def write_run_files(self, src: Path, pipeline) -> None:
        """pipeline.yaml (the effective pipeline) and run.json (where the data came from)."""
        write_bytes_atomic(self.out / "pipeline.yaml", pipeline.to_yaml().encode())
        run = {"src": str(src.resolve()), "pipeline_sha256": pipeline.sha256()}
        text = json.dumps(run, indent=1, ensure_ascii=True) + "\n"
        write_bytes_atomic(self.out / "run.json", text.encode())
