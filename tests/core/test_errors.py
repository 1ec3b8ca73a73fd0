"""core/errors.py: the public exception hierarchy, reason codes and one-line messages."""

from __future__ import annotations

import pytest

from mediasynth.core.errors import (
    REASON_CODES,
    ConfigError,
    FatalError,
    FFmpegError,
    KindMismatchError,
    MediaError,
    MediasynthError,
    OutLocked,
    SourceNotFound,
    one_line,
)


def test_the_hierarchy_lets_callers_catch_by_meaning():
    assert issubclass(KindMismatchError, ConfigError)
    assert issubclass(SourceNotFound, FatalError) and issubclass(OutLocked, FatalError)
    for cls in (ConfigError, FatalError, MediaError, FFmpegError):
        assert issubclass(cls, MediasynthError)
    assert not issubclass(MediaError, FatalError)


def test_a_config_error_names_its_file_and_line():
    assert str(ConfigError("bad key", source="p.yaml", line=3)) == "p.yaml:3: bad key"
    assert str(ConfigError("bad key", source="p.yaml")) == "p.yaml: bad key"
    assert str(ConfigError("bad key")) == "bad key"


def test_a_media_error_carries_a_known_reason_code():
    err = MediaError("truncated", "ends early", path="a/b.png")
    assert err.reason() == {"code": "truncated", "message": "ends early"}
    assert str(err) == "a/b.png: ends early"
    assert {"crashed", "timeout", "too_large", "empty"} <= REASON_CODES
    with pytest.raises(ValueError, match="unknown reason code"):
        MediaError("broken", "x")


def test_one_line_joins_lines_and_cuts_long_text():
    stderr = "\n  frame=1\n\n[mp4 @ 0x1] moov atom not found\nInvalid data\n"
    assert one_line(stderr) == "frame=1 | [mp4 @ 0x1] moov atom not found | Invalid data"
    cut = one_line("x" * 1000, max_chars=50)
    assert len(cut) == 50 and cut.endswith("...")
    assert one_line("") == ""


def test_ffmpeg_and_lock_errors_keep_their_details():
    err = FFmpegError("encode failed", returncode=1, stderr_tail="No space left")
    assert err.returncode == 1 and str(err) == "encode failed\nNo space left"
    assert OutLocked("busy", pid="42").pid == "42" and OutLocked("busy").pid == "unknown"
    assert SourceNotFound("gone", path="/x").path == "/x"
