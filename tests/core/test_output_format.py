"""Output formats are one module plus registration (core/output_format.py): a toy `zip`
format registered by tests/toy_output_format runs `expand` end to end (CLI choice, config
check, packing, resume, dataset card, report) with no edit anywhere else."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

import pytest

from mediasynth.cli import main
from mediasynth.core import output_format
from mediasynth.core.config import pipeline_from_config
from mediasynth.core.errors import ConfigError
from tests.engine.helpers import make_tree, tree_digest


@pytest.fixture
def toy_zip():
    import tests.toy_output_format as toy

    toy.register()
    yield toy
    toy.unregister()


def _rows(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "manifest.jsonl").read_text().splitlines()]


def test_the_built_in_formats_are_registered_and_an_unknown_one_is_named():
    assert output_format.names()[:2] == ("folder", "webdataset")
    with pytest.raises(KeyError, match="no output format 'parquet'.*folder, webdataset"):
        output_format.get("parquet")


def test_a_format_missing_part_of_the_contract_is_refused_naming_what_it_lacks():
    class Half:
        name, summary, loose = "half", "half a format", True

        def holds(self, row):
            return False

    with pytest.raises(TypeError, match=r"output format 'half'.*card_files\(\), finish\(\), "
                                        r"output_bytes\(\), plan_warnings\(\), stored_sha256"):
        output_format.register_output_format(Half())
    assert "half" not in output_format.names()


def test_a_second_format_under_a_taken_name_is_refused(toy_zip):
    class Other(toy_zip.ZipFormat):
        pass

    with pytest.raises(ValueError, match="'zip' is already registered"):
        output_format.register_output_format(Other())


def test_rows_are_told_apart_by_the_format_that_holds_them(toy_zip):
    assert output_format.of_row({"output": "a/b.png"}).name == "folder"
    assert output_format.of_row({"output": "train/shard-000000.tar",
                                 "member": "x.png"}).name == "webdataset"
    assert output_format.of_row({"output": "train.zip", "member": "x.png"}).name == "zip"


def test_the_config_accepts_a_registered_format_only(toy_zip):
    config = {"version": 1, "output": {"format": "zip"}}
    assert pipeline_from_config(config).output.format == "zip"
    toy_zip.unregister()
    with pytest.raises(ConfigError, match="output.format must be one of folder, webdataset"):
        pipeline_from_config(config)
    toy_zip.register()


def test_a_toy_format_expands_resumes_and_reports_end_to_end(toy_zip, tmp_path):
    src = make_tree(tmp_path / "src", images=(("circle", 24), ("square", 12)),
                    tones=(("sine", 8),))
    (src / "square").rename(src / "carré")  # a non-ASCII class name
    (src / "circle" / "bad.png").write_bytes(b"\x89PNG\r\n\x1a\n truncated")
    out = tmp_path / "out"
    command = ["expand", str(src), str(out), "-n", "2", "-q", "--format", "zip",
               "--workers", "2", "--split", "0.7,0.15,0.15"]
    assert main(command) == 3  # the damaged file is a reason row
    rows = _rows(out)
    ok = [r for r in rows if r["status"] == "ok"]
    assert len(ok) > 60 and [r for r in rows if r["status"] != "ok"]
    archives = {r["output"] for r in ok}
    assert archives == {"train.zip", "val.zip", "test.zip"}
    for archive in archives:
        with zipfile.ZipFile(out / archive) as zf:
            members = {i.filename: zf.read(i) for i in zf.infolist()}
        mine = [r for r in ok if r["output"] == archive]
        assert sorted(members) == sorted(r["member"] for r in mine)
        for r in mine:
            assert hashlib.sha256(members[r["member"]]).hexdigest() == r["output_sha256"]
    loose = [p for p in out.rglob("*") if p.suffix in (".png", ".jpg", ".wav")
             and "report_assets" not in p.parts and ".mediasynth" not in p.parts]
    assert loose == []  # the workers' loose files were packed, then removed as stale
    assert "train.zip" in (out / "README.md").read_text()  # the card names the archives
    shown = list((out / "report_assets" / "media").iterdir())
    assert shown and {p.name for p in shown} <= {r["member"] for r in ok}
    before = tree_digest(out)
    assert main(command) == 3  # resume: every member is found in its zip, nothing redone
    assert tree_digest(out) == before


def test_zip_bytes_do_not_depend_on_the_worker_count(toy_zip, tmp_path):
    src = make_tree(tmp_path / "src", images=(("circle", 10), ("square", 6)), tones=())
    digests = []
    for workers in (1, 2):
        out = tmp_path / f"out{workers}"
        assert main(["expand", str(src), str(out), "-n", "2", "-q", "--format", "zip",
                     "--no-report", "--workers", str(workers)]) == 0
        digests.append({k: v for k, v in tree_digest(out).items() if k.endswith(".zip")})
    assert digests[0] == digests[1] and digests[0]
