"""Library versions in every manifest row, albumentations among them: bridged steps replay
bit-exactly only on the albumentations version that wrote the output."""

from __future__ import annotations

from importlib import metadata

from mediasynth.core import registry
from mediasynth.engine import manifest as M
from mediasynth.engine.synth_runner import run_synth
from mediasynth.engine.versions import versions


def test_versions_name_the_libraries_outputs_depend_on():
    found = versions()
    for key in ("mediasynth", "numpy", "opencv", "soundfile", "scipy"):
        assert key in found
    assert found["albumentations"] == metadata.version("albumentations")


def test_rows_record_the_albumentations_version(tmp_path):
    generator = registry.build({"type": "synth.shapes", "width": 32, "height": 32})
    rows = run_synth(generator, tmp_path / "out", count=2, workers=1).rows
    written = M.read_manifest(tmp_path / "out")
    assert {r["versions"]["albumentations"] for r in rows + written} == {
        metadata.version("albumentations")}
