"""WebDataset output: the finished outputs packed into tar shards, `OUT/<split>/shard-NNNNNN.tar`.

Each sample is `<key>.<ext>` (the media, bytes as rendered) and `<key>.json` (class, labels,
split, source, variant, seed, record, annotation), with `__key__` = the row id, so keys are
unique and dot-free whatever the file names. Shards follow plan order and close before they
would pass `output.shard_max_bytes`; tar headers are fixed (mtime 0, uid/gid 0, mode 0644,
GNU format), so the same plan gives the same shard bytes. Workers write outputs as loose files
first; packing reads them (or, on a re-run, the member of the previous shard that the row
names), writes every new shard to a temp file and renames them at the end; the sink then
removes the loose files (they are no longer listed). Rows name their shard in `output` and
their member in `member`.
"""

from __future__ import annotations

import contextlib
import io
import json
import tarfile
from pathlib import Path, PurePosixPath

from mediasynth.engine import manifest as M
from mediasynth.io.atomic import TEMP_PREFIX

SAMPLE_FIELDS = ("class", "labels", "split", "source", "variant", "seed", "record",
                 "annotation", "kind")


def shard_name(split: str | None, number: int) -> str:
    return str(PurePosixPath(split or ".") / f"shard-{number:06d}.tar")


class _ShardWriter:
    """Sequential shards of one split, written to temp files."""

    def __init__(self, out: Path, split: str | None, max_bytes: int):
        self.out, self.split, self.max_bytes = out, split, max_bytes
        self.number, self.size, self.tar, self.temps = -1, 0, None, []

    def add(self, members: list[tuple[str, bytes]]) -> str:
        """Add one sample's members; return the shard (relative to OUT) it went into."""
        need = sum(512 + -(-len(data) // 512) * 512 for _, data in members)
        if self.tar is None or (self.size and self.size + need > self.max_bytes):
            self._next()
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.mode = len(data), 0, 0o644
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            self.tar.addfile(info, io.BytesIO(data))
        self.size += need
        return shard_name(self.split, self.number)

    def _next(self) -> None:
        self.close()
        self.number += 1
        final = self.out / shard_name(self.split, self.number)
        final.parent.mkdir(parents=True, exist_ok=True)
        temp = final.parent / f"{TEMP_PREFIX}{final.name}"
        self.temps.append((temp, final))
        self.tar = tarfile.open(temp, "w", format=tarfile.GNU_FORMAT)  # noqa: SIM115
        self.size = 0

    def close(self) -> None:
        if self.tar is not None:
            self.tar.close()
            self.tar = None


def pack(out: Path, max_bytes: int) -> set[str]:
    """Pack every ok row of the final manifest into shards, rewrite the manifest and
    labels.csv to name them; return the shard paths."""
    writers: dict[str | None, _ShardWriter] = {}
    old = _OldShards(out)
    rows = []
    try:
        for row, _, _ in M.scan(out):
            if row.get("status") == "ok" and row.get("output"):
                row = _packed(row, out, old, writers, max_bytes)
            rows.append(row)
    finally:
        for writer in writers.values():
            writer.close()
        old.close()
    for writer in writers.values():
        for temp, final in writer.temps:
            temp.replace(final)
    M.write_final(out, rows)
    return {shard_name(w.split, n) for w in writers.values() for n in range(w.number + 1)}


def _packed(row: dict, out: Path, old: _OldShards, writers: dict, max_bytes: int) -> dict:
    key = row["id"]
    planned = row.get("planned_output") or row["output"]
    name = PurePosixPath(planned).name
    ext = name.rsplit(".", 1)[-1] if "." in name else "bin"
    data = old.read(row) if row.get("member") else (out / row["output"]).read_bytes()
    sample = {k: row.get(k) for k in SAMPLE_FIELDS if row.get(k) is not None}
    sample["name"] = name
    members = [(f"{key}.{ext}", data),
               (f"{key}.json", json.dumps(sample, sort_keys=True).encode())]
    split = row.get("split")
    writer = writers.setdefault(split, _ShardWriter(out, split, max_bytes))
    return {**row, "output": writer.add(members), "member": f"{key}.{ext}",
            "planned_output": planned}


class _OldShards:
    """Members of the shards a previous run left, read on demand."""

    def __init__(self, out: Path):
        self.out = out
        self.open: dict[str, tarfile.TarFile] = {}

    def read(self, row: dict) -> bytes:
        shard = row["output"]
        if shard not in self.open:
            self.open[shard] = tarfile.open(self.out / shard)  # noqa: SIM115
        member = self.open[shard].extractfile(row["member"])
        if member is None:
            raise FileNotFoundError(f"{row['member']} is missing from {shard}")
        return member.read()

    def close(self) -> None:
        for tar in self.open.values():
            with contextlib.suppress(OSError):
                tar.close()


def member_digests(out: Path, shard: str) -> dict[str, str]:
    """{member name: sha256} of one shard ({} when it cannot be read)."""
    import hashlib

    digests = {}
    try:
        with tarfile.open(out / shard) as tar:
            for info in tar:
                member = tar.extractfile(info)
                if member is not None:
                    digests[info.name] = hashlib.sha256(member.read()).hexdigest()
    except (OSError, tarfile.TarError):
        return {}
    return digests
