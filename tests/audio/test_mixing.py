"""audio.mix (a partner step): the SNR measured on the mix is the recorded one, the partner
is fitted and placed as documented, soft labels are the energy shares, partner events are
merged and retimed with the chain (measured on synth tones through expand), replay and the
worker count change no byte."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from mediasynth.audio.retime import retime_events, with_partner_events
from mediasynth.cli import main
from mediasynth.core.compose import Compose
from mediasynth.core.media import Audio
from mediasynth.core.registry import lookup
from mediasynth.core.transform import OpRecord
from tests.engine.helpers import make_tree

SR = 16000
EDGE_TOLERANCE_S = 0.005


def sine(channels: int, sample_rate: int, seconds: float, freq_hz: float = 440.0) -> Audio:
    t = np.arange(int(round(sample_rate * seconds))) / sample_rate
    rows = [0.5 * np.sin(2 * np.pi * freq_hz * (1 + 0.3 * c) * t) for c in range(channels)]
    return Audio(np.asarray(rows, np.float32), sample_rate)


def noise(channels: int, sample_rate: int, seconds: float, seed: int = 0) -> Audio:
    rng = np.random.default_rng(seed)
    samples = 0.2 * rng.standard_normal((channels, int(round(sample_rate * seconds))))
    return Audio(samples.astype(np.float32), sample_rate)


def with_partner(source: Audio, partner: Audio, annotation: dict | None = None) -> Audio:
    return source.replace(meta={"partners": [(partner, annotation)]})


def power(samples: np.ndarray) -> float:
    return float(np.mean(np.square(samples, dtype=np.float64)))


def expected_added(source: Audio, partner: Audio, params: dict) -> np.ndarray:
    """The partner as the module doc fits it, computed here independently: soxr HQ to the
    source's rate, channels repeated from the mean, placed at the offset, scaled."""
    import soxr

    other = partner.samples.astype(np.float64)
    if partner.sample_rate != source.sample_rate:
        other = soxr.resample(other.T, partner.sample_rate, source.sample_rate, quality="HQ").T
    if other.shape[0] != source.channels:
        other = np.repeat(other.mean(axis=0, keepdims=True), source.channels, axis=0)
    out = np.zeros(source.samples.shape)
    d = params["offset_frames"]
    for i in range(other.shape[1]):
        if 0 <= i + d < source.frames:
            out[:, i + d] = other[:, i]
    return params["gain"] * out


CASES = {
    "shorter, mono at 22.05 kHz into stereo": (sine(2, SR, 1.0), noise(1, 22050, 0.4)),
    "longer, stereo at 8 kHz into mono": (sine(1, SR, 1.0), noise(2, 8000, 2.5, seed=1)),
    "same rate and length": (sine(1, SR, 0.5), sine(1, SR, 0.5, freq_hz=1234.0)),
}


@pytest.mark.parametrize("case", list(CASES))
def test_the_snr_measured_on_the_mix_is_the_recorded_one(case):
    """power(source) / power(output - source) in dB against the recorded snr_db (within
    0.1 dB), and output - source is the partner fitted as documented."""
    source, partner = CASES[case]
    step = lookup("audio.mix")(snr_db_range=(-10.0, 20.0))
    errors_db = []
    for seed in range(8):
        out, record = step.run(with_partner(source, partner), np.random.default_rng(seed))
        added = out.samples.astype(np.float64) - source.samples
        measured_db = 10 * np.log10(power(source.samples) / power(added))
        errors_db.append(abs(measured_db - record.params["snr_db"]))
        assert np.abs(added - expected_added(source, partner, record.params)).max() < 1e-6
        assert out.frames == source.frames and out.channels == source.channels
        assert "partners" not in out.meta
    assert max(errors_db) < 0.1, errors_db


def test_offsets_put_a_shorter_partner_inside_and_a_longer_one_over_the_source():
    source = sine(1, SR, 1.0)
    short, long = noise(1, SR, 0.3), noise(1, SR, 1.7)
    step = lookup("audio.mix")()
    offsets = {"short": [], "long": []}
    for seed in range(20):
        for name, partner in (("short", short), ("long", long)):
            out, record = step.run(with_partner(source, partner), np.random.default_rng(seed))
            d = record.params["offset_frames"]
            offsets[name].append(d)
            added = np.flatnonzero(np.abs(out.samples[0] - source.samples[0]) > 0)
            assert added.min() >= max(d, 0) and added.max() < min(SR, d + partner.frames)
    assert all(0 <= d <= SR - short.frames for d in offsets["short"])
    assert all(SR - long.frames <= d <= 0 for d in offsets["long"])
    assert len(set(offsets["short"])) > 15 and len(set(offsets["long"])) > 15
    fixed = lookup("audio.mix")(random_offset=False)
    _, record = fixed.run(with_partner(source, short), np.random.default_rng(0))
    assert record.params["offset_frames"] == 0


