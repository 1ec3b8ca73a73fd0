"""A new modality is one package: tests/toy_modality (integer sequences in `.seq` files, one
transform) registers itself on import, and `expand`, `validate`, `replay`, the report and
the data loader handle it with no edit anywhere else."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from mediasynth.cli import main
from mediasynth.core import modality, registry
from tests.engine.helpers import tree_digest

PIPELINE = """version: 1
seed: 3
variants: 2
toyseq:
  - {type: toy.shift, offset_range: [10, 20]}
"""


@pytest.fixture
def toy():
    import tests.toy_modality as toy

    toy.register()
    yield toy
    modality._MODALITIES.pop("toyseq", None)
    modality._HANDLERS.pop("toyseq", None)
    registry._REGISTRY.pop("toy.shift", None)


def _source(root: Path) -> Path:
    for cls, n in (("up", 3), ("down", 2)):
        (root / cls).mkdir(parents=True)
        for i in range(n):
            values = range(i, i + 5) if cls == "up" else range(i + 5, i, -1)
            (root / cls / f"s{i}.seq").write_bytes(b"TOYSEQ1\n" + "".join(
                f"{v}\n" for v in values).encode())
    (root / "up" / "fake.seq").write_bytes(b"not a sequence")
    return root


def _values(path: Path) -> list[int]:
    return [int(v) for v in path.read_bytes().split(b"\n", 1)[1].split()]


def test_a_plugin_modality_expands_validates_replays_reports_and_loads(toy, tmp_path):
    src, out = _source(tmp_path / "src"), tmp_path / "out"
    pipeline = tmp_path / "toy.yaml"
    pipeline.write_text(PIPELINE)
    command = ["expand", str(src), str(out), "-p", str(pipeline), "-q", "--workers", "2"]
    assert main(command) == 3  # done, with a reason row for the file that is no sequence
    rows = [json.loads(line) for line in (out / "manifest.jsonl").read_text().splitlines()]
    done = [r for r in rows if r["status"] == "ok"]
    assert len(done) == 10 and {r["kind"] for r in done} == {"toyseq"}
    for r in done:
        offset = r["record"]["children"][0]["params"]["offset"]
        assert 10 <= offset <= 20
        assert _values(out / r["output"]) == [v + offset for v in _values(src / r["source"])]
        assert r["source_stats"]["length"] == 5
    fake = next(r for r in rows if r["source"] == "up/fake.seq")
    assert fake["status"] != "ok" and "toyseq" in fake["reason"]["message"]

    report = (out / "report.html").read_text()
    assert "Toyseq samples" in report and "<th>length</th>" in report
    bars = sorted((out / "report_assets").glob("*-bars.png"))  # the modality's own tiles
    assert len(bars) >= 3 and report.count("-bars.png' alt='5 values'") == len(bars)

    first = done[0]
    assert main(["replay", str(out), first["id"], str(tmp_path / "again.seq")]) == 0
    assert (tmp_path / "again.seq").read_bytes() == (out / first["output"]).read_bytes()

    before = tree_digest(out)
    assert main(command) == 3
    assert tree_digest(out) == before

    from mediasynth.loaders import MediaDataset

    dataset = MediaDataset(out)
    sample = dataset[0]
    assert sample["class"] in ("up", "down") and isinstance(sample["values"], np.ndarray)


def test_a_plugin_modality_is_a_pipeline_key_and_a_cli_kind(toy, tmp_path, capsys):
    pipeline = tmp_path / "toy.yaml"
    pipeline.write_text(PIPELINE)
    assert main(["validate", str(pipeline)]) == 0
    assert "toyseq: 1 steps" in capsys.readouterr().out
    assert main(["list", "--kind", "toyseq"]) == 0
    assert "toy.shift" in capsys.readouterr().out
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\ntoyseq:\n  - {type: image.flip_horizontal}\n")
    assert main(["validate", str(bad)]) == 2
    assert "works on image media, not toyseq" in capsys.readouterr().err


def test_a_report_of_a_kind_no_modality_here_knows_links_its_files(toy, tmp_path):
    from mediasynth.report.html import write_report

    src, out = _source(tmp_path / "src"), tmp_path / "out"
    pipeline = tmp_path / "toy.yaml"
    pipeline.write_text(PIPELINE)
    assert main(["expand", str(src), str(out), "-p", str(pipeline), "-q", "--no-report"]) == 3
    modality._MODALITIES.pop("toyseq", None)
    modality._HANDLERS.pop("toyseq", None)
    page = write_report(out).read_text()
    assert "cannot show" not in page and page.count(".seq'>") >= 3
    assert "-bars.png" not in page
