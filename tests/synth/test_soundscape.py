"""`synth soundscape` end to end, measured from what it wrote: events from one set of
recording-like clips (tests/synth/soundscape_material.py), backgrounds from another.

The table, the stems and the mix are checked against each other by measurement: onsets in
the stems, stems summing to the mix, polyphony, SNRs from the stems' loudness, the split by
source file, `expand` reading OUT as an event table, replay and worker-count identity."""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from mediasynth.cli import main
from mediasynth.core.errors import ConfigError
from mediasynth.synth.soundscape_mix import loudness_lufs
from tests.engine.helpers import tree_digest
from tests.synth.soundscape_material import make_background, make_foreground

pytestmark = pytest.mark.slow

SR = 44100
MAX_OVERLAP = 2
MAIN = ["--count", "60", "--split", "0.7,0.15,0.15", "--stems",
        "--set", f"max_overlap={MAX_OVERLAP}", "--set", "events_range=[2, 6]",
        "--set", "reverb=synthetic", "--set", "pitch_semitones=[uniform, -2, 2]",
        "--set", "stretch=[truncnorm, 1.0, 0.1, 0.85, 1.2]",
        "--set", "snr_db=[uniform, 0, 24]", "--set", "ref_db=[uniform, -45, -30]"]


@pytest.fixture(scope="module")
def material(tmp_path_factory):
    root = tmp_path_factory.mktemp("soundscape")
    return make_foreground(root / "fg"), make_background(root / "bg"), root


def _synth(material, out: Path, *extra: str) -> list[dict]:
    fg, bg, _ = material
    assert main(["synth", "soundscape", str(out), "--foreground", str(fg), "--background",
                 str(bg), "-q", "--no-report", *extra]) == 0
    return [json.loads(line) for line in (out / "manifest.jsonl").read_text().splitlines()]


@pytest.fixture(scope="module")
def main_run(material):
    out = material[2] / "main"
    return out, _synth(material, out, *MAIN, "--workers", "2")


def _read(path: Path) -> np.ndarray:
    data, rate = sf.read(str(path), dtype="float64", always_2d=True)
    assert rate == SR
    return data[:, 0]


def _audible(samples: np.ndarray) -> tuple[float, float]:
    """Measured extent: first and last sample above -40 dB of the peak (seconds)."""
    loud = np.flatnonzero(np.abs(samples) >= np.abs(samples).max() * 10 ** (-40 / 20))
    return loud[0] / SR, (loud[-1] + 1) / SR


def _table(out: Path) -> dict[str, list[tuple[float, float, str]]]:
    events = defaultdict(list)
    for table in sorted((out / "annotations").glob("*.tsv")):
        with open(table, newline="") as fh:
            reader = csv.DictReader(fh, delimiter="\t")
            assert reader.fieldnames == ["filename", "onset", "offset", "event_label"]
            for row in reader:
                if row["onset"]:
                    events[row["filename"]].append((float(row["onset"]), float(row["offset"]),
                                                    row["event_label"]))
    return events


def test_every_onset_measured_in_its_stem_matches_the_table(main_run):
    out, rows = main_run
    table = _table(out)
    checked = 0
    for row in rows:
        stems = [s for s in row["info"]["stems"] if s["label"] is not None]
        assert sorted((round(s["onset"], 6), s["label"]) for s in stems) == \
            sorted((round(o, 6), lb) for o, _, lb in table[row["output"]])
        for stem in stems:
            onset, offset = _audible(_read(out / stem["path"]))
            assert abs(onset - stem["onset"]) <= 0.005, (row["output"], stem)
            assert abs(offset - stem["offset"]) <= 0.005, (row["output"], stem)
            checked += 1
    assert checked >= 150  # 60 soundscapes of 2-6 events


def test_stems_and_background_add_up_to_the_mix_with_reverb(main_run):
    out, rows = main_run
    for row in rows:
        mix = _read(out / row["output"])
        total = sum(_read(out / s["path"]) for s in row["info"]["stems"])
        residual = np.sqrt(np.mean((mix - total) ** 2)) / np.sqrt(np.mean(mix ** 2))
        assert residual < 10 ** (-60 / 20), row["output"]
        assert row["info"]["labels"]["room"]["ir"] == "synthetic"
        assert row["info"]["stems"][0]["label"] is None  # the background
        assert np.abs(mix).max() <= 10 ** (-1 / 20) + 1 / 32768  # the clipping rule


def test_measured_polyphony_never_exceeds_max_overlap(main_run):
    out, rows = main_run
    worst = 0
    for events in _table(out).values():
        edges = sorted([(on, 1) for on, _, _ in events] + [(off, -1) for _, off, _ in events],
                       key=lambda e: (e[0], e[1]))  # an end at t comes before a start at t
        active = 0
        for _, step in edges:
            active += step
            worst = max(worst, active)
    assert worst == MAX_OVERLAP  # reached, never passed