def test_label_weights_are_the_measured_energy_shares():
    source, partner = CASES["shorter, mono at 22.05 kHz into stereo"]
    step = lookup("audio.mix")(snr_db_range=(-6.0, 6.0))
    for seed in range(6):
        out, record = step.run(with_partner(source, partner), np.random.default_rng(seed))
        added = power(out.samples.astype(np.float64) - source.samples)
        weights = step.label_weights(record.params)
        assert sum(weights) == pytest.approx(1.0)
        assert weights[0] == pytest.approx(power(source.samples) / (power(source.samples)
                                                                    + added), abs=1e-4)


def test_a_silent_input_adds_nothing_and_missing_partners_are_refused(tmp_path):
    from mediasynth.core.config import load_pipeline
    from mediasynth.core.errors import ConfigError

    source = sine(1, SR, 0.5)
    silent = Audio(np.zeros((1, 4000), np.float32), SR)
    step = lookup("audio.mix")()
    for a, b in ((source, silent), (silent, source)):
        out, record = step.run(with_partner(a, b), np.random.default_rng(0))
        assert record.params["gain"] == 0.0 and np.array_equal(out.samples, a.samples)
        assert step.label_weights(record.params) == [1.0, 0.0]
    with pytest.raises(ValueError, match="partner"):
        step.run(source, np.random.default_rng(0))
    bad = tmp_path / "bad.yaml"
    bad.write_text("audio: [{type: audio.gain}, {type: audio.mix}]\n")
    with pytest.raises(ConfigError, match="first step"):
        load_pipeline(bad)


def events(*spans, label="dog") -> dict:
    return {"events": [{"label": label, "onset_s": a, "offset_s": b} for a, b in spans],
            "duration_s": None}


def test_partner_events_are_shifted_clipped_merged_then_retimed_by_the_chain():
    """Partner events moved by offset_frames / rate and clipped to the source (those left
    with nothing dropped); then a shift of the whole mix moves source and partner events
    alike."""
    chain = Compose([lookup("audio.mix")(), lookup("audio.shift")(rollover=False)])
    partners = [(noise(1, SR, 1.5), events((0.05, 0.2), (0.4, 0.9), (1.3, 1.4), label="cat"))]
    mixed = OpRecord("audio.mix", True, {"snr_db": 3.0, "gain": 0.5, "offset_frames": -4000})
    record = OpRecord("compose", True, {}, (
        mixed, OpRecord("audio.shift", True, {"shift_fraction": 0.1})))
    merged = with_partner_events(events((0.1, 0.3)), chain, record, partners, frames=SR,
                                 sample_rate=SR)
    assert sorted((e["label"], e["onset_s"], e["offset_s"]) for e in merged["events"]) == [
        ("cat", 0.15, 0.65), ("dog", 0.1, 0.3)]
    moved, dropped = retime_events(merged, chain, record, frames_in=SR, frames_out=SR,
                                   sample_rate=SR)
    assert dropped == 0
    assert [(e["label"], e["onset_s"], e["offset_s"]) for e in moved["events"]] == [
        ("dog", 0.2, 0.4), ("cat", 0.25, 0.75)]
    for first in (OpRecord("audio.mix", False, {}),
                  OpRecord("audio.mix", True, {**mixed.params, "gain": 0.0})):
        record = OpRecord("compose", True, {}, (first, record.children[1]))
        assert with_partner_events(events((0.1, 0.3)), chain, record, partners, frames=SR,
                                   sample_rate=SR) == events((0.1, 0.3))


# --- synth tones through expand: edges measured in the decoded outputs --------------------

MIX_STRETCH = """audio:
  - {type: audio.mix, snr_db_range: [0, 6]}
  - {type: audio.time_stretch, rate_range: [0.8, 1.25]}
"""
BAND_RATIO = 1.25  # band edges f0 / 1.25 .. f0 * 1.25 around each tone
MIN_F0_RATIO = 1.5  # outputs whose two tones are closer are not measured (bands overlap)
MIN_RUN_S = 0.005  # runs above or below the threshold shorter than this are glitches
MARGIN_S = 0.03  # edges this close to the clip's ends are not measured


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    padded = np.concatenate([[False], mask, [False]]).astype(np.int8)
    step = np.diff(padded)
    return list(zip(np.flatnonzero(step == 1), np.flatnonzero(step == -1)))


