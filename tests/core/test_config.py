import subprocess
import sys
from pathlib import Path

import pytest

from mediasynth.cli import main
from mediasynth.core.config import load_pipeline, pipeline_from_config
from mediasynth.core.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]


def test_every_shipped_pipeline_validates():
    files = sorted((ROOT / "pipelines").glob("*.yaml"))
    assert files
    for path in files:
        assert main(["validate", str(path)]) == 0, path


def test_pipeline_round_trips_through_its_config():
    p = load_pipeline(ROOT / "pipelines" / "default.yaml")
    again = pipeline_from_config(p.to_config())
    assert again == p and again.sha256() == p.sha256()


@pytest.mark.parametrize("text,needle,line", [
    ("version: 1\nimage:\n  - {type: image.flip_horizontl}\n",
     "did you mean 'image.flip_horizontal'", 3),
    ("version: 1\nimage:\n  - type: image.rotate\n    angel_deg_range: [1, 2]\n",
     "unknown parameter 'angel_deg_range' (did you mean 'angle_deg_range'", 4),
    ("version: 1\nimgae: []\n", "unknown key 'imgae' in pipeline (did you mean 'image'", 2),
    ("version: 1\ndataset:\n  balanse: none\n", "did you mean 'balance'", 3),
    ("version: 9\n", "unsupported pipeline version 9", 1),
    ("version: 1\nimage:\n  - {type: image.rotate, angle_deg_range: [20, 10]}\n",
     "angle_deg_range must satisfy low <= high", 3),
    ("version: 1\nimage:\n  - {type: audio.gain}\n", "works on audio media, not image", 3),
    ("version: 1\nimage: [\n", "invalid YAML", None),
])
def test_bad_pipelines_are_refused_with_file_line_and_hint(tmp_path, capsys, text, needle, line):
    path = tmp_path / "p.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_pipeline(path)
    assert needle in str(info.value)
    assert str(path) in str(info.value)
    if line is not None:
        assert info.value.line == line
    assert main(["validate", str(path)]) == 2
    assert needle in capsys.readouterr().err


def test_nested_composites_load_from_yaml(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text(
        "version: 1\nimage:\n"
        "  - type: one_of\n    weights: [1, 3]\n    steps:\n"
        "      - {type: image.flip_horizontal}\n      - {type: image.rotate90}\n"
        "  - type: some_of\n    n_range: [1, 2]\n    steps:\n"
        "      - {type: image.rotate}\n      - {type: image.color_jitter}\n"
    )
    p = load_pipeline(path)
    assert [s.name for s in p.image.steps] == ["one_of", "some_of"]
    assert pipeline_from_config(p.to_config()) == p


def test_cli_help_imports_nothing_heavy():
    code = ("import sys, mediasynth.cli as c\n"
            "c.build_parser().format_help()\n"
            "heavy = [m for m in ('numpy', 'cv2', 'librosa', 'av', 'PIL', 'yaml') if m in sys.modules]\n"
            "print(','.join(heavy))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_cli_version_and_list(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert "mediasynth" in capsys.readouterr().out
    assert main(["list", "--kind", "audio"]) == 0
    listed = capsys.readouterr().out
    assert "audio.pitch_shift" in listed and "image.rotate" not in listed


def test_unknown_command_is_a_usage_error():
    with pytest.raises(SystemExit) as info:
        main(["frobnicate"])
    assert info.value.code == 2
