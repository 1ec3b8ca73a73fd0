"""Re-render one output from its manifest row."""

from __future__ import annotations

from pathlib import Path

from mediasynth.core.errors import MediasynthError
from mediasynth.core.transform import OpRecord
from mediasynth.engine import manifest as M


def find_row(out: Path, row_id: str) -> dict:
    rows = [r for r in M.read_manifest(out) if r["id"].startswith(row_id)]
    if not rows:
        raise MediasynthError(f"no manifest row with id {row_id!r} in {out / M.MANIFEST}")
    if len(rows) > 1:
        raise MediasynthError(f"id prefix {row_id!r} matches {len(rows)} rows; give more of it")
    return rows[0]


def replay_destination(dest: Path | None, output: str) -> Path:
    """The file a replay writes: DEST itself, or the recorded output's file name inside DEST
    when DEST is a folder (default: the current folder). A DEST file must end with the
    output's extension (the format decides the bytes compared); else MediasynthError. A
    missing parent folder is made by the write."""
    dest = dest or Path.cwd()
    if dest.is_dir():
        return dest / Path(output).name
    suffix = Path(output).suffix
    if dest.suffix.lower() != suffix.lower():
        raise MediasynthError(f"DEST {dest} must be a folder or a file name ending in {suffix} "
                              f"(the recorded output is {output})")
    return dest


def replay_row(out: Path, row_id: str, dest: Path | None = None) -> tuple[Path, bool]:
    """Write the output of `row_id` again to `dest` (a file, or a folder to write the output's
    file name into; default: the current folder); return
    (dest, whether its bytes equal the recorded output's)."""
    import json

    from mediasynth.core.config import load_pipeline
    from mediasynth.engine.handlers import handler_for

    row = find_row(out, row_id)
    if row["status"] != "ok" or row["record"] is None:
        raise MediasynthError(f"row {row['id']} has no rendered output to replay "
                              f"(status {row['status']})")
    if row.get("source") is None and str(row["record"].get("name", "")).startswith("synth."):
        return replay_generated(out, row, dest)
    try:
        run = json.loads((out / "run.json").read_text())
    except (OSError, ValueError) as exc:
        raise MediasynthError(f"{out / 'run.json'} is missing or unreadable: {exc}") from None
    pipeline = load_pipeline(out / "pipeline.yaml")
    handler = handler_for(row["kind"])
    loaded = handler.load(Path(run["src"]) / row["source"], pipeline.budgets)
    if row.get("mix"):  # a partner step's replay does not need the partners' annotations
        from mediasynth.engine.partners import Partners, mixed_media

        loaded = mixed_media(handler, loaded, row["mix"], Partners(handler, run["src"],
                                                                   pipeline))
    record = OpRecord.from_dict(row["record"])
    return _write_replay(row, dest, lambda tmp: handler.replay(loaded, pipeline, record, tmp))


def replay_generated(out: Path, row: dict, dest: Path | None) -> tuple[Path, bool]:
    """Replay a row of a `synth` OUT: the generator rebuilt from
    OUT/.mediasynth/generator.json renders the row's recorded parameters again (asset
    folders of scenes and soundscapes are read where the run read them)."""
    import json

    from mediasynth.core import registry
    from mediasynth.engine.sink import STATE_DIR
    from mediasynth.engine.synth_runner import GENERATOR_CONFIG

    path = out / STATE_DIR / GENERATOR_CONFIG
    try:
        config = json.loads(path.read_bytes().decode("utf-8", "surrogateescape"))
        generator = registry.build(config["generator"])
    except (OSError, ValueError, KeyError) as exc:
        raise MediasynthError(f"{path} is missing or unreadable ({exc}): this OUT was not "
                              "written by this version's synth") from None
    try:
        item = generator.replay(OpRecord.from_dict(row["record"]))
        return _write_replay(row, dest, lambda tmp: generator.write(item, tmp))
    except MediasynthError:
        raise
    except (OSError, ValueError) as exc:
        raise MediasynthError(f"cannot regenerate row {row['id']}: {exc}") from None


def _write_replay(row: dict, dest: Path | None, write) -> tuple[Path, bool]:
    """`write(tmp)` the replayed output atomically at `replay_destination(dest, ...)`;
    return (the file, whether its bytes equal the recorded output's)."""
    from mediasynth.engine.worker import file_sha256
    from mediasynth.io.atomic import atomic_path

    dest = replay_destination(dest, row["output"])
    try:
        with atomic_path(dest) as tmp:
            write(tmp)
    except ValueError as exc:  # a format the writer cannot write (DEST's extension)
        raise MediasynthError(f"cannot write {dest}: {exc}") from None
    return dest, file_sha256(dest) == row.get("output_sha256")