def _debounced(mask: np.ndarray, frames: int) -> np.ndarray:
    """Interior gaps shorter than `frames` filled, then runs shorter than that removed."""
    out = mask.copy()
    for a, b in _runs(~out):
        if b - a < frames and a > 0 and b < len(out):
            out[a:b] = True
    for a, b in _runs(out.copy()):
        if b - a < frames:
            out[a:b] = False
    return out


def band_edges_s(samples: np.ndarray, sample_rate: int, f0_hz: float):
    """(onsets, offsets) in seconds of the tone at f0_hz: the channel mean band-passed around
    it (Butterworth, zero phase), its amplitude envelope (Hilbert) crossing half its steady
    level (the median where it exceeds a tenth of its maximum). A zero-phase filter's
    kernel is symmetric, so a switched tone's envelope crosses half its level at the
    switch itself."""
    from scipy.signal import butter, hilbert, sosfiltfilt

    sos = butter(4, [f0_hz / BAND_RATIO, f0_hz * BAND_RATIO], btype="bandpass",
                 fs=sample_rate, output="sos")
    amp = np.abs(hilbert(sosfiltfilt(sos, samples.mean(axis=0).astype(np.float64))))
    steady = np.median(amp[amp > 0.1 * amp.max()])
    above = _debounced(amp >= 0.5 * steady, int(MIN_RUN_S * sample_rate))
    runs = _runs(above)
    return (np.array([a for a, _ in runs]) / sample_rate,
            np.array([b for _, b in runs]) / sample_rate)


def edge_errors_s(samples, sample_rate, f0s_hz, annotated: list[dict]) -> list[tuple]:
    """(edge kind, time, distance to the nearest edge on the other side) both ways: every
    annotated edge to the measured ones of all bands, every measured edge to the annotated
    ones (a missing, misplaced or spurious event shows as a large distance)."""
    duration_s = samples.shape[1] / sample_rate
    found = [band_edges_s(samples, sample_rate, f) for f in f0s_hz]
    out = []
    for i, kind in enumerate(("onset_s", "offset_s")):
        measured = np.concatenate([f[i] for f in found])
        marked = np.array([float(e[kind]) for e in annotated])
        for label, times, other in ((kind, marked, measured), ("extra " + kind, measured,
                                                                  marked)):
            out += [(label, float(t), float(np.min(np.abs(other - t))) if other.size
                     else np.inf) for t in times if MARGIN_S <= t <= duration_s - MARGIN_S]
    return out


def _rows(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "manifest.jsonl").read_text().splitlines()]


@pytest.fixture(scope="module")
def mixed_tones(tmp_path_factory):
    """12 sine tones of 0.6-1.4 s with sharp edges (synth tones), expanded twice (1 and 2
    workers) through audio.mix + audio.time_stretch."""
    root = tmp_path_factory.mktemp("mixed-tones")
    src = root / "tones"
    assert main(["synth", "tones", str(src), "--count", "12", "-q", "--no-report",
                 "--set", "signals=[sine]", "--set", "envelope=false",
                 "--set", "freq_hz_range=[300, 3000]", "--set", "duration_s_range=[0.6, 1.4]",
                 "--set", "silence_fraction_range=[0.3, 0.6]"]) == 0
    pipeline = root / "p.yaml"
    pipeline.write_text(MIX_STRETCH)
    outs = []
    for workers in ("1", "2"):
        out = root / f"out{workers}"
        assert main(["expand", str(src), str(out), "-p", str(pipeline), "-n", "2", "-q",
                     "--no-report", "--workers", workers]) == 0
        outs.append(out)
    return src, outs


def test_mixed_tone_events_keep_their_edges_within_5_ms(mixed_tones):
    import soundfile as sf

    src, (out, _) = mixed_tones
    with open(src / "annotations" / "all.csv", newline="") as fh:
        f0 = {r["file"]: float(r["f0_hz"]) for r in csv.DictReader(fh)}
    errors, measured_outputs, offsets = [], 0, set()
    for row in _rows(out):
        assert row["status"] == "ok"
        offsets.add(row["record"]["children"][0]["params"]["offset_frames"])
        f0s = [f0[row["source"]], f0[row["mix"]["partners"][0]]]
        assert len(row["annotation"]["events"]) >= 1
        if max(f0s) / min(f0s) < MIN_F0_RATIO:
            continue
        samples, sr = sf.read(out / row["output"], dtype="float32", always_2d=True)
        errors += [(row["output"], *e)
                   for e in edge_errors_s(samples.T, sr, f0s, row["annotation"]["events"])]
        measured_outputs += 1
    assert measured_outputs >= 12 and len(errors) >= 80 and len(offsets) > 10
    worst = max(errors, key=lambda e: e[-1])
    assert worst[-1] < EDGE_TOLERANCE_S, worst


