"""engine/shards.py: packing the final rows into WebDataset tar shards, and reading them
back (a re-run packs from the previous shards)."""

from __future__ import annotations

import hashlib
import io
import json
import os
import tarfile
from pathlib import Path

from mediasynth.engine import manifest as M
from mediasynth.engine.shards import member_digests, pack, shard_name

NON_UTF8 = os.fsdecode(b"caf\xe9")


def _media(i: int) -> bytes:
    return hashlib.sha256(str(i).encode()).digest() * (20 + i % 50)  # 640 B .. 2.2 KB


def _write_out(out: Path, n: int = 300) -> list[dict]:
    """OUT as the workers leave it for packing: loose outputs and a manifest in plan order
    (train/val, images and audio, a few skipped rows, non-UTF-8 names)."""
    rows = []
    for i in range(n):
        split = "train" if i % 4 else "val"
        ext = "wav" if i % 5 == 0 else "png"
        name = f"{NON_UTF8} {i}" if i % 7 == 0 else f"x.y {i}"  # dots in names too
        row = {"id": f"{i:012x}", "source": f"c{i % 3}/{name}.{ext}", "class": f"c{i % 3}",
               "split": split, "kind": "audio" if ext == "wav" else "image", "variant": 0,
               "seed": {"entropy": 1, "spawn_key": [i, 0]}, "record": {"name": "x"},
               "status": "ok", "output": f"{split}/c{i % 3}/{name}__v000.{ext}"}
        if i % 29 == 3:
            row.update(status="skipped", output=None, reason={"code": "damaged", "message": "x"})
        else:
            (out / row["output"]).parent.mkdir(parents=True, exist_ok=True)
            (out / row["output"]).write_bytes(_media(i))
        rows.append(row)
    M.write_final(out, rows)
    return rows


def _members(path: Path) -> list[tuple[tarfile.TarInfo, bytes]]:
    with tarfile.open(path) as tar:
        return [(info, tar.extractfile(info).read()) for info in tar]


def test_every_ok_row_becomes_one_sample_in_plan_order_with_its_bytes_and_labels(tmp_path):
    out = tmp_path / "out"
    rows = _write_out(out)
    shards = pack(out, max_bytes=64 * 1024)
    final = M.read_manifest(out)
    assert [r["id"] for r in final] == [r["id"] for r in rows]  # plan order, skipped kept
    by_split: dict[str, list[str]] = {}
    for before, after in zip(rows, final):
        if before["status"] != "ok":
            assert {k: v for k, v in after.items() if k != "name_bytes_escaped"} == before
            continue
        ext = before["output"].rsplit(".", 1)[1]
        assert after["planned_output"] == before["output"]
        assert after["member"] == f"{before['id']}.{ext}"
        assert after["output"] in shards and after["output"].startswith(f"{before['split']}/")
        by_split.setdefault(before["split"], []).append(after["output"])
    assert shards == set(by_split["train"]) | set(by_split["val"])
    for split, names in by_split.items():  # shards are numbered in plan order
        assert names == sorted(names)
        assert names[0] == shard_name(split, 0)
    assert len(set(by_split["train"])) > 2  # the size limit split them

    samples = {}
    for shard in sorted(shards):
        members = _members(out / shard)
        assert sum(512 + -(-len(d) // 512) * 512 for _, d in members) <= 64 * 1024
        for info, data in members:
            assert (info.mtime, info.uid, info.gid, info.mode) == (0, 0, 0, 0o644)
            key, ext = info.name.split(".")
            samples.setdefault(key, {})[ext] = data
    ok = [r for r in rows if r["status"] == "ok"]
    assert len(samples) == len(ok)
    for i, row in ((int(r["id"], 16), r) for r in ok):
        sample = samples[row["id"]]
        assert sample[row["output"].rsplit(".", 1)[1]] == _media(i)
        meta = json.loads(sample["json"])
        assert meta["class"] == row["class"] and meta["split"] == row["split"]
        assert meta["source"] == row["source"] and meta["seed"] == row["seed"]
        assert meta["name"] == row["output"].rsplit("/", 1)[1]  # non-UTF-8 names kept
    labels = (out / M.LABELS).read_bytes().decode("utf-8", "surrogateescape").splitlines()
    assert len(labels) == 1 + len(ok)
    assert all(line.split(",")[0].endswith(".tar") for line in labels[1:])


def test_the_same_plan_gives_the_same_shard_bytes(tmp_path):
    digests = []
    for name in ("a", "b"):
        out = tmp_path / name
        _write_out(out, 120)
        shards = pack(out, max_bytes=32 * 1024)
        digests.append({s: hashlib.sha256((out / s).read_bytes()).hexdigest() for s in shards})
    assert digests[0] == digests[1]


def test_a_rerun_packs_from_the_previous_shards_to_the_same_bytes(tmp_path):
    out = tmp_path / "out"
    _write_out(out, 150)
    shards = pack(out, max_bytes=48 * 1024)
    first = {s: (out / s).read_bytes() for s in shards}
    manifest = (out / M.MANIFEST).read_bytes()
    for row in M.read_manifest(out):  # the sink removes the loose files after packing
        if row.get("planned_output"):
            (out / row["planned_output"]).unlink()
    assert pack(out, max_bytes=48 * 1024) == shards
    assert {s: (out / s).read_bytes() for s in shards} == first
    assert (out / M.MANIFEST).read_bytes() == manifest
    assert not list(out.rglob(".mediasynth-tmp-*"))


def test_a_sample_larger_than_the_limit_gets_a_shard_of_its_own(tmp_path):
    out = tmp_path / "out"
    rows = []
    for i, size in enumerate((100, 5000, 100, 100)):
        rel = f"train/a/{i}.bin"
        (out / "train" / "a").mkdir(parents=True, exist_ok=True)
        (out / rel).write_bytes(b"z" * size)
        rows.append({"id": f"{i:012x}", "status": "ok", "output": rel, "split": "train",
                     "class": "a", "variant": 0, "source": f"a/{i}"})
    M.write_final(out, rows)
    pack(out, max_bytes=4200)  # 2 KB per small sample (two 1 KB members)
    shards = [r["output"] for r in M.read_manifest(out)]
    assert shards == ["train/shard-000000.tar", "train/shard-000001.tar",
                      "train/shard-000002.tar", "train/shard-000002.tar"]


def test_unsplit_outputs_go_to_shards_at_the_top_of_out(tmp_path):
    out = tmp_path / "out"
    (out / "a").mkdir(parents=True)
    (out / "a" / "1.png").write_bytes(b"png")
    M.write_final(out, [{"id": "0" * 12, "status": "ok", "output": "a/1.png", "split": None,
                         "class": "a", "variant": 0, "source": "a/1.png"}])
    assert pack(out, 1 << 20) == {"shard-000000.tar"} == {shard_name(None, 0)}
    assert [(i.name, d) for i, d in _members(out / "shard-000000.tar")][0] == \
        ("000000000000.png", b"png")


def test_member_digests_reads_a_shard_and_is_empty_for_a_damaged_one(tmp_path):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name, data in (("k1.png", b"abc"), ("k1.json", b"{}")):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    (tmp_path / "s.tar").write_bytes(buf.getvalue())
    assert member_digests(tmp_path, "s.tar") == {
        "k1.png": hashlib.sha256(b"abc").hexdigest(), "k1.json": hashlib.sha256(b"{}").hexdigest()}
    (tmp_path / "bad.tar").write_bytes(b"not a tar" * 100)
    assert member_digests(tmp_path, "bad.tar") == {}
    assert member_digests(tmp_path, "missing.tar") == {}
