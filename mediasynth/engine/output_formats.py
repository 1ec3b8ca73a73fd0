"""The built-in output formats (contract: core/output_format.py): `folder` keeps the loose
files the workers wrote and writes the annotation exports; `webdataset` packs them into tar
shards (engine/shards.py)."""

from __future__ import annotations

import tarfile
from pathlib import Path

from mediasynth.core.output_format import Finished, FinishedRun, register_output_format
from mediasynth.engine.shards import member_digests, pack


def _sha256_of_file(path: Path) -> str | None:
    from mediasynth.engine.worker import file_sha256

    return file_sha256(path) if path.is_file() else None


class FolderFormat:
    """Files in class or layout folders, as the workers wrote them (the default)."""

    name = "folder"
    summary = "files in class or layout folders (default)"
    loose = True

    def finish(self, run: FinishedRun) -> Finished:
        annotation_files = run.export_annotations()
        return Finished(set(run.loose_files) | set(annotation_files), annotation_files)

    def holds(self, row: dict) -> bool:
        return not row.get("member")

    def output_bytes(self, out: Path, row: dict) -> bytes:
        return (out / row["output"]).read_bytes()

    def stored_sha256(self, out: Path, row: dict, cache: dict) -> str | None:
        return _sha256_of_file(out / row["output"])

    def card_files(self, row: dict) -> tuple[str, str] | None:
        return None

    def plan_warnings(self, jobs: list) -> list[str]:
        return []


class WebDatasetFormat:
    """Tar shards `OUT/<split>/shard-NNNNNN.tar`, closed before they pass
    `output.shard_max_bytes`; rows name their shard in `output`, their member in `member`."""

    name = "webdataset"
    summary = "tar shards OUT/<split>/shard-NNNNNN.tar (output.shard_max_bytes each)"
    loose = False

    def finish(self, run: FinishedRun) -> Finished:
        return Finished(pack(run.out, run.pipeline.output.shard_max_bytes))

    def holds(self, row: dict) -> bool:
        return bool(row.get("member")) and str(row.get("output", "")).endswith(".tar")

    def output_bytes(self, out: Path, row: dict) -> bytes:
        with tarfile.open(out / row["output"]) as tar:
            member = tar.extractfile(row["member"])
            if member is None:
                raise FileNotFoundError(f"{row['member']} is missing from {row['output']}")
            return member.read()

    def stored_sha256(self, out: Path, row: dict, cache: dict) -> str | None:
        if row["output"] not in cache:
            cache[row["output"]] = member_digests(out, row["output"])
        return cache[row["output"]].get(row["member"])

    def card_files(self, row: dict) -> tuple[str, str] | None:
        split = row.get("split")
        return "default", f"{split}/*.tar" if split else "*.tar"

    def plan_warnings(self, jobs: list) -> list[str]:
        """Splits whose shards would mix media types of one kind (.png and .jpg samples):
        the webdataset library reads them, Hugging Face `datasets` refuses them."""
        types: dict[tuple, set] = {}
        for job in jobs:
            for output in job.outputs:
                types.setdefault((job.split, job.kind), set()).add(
                    output.rel_path.rsplit(".", 1)[-1].lower())
        return [f"webdataset shards of {split or 'the dataset'} mix {kind} types "
                f"({', '.join(sorted(exts))}): Hugging Face datasets cannot load such shards; "
                f"keep one format per kind (the sources' and output.{kind}_format)"
                for (split, kind), exts in sorted(
                    types.items(), key=lambda kv: (kv[0][0] or "", kv[0][1] or ""))
                if len(exts) > 1]


FOLDER = register_output_format(FolderFormat())
WEBDATASET = register_output_format(WebDatasetFormat())
