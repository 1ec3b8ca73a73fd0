"""Header checks of discovered files, in the workers, before anything is planned: a file
found unusable gets its reason row, a file that is really another kind is reclassified."""

from __future__ import annotations

import dataclasses
import os

from mediasynth.core.config import Pipeline
from mediasynth.engine.handlers import handler_for
from mediasynth.engine.worker import DAMAGE_CODES
from mediasynth.io.discover import Found


def needs_ffmpeg(found: list[Found]) -> bool:
    """Whether any source will go through FFmpeg (its version is then recorded)."""
    return any(handler_for(f.kind).needs_ffmpeg(f.format)
               for f in found if f.kind)


def check_headers(found: list[Found], pipeline: Pipeline, pool, keep_damaged: bool = False
                  ) -> list[Found]:
    """Header check of every media file in the workers; a problem found becomes the file's
    reason row (truncated/damaged files stay in with `keep_damaged`: the worker then keeps
    what it can read, with a warning)."""
    from mediasynth.engine.worker import check_chunk

    todo = [i for i, f in enumerate(found) if f.kind is not None and f.problem is None]
    if not todo:
        return found
    found = list(found)
    items = [found[i] for i in todo]
    # chunks of up to 32 files, at least two per worker when there are few files; a worker
    # checks its chunk with a thread per core it has to itself (probes release the GIL)
    workers = pool.size
    size = max(1, min(32, -(-len(items) // (2 * workers))))
    chunks = [items[i : i + size] for i in range(0, len(items), size)]
    timeout = pipeline.budgets.ffmpeg_timeout_s * size
    context = (pipeline.budgets, max(1, (os.cpu_count() or 1) // workers),
               pipeline.dataset.near_duplicates != "off")
    results: dict[int, tuple] = {}
    failed: list[int] = []
    for index, status, value in pool.map(check_chunk, chunks, context, timeout_s=timeout):
        if status == "ok":
            for j, checked in enumerate(value):
                results[index * size + j] = ("ok", checked)
        else:
            failed += range(index * size, index * size + len(chunks[index]))
    # a chunk that crashed or hung: check its files one by one to find the culprit (with
    # their signatures, so the result does not depend on how the files were chunked)
    singles = [[items[i]] for i in failed]
    for index, status, value in pool.map(check_chunk, singles, context[:1] + (1,) + context[2:],
                                         timeout_s=pipeline.budgets.ffmpeg_timeout_s):
        results[failed[index]] = (status, value[0] if status == "ok" else value)
    for index in range(len(items)):
        status, value = results[index]
        problem = None
        if status == "ok":
            problem, header, signature = value
            if header is not None or signature is not None:
                found[todo[index]] = items[index] = dataclasses.replace(
                    items[index], header=header,
                    signature=signature if signature is not None else items[index].signature)
        elif status == "error":
            problem = ("unreadable", f"{type(value).__name__}: {value}")
        elif status == "crashed":
            problem = ("crashed", f"reading the header crashed the process (exit code {value})")
        else:
            problem = ("timeout", f"reading the header took longer than {value:g} s")
        if problem is not None and problem[0] == "as":
            found[todo[index]] = dataclasses.replace(items[index], kind=problem[1],
                                                     format=problem[2])
        elif problem is not None and not (keep_damaged and problem[0] in DAMAGE_CODES):
            found[todo[index]] = dataclasses.replace(items[index], problem=tuple(problem))
    return found


