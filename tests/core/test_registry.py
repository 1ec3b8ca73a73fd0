"""The name registry (core/registry.py): renamed transforms still load from pipelines."""

from __future__ import annotations

import pytest

from mediasynth.core import registry
from mediasynth.core.config import load_pipeline
from mediasynth.core.errors import ConfigError

OLD = """version: 1
audio:
  - type: audio.background_noise
    noise_dir: {folder}
    snr_db_range: [5, 20]
"""


def test_background_noise_builds_the_split_aware_background(tmp_path):
    step = registry.build({"type": "audio.background_noise", "noise_dir": "noise",
                           "snr_db_range": [5, 20]})
    assert step.name == "audio.background"
    assert step.folder == "noise" and tuple(step.snr_db_range) == (5, 20)
    assert "audio.background_noise" not in registry.names("audio")


def test_a_pipeline_with_the_old_name_loads_and_errors_keep_their_lines(tmp_path):
    path = tmp_path / "old.yaml"
    path.write_text(OLD.format(folder="noise"))
    pipeline = load_pipeline(path)
    assert pipeline.chain("audio").steps[0].name == "audio.background"
    path.write_text(OLD.format(folder="noise") + "    gain_db: 3\n")
    with pytest.raises(ConfigError, match="audio.background: unknown parameter 'gain_db'") \
            as info:
        load_pipeline(path)
    assert info.value.line == 6
