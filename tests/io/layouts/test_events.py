"""Sound-event tables (DCASE style): detection, reading, export, and synth tones -> expand
with every event's edges measured in the decoded outputs."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from mediasynth.cli import main
from mediasynth.core.errors import ConfigError
from mediasynth.io.layouts import detect, get
from tests.audio.event_edges import edge_errors_s
from tests.io.layouts.helpers import expand, pipeline_file, rows

SR = 16000
DCASE_HEADER = "filename\tonset\toffset\tevent_label\n"


def write_burst(path: Path, spans, seconds: float = 1.0, freq_hz: float = 440.0) -> None:
    """A WAV that is silent except for a tone during each (onset_s, offset_s)."""
    t = np.arange(int(seconds * SR)) / SR
    on = np.zeros_like(t, dtype=bool)
    for a, b in spans:
        on |= (t >= a) & (t < b)
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(path, np.where(on, 0.5 * np.sin(2 * np.pi * freq_hz * t), 0.0), SR)


def dcase_tree(root: Path) -> Path:
    """audio/<subset>/*.wav + metadata/<subset>.tsv, as DCASE 2019+ task 4 lays it out."""
    src = root / "dcase"
    write_burst(src / "audio" / "train" / "a.wav", [(0.1, 0.3), (0.5, 0.8)])
    write_burst(src / "audio" / "train" / "b.wav", [(0.2, 0.6)])
    write_burst(src / "audio" / "train" / "quiet.wav", [])
    write_burst(src / "audio" / "eval" / "c.wav", [(0.4, 0.9)])
    (src / "metadata").mkdir()
    (src / "metadata" / "train.tsv").write_text(
        DCASE_HEADER + "a.wav\t0.1\t0.3\tdog\na.wav\t0.5\t0.8\tbird\nb.wav\t0.2\t0.6\tdog\n"
        "quiet.wav\t\t\t\ngone.wav\t0.1\t0.2\tdog\n")
    (src / "metadata" / "eval.tsv").write_text(DCASE_HEADER + "c.wav\t0.4\t0.9\tcar\n")
    (src / "metadata" / "weak.tsv").write_text("filename\tevent_labels\na.wav\tdog,bird\n")
    return src


def read_tsv(path: Path) -> list[dict]:
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def test_a_dcase_tree_is_detected_and_read(tmp_path):
    src = dcase_tree(tmp_path)
    assert detect(src) == "events"
    layout = get("events")
    assert layout.detect(src) == ["metadata/eval.tsv", "metadata/train.tsv"]
    read = layout.read(src)
    assert set(read.items) == {"audio/train/a.wav", "audio/train/b.wav",
                               "audio/train/quiet.wav", "audio/eval/c.wav"}
    a = read.items["audio/train/a.wav"]
    assert a["annotation"] == {"duration_s": None, "events": [
        {"label": "dog", "onset_s": 0.1, "offset_s": 0.3},
        {"label": "bird", "onset_s": 0.5, "offset_s": 0.8}]}
    assert a["label"] == "bird"  # one file holds bird, two hold dog
    assert (a["name"], a["subset"]) == ("a.wav", "train")
    assert read.items["audio/train/quiet.wav"]["annotation"]["events"] == []
    assert read.items["audio/train/quiet.wav"]["label"] is None
    assert read.missing == ["gone.wav"]
    assert read.consumed == {"metadata/train.tsv", "metadata/eval.tsv"}


@pytest.mark.parametrize(("header", "sep"), [("file,onset,offset,label", ","),
                                             ("audio;onset_s;offset_s;class", ";"),
                                             ("path\tonset\toffset\tevent_label", "\t")])
def test_a_table_at_the_top_with_other_column_names(tmp_path, header, sep):
    write_burst(tmp_path / "clips" / "x.wav", [(0.2, 0.4)])
    (tmp_path / "events.csv").write_text(f"{header}\n" + sep.join(
        ["clips/x.wav", "0.2", "0.4", "siren"]) + "\n")
    read = get("events").read(tmp_path)
    assert read.items["clips/x.wav"]["annotation"]["events"] == [
        {"label": "siren", "onset_s": 0.2, "offset_s": 0.4}]


def test_a_bad_time_names_its_row(tmp_path):
    write_burst(tmp_path / "x.wav", [])
    (tmp_path / "events.tsv").write_text(DCASE_HEADER + "x.wav\t0.5\t0.2\tdog\n")
    with pytest.raises(ConfigError, match=r"events.tsv:2: an event needs 0 <= onset <= offset"):
        get("events").read(tmp_path)


def test_tables_without_onset_and_offset_are_not_event_tables(tmp_path):
    write_burst(tmp_path / "x.wav", [])
    (tmp_path / "labels.csv").write_text("path,label\nx.wav,dog\n")
    (tmp_path / "metadata").mkdir()
    (tmp_path / "metadata" / "weak.tsv").write_text("filename\tevent_labels\nx.wav\tdog\n")
    assert get("events").detect(tmp_path) == []


def test_expand_writes_dcase_tables_per_split_and_reads_them_back(tmp_path):
    src = dcase_tree(tmp_path)
    identity = pipeline_file(tmp_path, "audio: [{type: audio.gain, p: 0.0}]\n")
    out = tmp_path / "out"
    assert expand(src, out, identity, "-n", "1") == 0
    table = read_tsv(out / "metadata" / "train.tsv")  # the declared subsets are kept
    assert table[0] == {"filename": "a__v000.wav", "onset": "0.1", "offset": "0.3",
                        "event_label": "dog"}
    assert {"filename": "quiet__v000.wav", "onset": "", "offset": "", "event_label": ""} in table
    assert len(table) == 4
    held_out = read_tsv(out / "metadata" / "test.tsv")  # DCASE's eval table is a test set
    assert [r["filename"] for r in held_out] == ["c__orig.wav"]
    assert all((out / "audio" / "train" / r["filename"]).is_file() for r in table)
    assert {r.get("dropped_objects", 0) for r in rows(out) if r["status"] == "ok"} == {0}
    again = tmp_path / "again"
    assert expand(out, again, identity, "-n", "1") == 0
    assert [(r["onset"], r["offset"], r["event_label"]) for r in
            read_tsv(again / "metadata" / "train.tsv")] == [
        (r["onset"], r["offset"], r["event_label"]) for r in table]


def synth_tones(tmp_path: Path) -> Path:
    """20 tones with sharp edges and silence around them, as `synth tones` writes them."""
    src = tmp_path / "tones"
    assert main(["synth", "tones", str(src), "--count", "20", "--split", "0.8,0.2", "-q",
                 "--no-report", "--set", "signals=[sine, square, sawtooth, triangle]",
                 "--set", "envelope=false", "--set", "silence_fraction_range=[0.3, 0.6]"]) == 0
    return src


RETIMING_PIPELINES = {
    "shift+stretch+speed": """audio:
  - {type: audio.shift, shift_fraction_range: [-0.5, 0.5]}
  - {type: audio.time_stretch, rate_range: [0.8, 1.25]}
  - {type: audio.speed, factor_range: [0.8, 1.25]}
""",
    "crop+pad+reverse": """audio:
  - {type: audio.crop, duration_s: 0.7}
  - {type: audio.pad, duration_s: 1.2, position: random}
  - {type: audio.reverse}
""",
    "trim+pitch+shift": """audio:
  - {type: audio.trim, margin_s: 0.05}
  - {type: audio.pitch_shift, semitones_range: [-3, 3]}
  - {type: audio.shift, rollover: false, shift_fraction_range: [-0.3, 0.3]}
""",
}


@pytest.mark.parametrize("name", list(RETIMING_PIPELINES))
def test_synth_tones_expanded_keep_every_event_edge_within_5_ms(tmp_path, name):
    src = synth_tones(tmp_path)
    assert detect(src) == "events"
    out = tmp_path / "out"
    pipeline = pipeline_file(tmp_path, RETIMING_PIPELINES[name])
    assert expand(src, out, pipeline, "-n", "2", "--split", "0.8,0.2") == 0
    errors = []
    for split in ("train", "val"):
        table = read_tsv(out / "metadata" / f"{split}.tsv")
        by_file: dict[str, list[dict]] = {}
        for r in table:
            by_file.setdefault(r["filename"], []).extend(
                [{"onset_s": float(r["onset"]), "offset_s": float(r["offset"])}]
                if r["onset"] else [])
        for filename, file_events in by_file.items():
            samples, sr = sf.read(out / "audio" / split / filename, dtype="float32",
                                  always_2d=True)
            errors += [(filename, *e) for e in edge_errors_s(samples.T, sr, file_events)]
    rendered = [r for r in rows(out) if r["variant"] is not None and r["variant"] >= 0]
    assert len(rendered) >= 24 and len(errors) >= 40
    worst = max(errors, key=lambda e: e[-1])
    assert worst[-1] < 0.005, f"{name}: {worst}"
