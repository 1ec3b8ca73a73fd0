"""The top-level keys of a JSON object file, found by parsing it in bounded memory.

Layout detection must not guess from a byte window: a COCO file written with sorted keys
has `"annotations"` (most of the file) before `"images"`. `top_level_keys` reads the file in
chunks and tracks strings and nesting with numpy, so it skips a value of any size at
hundreds of MB/s without building it; it stops as soon as a wanted key is seen.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

CHUNK_BYTES = 1 << 20
_QUOTE, _BACKSLASH = 0x22, 0x5C
_OPENS, _CLOSES = (0x7B, 0x5B), (0x7D, 0x5D)  # { [   } ]
_WHITESPACE = b" \t\r\n"
_BOM = b"\xef\xbb\xbf"


def top_level_keys(path: Path, stop_at: frozenset[str] | set[str] = frozenset(),
                   chunk_bytes: int = CHUNK_BYTES) -> dict[str, str] | None:
    """{key: the first character of its value} for the object at the top of `path`, in file
    order; reading stops at the first key in `stop_at` (or at the object's end). None when
    the file does not start with `{` (not an object, unreadable) or a key is not valid JSON.
    The file's remainder is not validated: a truncated file gives the keys seen so far."""
    try:
        with open(path, "rb") as fh:
            return _scan(fh, stop_at, chunk_bytes)
    except OSError:
        return None


def _scan(fh, stop_at, chunk_bytes: int) -> dict[str, str] | None:
    head = fh.read(chunk_bytes)
    start = len(_BOM) if head.startswith(_BOM) else 0
    stripped = head[start:].lstrip(_WHITESPACE)
    if not stripped.startswith(b"{"):
        return None
    keys: dict[str, str] = {}
    depth, in_string, backslashes = 0, False, 0  # state carried from one chunk to the next
    offset, chunk = 0, head
    pending: list[int] = []  # absolute offsets of depth-1 strings' opening quotes
    while chunk:
        a = np.frombuffer(chunk, np.uint8)
        quotes = np.flatnonzero(a == _QUOTE)
        quotes = _unescaped(a, quotes, backslashes if in_string else 0)
        brackets = np.flatnonzero(np.isin(a, _OPENS + _CLOSES))
        # a bracket is structural when an even number of quotes precede it (outside strings)
        before = np.searchsorted(quotes, brackets)
        outside = ((before + in_string) % 2) == 0
        brackets = brackets[outside]
        steps = np.where(np.isin(a[brackets], _OPENS), 1, -1)
        depths = depth + np.cumsum(steps)  # depth after each structural bracket
        opening = quotes[((np.arange(len(quotes)) + in_string) % 2) == 0]
        at = np.searchsorted(brackets, opening) - 1
        quote_depth = np.where(at >= 0, depths[np.maximum(at, 0)] if len(depths) else depth,
                               depth)
        pending += [offset + int(q) for q in opening[quote_depth == 1]]
        ended = np.flatnonzero(depths == 0)
        depth = int(depths[-1]) if len(depths) else depth
        in_string = bool((len(quotes) + in_string) % 2)
        backslashes = _trailing_backslashes(a, backslashes)
        end_offset = offset + int(brackets[ended[0]]) if len(ended) else None
        for q in pending:
            if end_offset is not None and q > end_offset:
                break
            found = _key_at(fh, q)
            if found is _INVALID:
                return None
            if found is not None:
                key, value_start = found
                keys.setdefault(key, value_start)
                if key in stop_at:
                    return keys
        pending = []
        if end_offset is not None:
            return keys
        offset += len(chunk)
        fh.seek(offset)
        chunk = fh.read(chunk_bytes)
    return keys


_INVALID = object()


def _unescaped(a: np.ndarray, quotes: np.ndarray, carried: int) -> np.ndarray:
    """The quotes not escaped by an odd run of backslashes before them (`carried`: the run
    that ended the previous chunk)."""
    if not len(quotes):
        return quotes
    prev = np.where(quotes > 0, a[np.maximum(quotes - 1, 0)], 0)
    suspects = np.flatnonzero((prev == _BACKSLASH) | ((quotes == 0) & (carried > 0)))
    if not len(suspects):
        return quotes
    keep = np.ones(len(quotes), bool)
    for i in suspects:  # rare: file names with quotes, Windows paths
        q, run = int(quotes[i]), 0
        while q - run - 1 >= 0 and a[q - run - 1] == _BACKSLASH:
            run += 1
        if q - run == 0:
            run += carried
        keep[i] = run % 2 == 0
    return quotes[keep]


def _trailing_backslashes(a: np.ndarray, carried: int) -> int:
    run = 0
    while run < len(a) and a[len(a) - 1 - run] == _BACKSLASH:
        run += 1
    return run + carried if run == len(a) else run


MAX_KEY_BYTES = 1 << 16


def _key_at(fh, quote_offset: int):
    """(key, first character of its value) for the string opening at `quote_offset` when a
    `:` follows it; None for a string value (or one longer than any key); _INVALID for a
    string that is not JSON."""
    fh.seek(quote_offset)
    text, size = b"", 256
    while True:
        more = fh.read(size)
        text += more
        size = min(size * 4, MAX_KEY_BYTES)
        decoded = text.decode("utf-8", "replace")
        try:
            key, end = json.JSONDecoder().raw_decode(decoded)
        except ValueError:
            if len(text) >= MAX_KEY_BYTES:
                return None  # a long string value (a key is never this long)
            if not more:
                return _INVALID
            continue
        rest = decoded[end:].lstrip()
        value = rest[1:].lstrip()
        if more and (not rest or (rest.startswith(":") and not value)):
            continue  # whitespace runs past what was read
        if not isinstance(key, str):
            return _INVALID
        if not rest.startswith(":"):
            return None
        return key, value[:1]
