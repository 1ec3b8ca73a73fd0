"""The source index of a soundscape's folders: class folders or an event table (events cut
out), partitioned by file across splits the same way in every process."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from mediasynth.core.errors import ConfigError
from mediasynth.synth import soundscape_assets as A
from tests.synth.soundscape_material import make_event_table_foreground, make_foreground

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def fg(tmp_path_factory):
    root = make_foreground(tmp_path_factory.mktemp("fg") / "fg", per_label=40)
    (root / "bark" / ".hidden.wav").write_bytes((root / "bark" / "bark_00.wav").read_bytes())
    (root / "bark" / "readme.txt").write_text("not audio")
    (root / "bark" / "broken.wav").write_bytes(b"RIFF0000WAVE")
    return root


def test_class_folders_index_every_decodable_audio_file_with_its_label(fg):
    sources = A.index_sources(str(fg))
    assert len(sources) == 5 * 40
    assert {s.label for s in sources} == {"bark", "knock", "bird", "clink", "cough"}
    assert all(s.start_s == 0.0 and s.duration_s > 0.3 for s in sources)
    assert any("été" in s.path for s in sources)  # non-ASCII names kept
    assert any("\udce9" in s.path for s in sources)  # and names that are not UTF-8
    assert not any(Path(s.path).name in (".hidden.wav", "broken.wav") for s in sources)


def test_split_partition_is_by_file_disjoint_complete_and_stratified(fg):
    shares = {"train": 0.7, "val": 0.15, "test": 0.15}
    parts = {s: A.split_sources(str(fg), s, shares, 7) for s in shares}
    keys = [{x.path for x in p} for p in parts.values()]
    assert sum(len(k) for k in keys) == 200 and len(set().union(*keys)) == 200
    for split, share in shares.items():
        for label in ("bark", "bird"):  # each class spread by its share (within one)
            n = sum(1 for x in parts[split] if x.label == label)
            assert abs(n - 40 * share) <= 1
    other_seed = A.split_sources(str(fg), "val", shares, 8)
    assert {x.path for x in other_seed} != keys[1]


def test_the_partition_is_the_same_in_a_fresh_process(fg):
    shares = {"train": 0.8, "test": 0.2}
    here = sorted(x.path for x in A.split_sources(str(fg), "test", shares, 3))
    code = ("import json, sys; from mediasynth.synth import soundscape_assets as A; "
            f"print(json.dumps(sorted(x.path for x in A.split_sources({str(fg)!r}, 'test', "
            f"{shares!r}, 3))))")
    got = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=ROOT, env={"PYTHONPATH": str(ROOT),
                                                    "PYTHONHASHSEED": "123"}).stdout
    import json

    assert json.loads(got) == here


def test_an_event_table_layout_gives_its_events_cut_out_and_splits_by_file(tmp_path):
    root = make_event_table_foreground(tmp_path / "annotated", files=10)
    sources = A.index_sources(str(root))
    assert len(sources) == 30 and len({s.path for s in sources}) == 10
    assert all(s.start_s >= 0.5 - 1e-6 and s.duration_s > 0.1 for s in sources)
    data, rate = sf.read(str(root / sources[0].path))
    inside = data[int(sources[0].start_s * rate):int(sources[0].end_s * rate)]
    assert np.abs(inside).max() > 100 * np.abs(data[:int(0.4 * rate)]).max()
    split_of = A.file_splits(str(root), (("test", 0.3), ("train", 0.7)), 0)
    assert set(split_of) == {s.path for s in sources}
    train = A.split_sources(str(root), "train", {"train": 0.7, "test": 0.3}, 0)
    assert all(split_of[s.path] == "train" for s in train) and len(train) == 21


def test_a_folder_without_audio_is_a_config_error(tmp_path):
    (tmp_path / "wind").mkdir()
    (tmp_path / "wind" / "a.txt").write_text("x")
    with pytest.raises(ConfigError, match="holds no audio"):
        A.index_sources(str(tmp_path))


def test_a_background_excerpt_loops_and_an_event_excerpt_pads(tmp_path):
    path = tmp_path / "x.wav"
    sf.write(str(path), np.arange(1, 101, dtype=np.float32) / 200, 1000)
    looped = A.excerpt(str(path), 1000, 0.05, 0.2, loop=True)
    assert looped.size == 200 and looped[50] == pytest.approx(1 / 200, abs=1e-4)  # 16-bit
    padded = A.excerpt(str(path), 1000, 0.05, 0.2)
    assert padded.size == 200 and not padded[60:].any()