def test_snrs_measured_from_the_stems_match_the_sampled_ones(main_run):
    out, rows = main_run
    errors = []
    for row in rows:
        background = loudness_lufs(_read(out / row["info"]["stems"][0]["path"]), SR)
        for stem in row["info"]["stems"][1:]:
            measured = loudness_lufs(_read(out / stem["path"]), SR) - background
            errors.append(abs(measured - stem["snr_db"]))
    assert max(errors) < 0.5
    clipped = [r for r in rows if r["info"]["labels"]["clip_gain_db"] < 0]
    assert clipped, "some soundscapes must reach the clipping rule at these SNRs"


def test_no_foreground_or_background_file_crosses_splits(main_run):
    _, rows = main_run
    splits_of = defaultdict(set)
    for row in rows:
        labels = row["info"]["labels"]
        splits_of["bg:" + labels["background"]["source"]].add(row["split"])
        for event in labels["events"]:
            splits_of["fg:" + event["source"]].add(row["split"])
    assert {r["split"] for r in rows} == {"train", "val", "test"}
    assert all(len(s) == 1 for s in splits_of.values()), \
        {k: v for k, v in splits_of.items() if len(v) > 1}


def test_expand_reads_the_output_as_an_event_table(main_run, tmp_path):
    out, rows = main_run
    expanded = tmp_path / "expanded"
    assert main(["expand", str(out), str(expanded), "-n", "1", "-q", "--no-report"]) == 0
    manifest = [json.loads(line) for line in (expanded / "manifest.jsonl").read_text()
                .splitlines()]
    assert all(r["status"] == "ok" for r in manifest)  # the stems are not taken for items
    assert {r["source"] for r in manifest} == {r["output"] for r in rows}
    written = sum(len(f.read_text().splitlines()) - 1
                  for f in (expanded / "metadata").glob("*.tsv"))
    events = sum(len(r["info"]["labels"]["events"]) for r in rows)
    assert {r["split"] for r in manifest} == {"train", "val", "test"}  # declared subsets
    per_output = written / len({r["output"] for r in manifest})
    assert per_output == pytest.approx(events / len(rows), rel=0.35)


def test_replaying_a_row_from_its_params_is_byte_identical(main_run, material, tmp_path):
    from mediasynth.core import registry
    from mediasynth.core.transform import OpRecord
    from mediasynth.engine.worker import file_sha256

    out, rows = main_run
    fg, bg, _ = material
    gen = registry.build({"type": "synth.soundscape", "foreground": str(fg),
                          "background": str(bg), "stems": True, "max_overlap": MAX_OVERLAP,
                          "events_range": [2, 6], "reverb": "synthetic",
                          "pitch_semitones": ["uniform", -2, 2],
                          "stretch": ["truncnorm", 1.0, 0.1, 0.85, 1.2],
                          "snr_db": ["uniform", 0, 24], "ref_db": ["uniform", -45, -30]})
    for row in rows[::12]:
        item = gen.replay(OpRecord.from_dict(json.loads(json.dumps(row["record"]))))
        dest = tmp_path / Path(row["output"]).name
        gen.write(item, dest)
        assert file_sha256(dest) == row["output_sha256"]
        info = gen.write_side_files(item, tmp_path / "again", row["output"], row["split"])
        assert info["stems"] == json.loads(json.dumps(row["info"]["stems"]))
        for stem in info["stems"]:  # the stems come back bit for bit too
            assert file_sha256(tmp_path / "again" / stem["path"]) == \
                file_sha256(out / stem["path"])


def test_one_and_two_workers_write_the_same_bytes(main_run, material):
    out, _ = main_run
    single = material[2] / "single"
    _synth(material, single, *MAIN, "--workers", "1")
    assert tree_digest(single) == tree_digest(out)


def test_dry_stems_add_up_too_and_float_output_is_exact(material):
    out = material[2] / "dry"
    rows = _synth(material, out, "--count", "12", "--stems", "--set", "sample_format=FLOAT",
                  "--set", "events_range=[3, 8]", "--set", "snr_db=[normal, 12, 6]")
    for row in rows:
        assert row["info"]["labels"]["room"] is None
        mix = _read(out / row["output"])
        total = sum(_read(out / s["path"]) for s in row["info"]["stems"])
        assert np.sqrt(np.mean((mix - total) ** 2)) / np.sqrt(np.mean(mix ** 2)) < 1e-5


