"""`balance: synthesize` (SMOTE for media): minority classes get new outputs made from a
source and one of its nearest same-class neighbours, interpolated, then augmented."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from mediasynth.cli import main
from tests.engine.helpers import make_tree

PIPELINE = """image: [{type: image.flip_horizontal, p: 0.5}, {type: image.brightness_contrast}]
audio: [{type: audio.gain, gain_db_range: [-6, 0]}]
dataset:
  balance: {strategy: synthesize, k_neighbors: 3}
  split: {train: 0.8, val: 0.2}
"""


def _rows(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "manifest.jsonl").read_text().splitlines()]


@pytest.fixture(scope="module")
def expanded(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("synth")
    src = make_tree(tmp / "src", images=(("circle", 40), ("square", 10), ("triangle", 4)),
                    tones=(("sine", 30), ("chirp", 6)), size=40)
    pipeline = tmp / "p.yaml"
    pipeline.write_text(PIPELINE)
    out = tmp / "out"
    assert main(["expand", str(src), str(out), "-p", str(pipeline), "-n", "2", "-q",
                 "--no-report"]) == 0
    return src, out, pipeline, _rows(out)


def test_train_counts_are_equal_per_kind(expanded):
    _, _, _, rows = expanded
    train = Counter((r["kind"], r["class"]) for r in rows if r["split"] == "train")
    images = {c: n for (k, c), n in train.items() if k == "image"}
    audio = {c: n for (k, c), n in train.items() if k == "audio"}
    assert len(set(images.values())) == 1, images
    assert len(set(audio.values())) == 1, audio


def test_synthesized_rows_name_train_partners_of_their_class_among_the_nearest(expanded):
    from sklearn.neighbors import NearestNeighbors

    from mediasynth.core.config import Budgets
    from mediasynth.engine.handlers import handler_for

    src, _, _, rows = expanded
    split_of = {r["source"]: r["split"] for r in rows}
    mixed = [r for r in rows if r.get("mix")]
    assert mixed and all(r["split"] == "train" for r in mixed)
    embeddings: dict[str, np.ndarray] = {}

    def embed(rel):
        if rel not in embeddings:
            f = next(r for r in rows if r["source"] == rel)
            handler = handler_for(f["kind"])
            embeddings[rel] = handler.embed(handler.load(src / rel, Budgets()))
        return embeddings[rel]

    for r in mixed:
        assert len(r["sources"]) >= 2 and r["sources"][0]["path"] == r["source"]
        partner = r["mix"]["partners"][0]
        assert split_of[partner] == "train" and partner.split("/")[0] == r["class"]
        assert 0.0 <= r["mix"]["lambda"] <= 1.0
        peers = sorted(s for s, sp in split_of.items() if sp == "train"
                       and s.split("/")[0] == r["class"] and s != r["source"])
        matrix = np.stack([embed(p) for p in peers])
        model = NearestNeighbors(n_neighbors=min(3, len(peers))).fit(matrix)
        _, index = model.kneighbors(embed(r["source"])[None])
        assert partner in {peers[i] for i in index[0]}


def test_no_two_outputs_are_byte_identical_and_mixed_rows_replay(expanded, tmp_path):
    _, out, _, rows = expanded
    hashes = [r["output_sha256"] for r in rows if r["status"] == "ok" and r["variant"] >= 0]
    assert len(hashes) == len(set(hashes))
    dest = tmp_path / "replayed"
    dest.mkdir()
    for r in [r for r in rows if r.get("mix")][:20]:
        assert main(["replay", str(out), r["id"], str(dest)]) == 0


def test_interpolation_before_the_chain_is_exact(tmp_path):
    from mediasynth.core.media import Image
    from mediasynth.image.mixing import interpolate

    a = Image(np.random.default_rng(0).integers(0, 255, (20, 30, 3), dtype=np.uint8))
    b = Image(np.random.default_rng(1).integers(0, 255, (20, 30, 3), dtype=np.uint8))
    mixed = interpolate(a, b, 0.3).pixels.astype(np.float64)
    assert np.abs(mixed - (0.3 * a.pixels + 0.7 * b.pixels)).max() <= 0.5 + 1e-4  # rounding


def test_one_and_two_workers_give_the_same_out(expanded, tmp_path):
    src, out, pipeline, _ = expanded
    other = tmp_path / "w1"
    assert main(["expand", str(src), str(other), "-p", str(pipeline), "-n", "2", "-q",
                 "--no-report", "--workers", "1"]) == 0
    assert (other / "manifest.jsonl").read_bytes() == (out / "manifest.jsonl").read_bytes()


def test_dask_gives_the_same_out(expanded, tmp_path):
    pytest.importorskip("distributed")
    src, out, pipeline, _ = expanded
    other = tmp_path / "dask"
    assert main(["expand", str(src), str(other), "-p", str(pipeline), "-n", "2", "-q",
                 "--no-report", "--executor", "dask", "--workers", "2"]) == 0
    assert (other / "manifest.jsonl").read_bytes() == (out / "manifest.jsonl").read_bytes()