def test_mixed_rows_replay_byte_identical_and_workers_change_nothing(mixed_tones, tmp_path):
    _, (one, two) = mixed_tones

    def outputs(out):
        return {r["id"]: (r["output_sha256"], r["record"], r["annotation"], r["mix"])
                for r in _rows(out)}

    assert outputs(one) == outputs(two)
    rows = _rows(one)
    assert len(rows) == 24 and all(r.get("mix") for r in rows)
    for row in rows:
        assert main(["replay", str(one), row["id"], str(tmp_path)]) == 0


def test_partners_across_classes_give_soft_labels_and_neighbours_stay_in_class(tmp_path):
    src = make_tree(tmp_path / "src", images=(), tones=(("sine", 3), ("square", 3)))
    pipeline = tmp_path / "p.yaml"
    pipeline.write_text("audio: [{type: audio.mix, partners_from: any_class}]\n")
    out = tmp_path / "out"
    assert main(["expand", str(src), str(out), "-p", str(pipeline), "-n", "3", "-q",
                 "--no-report"]) == 0
    step = lookup("audio.mix")()
    soft = [r for r in _rows(out) if r.get("soft_labels")]
    assert soft
    for row in soft:
        partner_class = row["mix"]["partners"][0].split("/")[0]
        share = step.label_weights(row["record"]["children"][0]["params"])
        assert row["soft_labels"] == {row["class"]: pytest.approx(share[0], abs=1e-6),
                                      partner_class: pytest.approx(share[1], abs=1e-6)}
    pipeline.write_text("audio: [{type: audio.mix, partners_from: neighbours}]\n")
    near = tmp_path / "near"
    assert main(["expand", str(src), str(near), "-p", str(pipeline), "-n", "2", "-q",
                 "--no-report"]) == 0
    rows = _rows(near)
    assert len(rows) == 12 and not any(r.get("soft_labels") for r in rows)
    for row in rows:
        (partner,) = row["mix"]["partners"]
        assert partner.split("/")[0] == row["class"] and partner != row["source"]


def test_background_recordings_come_through_the_engine_split_like_sources(tmp_path):
    import json

    from mediasynth.cli import main
    from mediasynth.core.media import Audio
    from mediasynth.io.audio_io import write_audio
    from tests.engine.helpers import make_tree

    src = make_tree(tmp_path / "src", images=(), tones=(("sine", 8), ("chirp", 8)))
    noise = tmp_path / "noise"
    rng = np.random.default_rng(0)
    for i in range(8):
        write_audio(Audio((0.05 * rng.standard_normal((1, 8000))).astype(np.float32), 8000),
                    noise / f"hum{i}.wav")
    write_audio(Audio(np.zeros((1, 8000 * 5), np.float32), 8000), noise / "too_long.wav")
    pipeline = tmp_path / "p.yaml"
    pipeline.write_text(f"audio: [{{type: audio.background, folder: {str(noise)!r}, "
                        "snr_db_range: [5, 10]}]\n"
                        "dataset: {split: {train: 0.5, val: 0.5}, augment_eval: true}\n"
                        "budgets: {max_audio_duration_s: 2.0}\n")
    out = tmp_path / "out"
    assert main(["expand", str(src), str(out), "-p", str(pipeline), "-n", "2", "-q",
                 "--no-report"]) == 0
    rows = [json.loads(line) for line in (out / "manifest.jsonl").read_text().splitlines()]
    mixed = [r for r in rows if r.get("mix")]
    assert len(mixed) == len(rows)
    from mediasynth.engine.split import SplitItem, SplitSpec, split_items

    names = [f"bg:hum{i}.wav" for i in range(8)]
    placed = split_items([SplitItem(n) for n in names],
                         SplitSpec({"train": 0.5, "val": 0.5}, seed=0))
    split_of = {n: placed.split_of(n) for n in names}
    for r in mixed:
        partner = r["mix"]["partners"][0]
        assert partner != "bg:too_long.wav" and split_of[partner] == r["split"]
        assert r["sources"][1]["path"] == partner and len(r["sources"][1]["sha256"]) == 64
    dest = tmp_path / "replayed"
    dest.mkdir()
    for r in mixed[:4]:
        assert main(["replay", str(out), r["id"], str(dest)]) == 0
    assert main(["expand", str(src), str(out), "-p", str(pipeline), "-n", "2", "-q",
                 "--no-report"]) == 0  # a re-run resumes: background fingerprints hold