def test_no_source_is_used_twice_in_the_set_without_repeats(material):
    out = material[2] / "unique"
    rows = _synth(material, out, "--count", "25", "--workers", "2",
                  "--set", "allow_repeated_source=false", "--set", "events_range=[1, 2]",
                  "--set", "max_overlap=1", "--set", "min_gap_s=0.25")
    used = [e["source"] for r in rows for e in r["info"]["labels"]["events"]]
    assert len(used) >= 25 and len(used) == len(set(used))
    for events in _table(out).values():  # min_gap_s with max_overlap 1: gaps of 0.25 s
        spans = sorted((on, off) for on, off, _ in events)
        assert all(b[0] - a[1] >= 0.25 - 1e-6 for a, b in zip(spans, spans[1:]))


def test_too_few_sources_for_no_repeats_is_refused_with_the_numbers(material):
    fg, bg, root = material
    with pytest.raises(ConfigError, match=r"needs \d+.*add sources"):
        from mediasynth import api

        api.synth("soundscape", root / "refused", count=40, foreground=str(fg),
                  background=str(bg), allow_repeated_source=False, events_range=[2, 2],
                  report=False, progress=False, workers=1)


def test_a_non_audio_or_missing_folder_is_a_config_error(material, tmp_path):
    fg, _, _ = material
    empty = tmp_path / "empty"
    (empty / "wind").mkdir(parents=True)
    (empty / "wind" / "notes.txt").write_text("not audio")
    assert main(["synth", "soundscape", str(tmp_path / "o"), "--foreground", str(fg),
                 "--background", str(empty), "--count", "2", "-q", "--no-report"]) == 2
    assert main(["synth", "soundscape", str(tmp_path / "o2"), "--foreground",
                 str(tmp_path / "nowhere"), "--background", str(empty), "-q"]) == 2


def test_events_cut_out_of_an_annotated_layout_by_pipeline_source(material, tmp_path):
    """FG as an event table (long recordings, events cut out at their annotated spans),
    given as a pipeline's `source:` section; every placed event lies inside its span."""
    from tests.synth.soundscape_material import make_event_table_foreground

    _, bg, _ = material
    fg = make_event_table_foreground(tmp_path / "annotated", files=8)
    spans = {}
    for line in (fg / "metadata" / "recordings.tsv").read_text().splitlines()[1:]:
        name, on, off, label = line.split("\t")
        spans.setdefault(f"audio/{name}", []).append((float(on), float(off), label))
    pipeline = tmp_path / "p.yaml"
    pipeline.write_text(f"source:\n  type: synth.soundscape\n  foreground: {fg}\n"
                        f"  background: {bg}\n  duration_s: 6\n  count: 10\n"
                        f"  events_range: [2, 4]\n  event_duration_s: [uniform, 0.1, 0.3]\n"
                        f"  reverb: synthetic\nseed: 5\n")
    out = tmp_path / "out"
    assert main(["synth", "pipeline", str(out), "-p", str(pipeline), "-q", "--no-report"]) == 0
    rows = [json.loads(line) for line in (out / "manifest.jsonl").read_text().splitlines()]
    assert len(rows) == 10
    for row in rows:
        for event in row["info"]["labels"]["events"]:
            inside = [(on, off, lb) for on, off, lb in spans[event["source"]]
                      if on - 1e-6 <= event["source_offset_s"]
                      and event["source_offset_s"] + event["event_duration_s"] <= off + 1e-6]
            assert inside and inside[0][2] == event["label"], event


def test_the_python_api_writes_the_same_as_the_command(material, tmp_path):
    from mediasynth import api

    fg, bg, _ = material
    result = api.soundscape(tmp_path / "api", fg, bg, count=4, seed=3, progress=False,
                            report=False, duration_s=5.0, stems=True)
    cli = _synth(material, tmp_path / "cli", "--count", "4", "--seed", "3", "--stems",
                 "--set", "duration_s=5")
    assert [r["output_sha256"] for r in result.rows] == [r["output_sha256"] for r in cli]
    assert result.generator == "synth.soundscape" and result.kind == "audio"


def test_without_repeats_each_split_is_dealt_by_rank_not_by_index(material):
    """A split of n items needs k x n of its own sources (its items are dealt by their rank
    in the split), not k x (highest item index + 1): 30 soundscapes split 0.6/0.2/0.2 with
    one event each fit in 60 foreground files (val and test get about 12 each); dealing by
    item index would need up to 30 in each split."""
    out = material[2] / "unique_split"
    rows = _synth(material, out, "--count", "30", "--split", "0.6,0.2,0.2", "--workers", "2",
                  "--set", "allow_repeated_source=false", "--set", "events_range=[1, 1]")
    assert sorted({r["split"] for r in rows}) == ["test", "train", "val"]
    used = [e["source"] for r in rows for e in r["info"]["labels"]["events"]]
    assert len(used) == len(set(used)) >= 25
    by_split = {}
    for r in rows:
        for e in r["info"]["labels"]["events"]:
            by_split.setdefault(e["source"], set()).add(r["split"])
    assert all(len(s) == 1 for s in by_split.values())
