"""Command-line habits: `list` with parameters and docs, bundled pipeline names wherever a
path goes, `expand --help` with defaults and exit codes."""

from __future__ import annotations

import numpy as np
import pytest

from mediasynth.cli import main
from mediasynth.core.config import PIPELINES_DIR, load_pipeline


def _lines_after(text: str, name: str) -> list[str]:
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.split(" ")[0] == name)
    return lines[start:start + 3]


def test_list_shows_every_transforms_parameters(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    rotate = " ".join(_lines_after(out, "image.rotate"))
    assert "Rotate about the centre" in rotate and "angle_deg_range=[-15.0, 15.0]" in rotate
    assert "p=1.0" in rotate
    assert "steps=(required)" in " ".join(_lines_after(out, "one_of"))
    assert "albumentations.<Name>" in out


def test_list_name_prints_its_doc_and_parameters(capsys):
    assert main(["list", "image.rotate"]) == 0
    out = capsys.readouterr().out
    assert "Fields:" in out and "crop_to_fit:" in out
    assert "  angle_deg_range = [-15.0, 15.0]" in out
    assert main(["list", "image.rotat"]) == 2
    assert "did you mean 'image.rotate'" in capsys.readouterr().err


def test_list_name_of_an_albumentations_transform(capsys):
    pytest.importorskip("albumentations")
    assert main(["list", "albumentations.CLAHE"]) == 0
    out = capsys.readouterr().out
    assert "Contrast Limited Adaptive Histogram Equalization" in out
    assert "  clip_limit = 4.0" in out and "  p = 0.5" in out


@pytest.mark.parametrize("name", ["default", "image_classification", "speech.yaml"])
def test_validate_takes_bundled_names(capsys, name):
    assert main(["validate", name]) == 0
    assert f"{name}: OK" in capsys.readouterr().out


def test_validate_names_the_bundled_pipelines_for_an_unknown_name(capsys):
    assert main(["validate", "no_such_pipeline"]) == 2
    assert "image_classification" in capsys.readouterr().err


def test_validate_an_albumentations_save_file(tmp_path, capsys):
    A = pytest.importorskip("albumentations")
    saved = tmp_path / "saved.json"
    A.save(A.Compose([A.CLAHE(p=1.0), A.HorizontalFlip(p=0.5)]), str(saved))
    assert main(["validate", str(saved)]) == 0
    assert "image: 2 steps, audio: 4 steps" in capsys.readouterr().out


def test_dataset_takes_a_bundled_pipeline_name(tmp_path):
    from PIL import Image as PILImage

    from mediasynth.loaders import MediaDataset

    (tmp_path / "cat").mkdir()
    pixels = np.random.default_rng(0).integers(0, 256, (32, 48, 3), dtype=np.uint8)
    PILImage.fromarray(pixels).save(tmp_path / "cat" / "a.png")
    ds = MediaDataset(tmp_path, "image_classification")
    assert ds.pipeline == load_pipeline(PIPELINES_DIR / "image_classification.yaml")
    assert ds[0]["image"].shape[2] == 3 and ds[0]["class"] == "cat"


def test_expand_help_shows_defaults_and_exit_codes(capsys):
    with pytest.raises(SystemExit) as info:
        main(["expand", "--help"])
    assert info.value.code == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "(default: local)" in out  # --executor, from the argparse default
    assert "(default: the pipeline's)" in out  # -n, from the pipeline
    assert "albumentations.save" in out
    assert "exit codes: 0 all done 1 fatal error" in out and "3 finished, but some" in out
    assert "(default: None)" not in out

