"""Error classes shared by every layer: the public exception hierarchy.

```
MediasynthError            anything mediasynth raises on purpose
├── ConfigError            a pipeline file, transform or option is invalid (CLI exit 2)
│   └── KindMismatchError  a chain step works on another media kind than its chain
├── FatalError             a run cannot go on; nothing further is written (CLI exit 1)
│   ├── SourceNotFound     SRC does not exist or is not a folder
│   └── OutLocked          another live run is writing OUT
├── MediaError             one input file cannot be used (its `code` is a reason code)
└── FFmpegError            an FFmpeg process failed
```

`MediaError` carries a machine-readable reason code that goes into manifest rows
(`REASON_CODES`; docs/architecture.md explains each).
"""

from __future__ import annotations

REASON_CODES = frozenset(
    {"unreadable", "truncated", "damaged", "too_large", "unsupported", "timeout", "crashed", "empty",
     "invalid"}
)


def one_line(text: str, *, max_chars: int = 400) -> str:
    """`text` as one line for a terminal: its non-blank lines joined with " | ", cut at
    `max_chars` (a tool's multi-line output, such as FFmpeg's stderr, stays in its source)."""
    joined = " | ".join(line.strip() for line in str(text).splitlines() if line.strip())
    return joined if len(joined) <= max_chars else joined[: max_chars - 3] + "..."


class MediasynthError(Exception):
    """Base class of every error mediasynth raises on purpose."""


class ConfigError(MediasynthError):
    """A pipeline file or transform configuration is invalid.

    `source` names the file (or "<config>"), `line` is 1-based when known.
    """

    def __init__(self, message: str, *, source: str | None = None, line: int | None = None):
        self.message = message
        self.source = source
        self.line = line
        where = ""
        if source:
            where = f"{source}:{line}: " if line else f"{source}: "
        super().__init__(where + message)


class KindMismatchError(ConfigError):
    """A step of a chain works on another media kind than the chain."""


class FatalError(MediasynthError):
    """The run cannot go on (bad folders, OUT unwritable or in use); nothing further is
    written."""


class SourceNotFound(FatalError):
    """SRC does not exist or is not a folder. `path` is SRC as given."""

    def __init__(self, message: str, *, path: str | None = None):
        self.path = path
        super().__init__(message)


class OutLocked(FatalError):
    """Another live mediasynth run holds OUT's lock. `pid` is that run's process id as it
    recorded it ("unknown" when it wrote none)."""

    def __init__(self, message: str, *, pid: str = "unknown"):
        self.pid = pid
        super().__init__(message)


class MediaError(MediasynthError):
    """An input file cannot be used. `code` is one of REASON_CODES."""

    def __init__(self, code: str, message: str, *, path: str | None = None):
        if code not in REASON_CODES:
            raise ValueError(f"unknown reason code {code!r}")
        self.code = code
        self.message = message
        self.path = path
        super().__init__(f"{path}: {message}" if path else message)

    def reason(self) -> dict:
        """The `{code, message}` object stored in a manifest row."""
        return {"code": self.code, "message": self.message}


class FFmpegError(MediasynthError):
    """An FFmpeg process failed; the message holds the tail of its stderr."""

    def __init__(self, message: str, *, returncode: int | None = None, stderr_tail: str = ""):
        self.returncode = returncode
        self.stderr_tail = stderr_tail
        super().__init__(message + (f"\n{stderr_tail}" if stderr_tail else ""))
