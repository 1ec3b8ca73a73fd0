"""Resume: which outputs an earlier run of the same pipeline already made, intact."""

from __future__ import annotations

from pathlib import Path

from mediasynth.core import output_format
from mediasynth.core.config import Pipeline
from mediasynth.engine import manifest as M
from mediasynth.io.discover import Found


def finished_rows(out: Path, pipeline: Pipeline, found: dict[str, Found],
                   sources: dict[str, list], stamps: dict[str, list[int] | None]
                   ) -> tuple[dict[str, M.Ref], dict[str, str]]:
    """ok rows of a previous run of the same pipeline whose source is unchanged and whose
    output file is still there with the recorded bytes (its sha256 is checked, so a file a
    crash or power loss damaged is made again), as references into the manifest file; and
    the sha256 of each source found unchanged. A source counts as unchanged when its stamp
    (`sink.source_stamp`: size, mtime, inode, ctime) is the one recorded with its sha256 in
    the sink's state, else when its bytes hash to the sha256 its rows recorded."""
    from mediasynth.engine.worker import file_sha256

    sha = pipeline.sha256()
    done: dict[str, M.Ref] = {}
    current: dict[str, str | None] = {}
    shards: dict[str, dict[str, str]] = {}

    def source_sha(rel: str, recorded: str) -> str | None:
        if rel not in current:
            f, state, stamp = found[rel], sources.get(rel), stamps.get(rel)
            if stamp and state and state[:-1] == stamp and state[-1] == recorded:
                current[rel] = recorded
            else:
                try:
                    current[rel] = file_sha256(f.path)
                except OSError:
                    current[rel] = None
        return current[rel]

    for row, offset, length in M.scan(out):
        if row.get("status") != "ok" or row.get("pipeline_sha256") != sha or not row["output"]:
            continue
        used = [(row.get("source"), row.get("source_sha256"))] + [
            (s["path"], s["sha256"]) for s in row.get("sources", [])[1:]]
        if any(rel not in found or source_sha(rel, sha) != sha for rel, sha in used):
            continue
        if output_sha256(out, row, shards) == row.get("output_sha256"):
            done[row["id"]] = M.ref_of(row, offset, length)
    return done, {rel: s for rel, s in current.items() if s is not None}


def output_sha256(out: Path, row: dict, cache: dict) -> str | None:
    """sha256 of a row's output as it is on disk now (as the format that holds it stores it)."""
    return output_format.of_row(row).stored_sha256(out, row, cache)
