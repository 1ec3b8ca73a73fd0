"""Time maps of the audio transforms, checked against their kernels: clicks for the exact
edits (shift, crop, pad, reverse, trim), tone-burst edges for stretch, pitch and speed, the
output length for every registered transform; and events moved through chains."""

from __future__ import annotations

import numpy as np
import pytest

from mediasynth.audio.retime import Piece, TimeMap, retime_events, time_maps
from mediasynth.core import registry
from mediasynth.core.compose import Compose, OneOf, RandomApply, SomeOf
from mediasynth.core.media import Audio
from mediasynth.core.transform import OpRecord
from tests.audio.event_edges import edges_s
from tests.conftest import tone
from tests.core.test_contract import COMPOSITES, example

SR = 16000
CLICKS = (800, 3000, 7001, 12345, 15999)


def clicks(frames: int = SR, at=CLICKS) -> Audio:
    samples = np.zeros((1, frames), np.float32)
    samples[0, list(at)] = 1.0
    return Audio(samples, SR)


def centres_s(frames) -> np.ndarray:
    """The centre of each sample (a sample spans [i, i + 1) / SR)."""
    return (np.asarray(frames, dtype=np.float64) + 0.5) / SR


def assert_clicks_follow_the_map(transform, params: dict, audio: Audio | None = None):
    """Every click the map keeps is in the output at the mapped time (to the sample), and
    the output holds no other click; the map's length is the output's."""
    audio = audio or clicks()
    out = transform.apply(audio, params)
    tmap = transform.time_map(params, audio.frames, SR)
    assert tmap.frames_out == out.frames
    mapped = tmap.map_times(centres_s(CLICKS))
    expected = sorted(int(np.floor(t * SR)) for t in mapped[~np.isnan(mapped)])
    assert list(np.flatnonzero(out.samples[0] > 0.5)) == expected
    return mapped


@pytest.mark.parametrize("fraction", [0.3, -0.3, 0.5, -0.999, 0.0])
def test_shift_with_rollover_wraps_times_like_np_roll(fraction):
    shift = registry.lookup("audio.shift")(rollover=True)
    mapped = assert_clicks_follow_the_map(shift, {"shift_fraction": fraction})
    assert not np.isnan(mapped).any()


@pytest.mark.parametrize("fraction", [0.3, -0.3])
def test_shift_without_rollover_drops_what_falls_off(fraction):
    shift = registry.lookup("audio.shift")(rollover=False)
    mapped = assert_clicks_follow_the_map(shift, {"shift_fraction": fraction})
    lost = np.isnan(mapped)
    cut = (centres_s(CLICKS) > 0.7) if fraction > 0 else (centres_s(CLICKS) < 0.3)
    assert list(lost) == list(cut) and lost.any()


@pytest.mark.parametrize("start_fraction", [0.0, 0.37, 0.999])
def test_crop_moves_by_its_start_and_drops_the_rest(start_fraction):
    crop = registry.lookup("audio.crop")(duration_s=0.5)
    mapped = assert_clicks_follow_the_map(crop, {"start_fraction": start_fraction})
    assert np.isnan(mapped).any()


def test_crop_of_a_short_clip_is_the_identity():
    crop = registry.lookup("audio.crop")(duration_s=2.0)
    mapped = assert_clicks_follow_the_map(crop, {"start_fraction": 0.5})
    assert np.allclose(mapped, centres_s(CLICKS))


@pytest.mark.parametrize("position", ["start", "end", "center", "random"])
def test_pad_moves_by_the_silence_before(position):
    pad = registry.lookup("audio.pad")(duration_s=1.7, position=position)
    mapped = assert_clicks_follow_the_map(pad, {"offset_fraction": 0.4})
    before = {"start": 0, "end": 11200, "center": 5600, "random": 4480}[position]
    assert np.allclose(mapped, centres_s(CLICKS) + before / SR)


def test_reverse_maps_t_to_duration_minus_t():
    mapped = assert_clicks_follow_the_map(registry.lookup("audio.reverse")(), {})
    assert np.allclose(mapped, 1.0 - centres_s(CLICKS))


def test_trim_cuts_to_the_loud_span_and_moves_by_its_start():
    trim = registry.lookup("audio.trim")(top_db=40.0, margin_s=0.01)
    audio = clicks()
    audio.samples[0, :700] = 1e-4  # below -40 dB: silence
    params = trim.get_params(np.random.default_rng(0), audio)
    assert params == {"start_frame": 800 - 160, "length_frames": 15999 + 1 - 640}
    mapped = assert_clicks_follow_the_map(trim, params, audio)
    assert np.allclose(mapped, centres_s(CLICKS) - 640 / SR)


def test_time_mask_keeps_time():
    mask = registry.lookup("audio.time_mask")()
    mapped = assert_clicks_follow_the_map(mask, {"length_fraction": 0.0, "start_fraction": 0.5})
    assert np.allclose(mapped, centres_s(CLICKS))


def burst(onset_s: float = 0.3, offset_s: float = 0.7, seconds: float = 1.0) -> Audio:
    t = np.arange(int(seconds * SR)) / SR
    wave = np.where((t >= onset_s) & (t < offset_s), 0.5 * np.sin(2 * np.pi * 440 * t), 0.0)
    return Audio(wave[None].astype(np.float32), SR)


@pytest.mark.parametrize(("name", "params"), [
    ("audio.time_stretch", {"rate": 0.8}), ("audio.time_stretch", {"rate": 1.25}),
    ("audio.speed", {"factor": 0.8}), ("audio.speed", {"factor": 1.3}),
    ("audio.pitch_shift", {"semitones": -3.0}), ("audio.pitch_shift", {"semitones": 4.0})])
def test_stretch_speed_and_pitch_maps_match_the_burst_edges(name, params):
    transform = registry.lookup(name)()
    audio = burst()
    out = transform.apply(audio, params)
    tmap = transform.time_map(params, audio.frames, SR)
    assert tmap.frames_out == out.frames
    (onset,), (offset,) = edges_s(out.samples, SR)
    # half the 5 ms event budget (the stretcher's 30 ms hop smears an edge by about 2 ms)
    assert abs(onset - tmap.map_times([0.3])[0]) < 0.0025
    assert abs(offset - tmap.map_times([0.7])[0]) < 0.0025
    if name == "audio.pitch_shift":
        assert np.allclose(tmap.map_times([0.3, 0.7]), [0.3, 0.7])


@pytest.mark.parametrize(("frames", "factor"), [(16001, 0.4), (16001, 2.0), (5, 2.0)])
def test_speed_length_rounds_half_up_like_soxr(frames, factor):
    speed = registry.lookup("audio.speed")()
    out = speed.apply(Audio(np.zeros((1, frames), np.float32), SR), {"factor": factor})
    assert speed.time_map({"factor": factor}, frames, SR).frames_out == out.frames


def test_fused_pitch_and_stretch_have_one_map_of_the_total_rate():
    chain = Compose([registry.lookup("audio.time_stretch")(rate_range=(0.83, 0.83)),
                     registry.lookup("audio.pitch_shift")(semitones_range=(2, 2)),
                     registry.lookup("audio.time_stretch")(rate_range=(1.61, 1.61))])
    audio = Audio(np.zeros((1, 16001), np.float32), SR)
    out, record = chain.run(audio, np.random.default_rng(0))
    (tmap,) = time_maps(chain, record, audio.frames, SR)
    assert tmap.frames_out == out.frames == round(16001 / (0.83 * 1.61))
    assert tmap.map_times([0.5])[0] == pytest.approx(0.5 / (0.83 * 1.61))


AUDIO_LEAVES = [n for n in registry.names("audio") if n not in COMPOSITES]


@pytest.mark.parametrize("name", AUDIO_LEAVES)
def test_every_transform_declares_its_output_length(name):
    transform = example(name)
    for audio in (tone(1, seconds=0.77), tone(2, sample_rate=22050, seconds=0.5)):
        if getattr(transform, "partners_needed", 0):  # audio.mix: a partner given
            audio = audio.replace(meta={"partners": [(tone(1, 8000, 1.3), None)]})
        for seed in range(3):
            out, record = transform.run(audio, np.random.default_rng(seed))
            maps = time_maps(transform, record, audio.frames, audio.sample_rate)
            assert (maps[-1].frames_out if maps else audio.frames) == out.frames


def events(*spans, label="dog") -> dict:
    return {"events": [{"label": label, "onset_s": a, "offset_s": b} for a, b in spans],
            "duration_s": None}


def moved(chain, record, annotation, frames_in=SR, frames_out=SR):
    return retime_events(annotation, chain, record, frames_in=frames_in,
                         frames_out=frames_out, sample_rate=SR)


def shift_record(fraction: float) -> OpRecord:
    return OpRecord("audio.shift", True, {"shift_fraction": fraction})


def test_an_event_crossing_the_end_splits_and_a_shift_back_joins_it():
    shift = registry.lookup("audio.shift")()
    once, dropped = moved(shift, shift_record(0.25), events((0.5, 0.9)))
    assert dropped == 0
    assert [(e["onset_s"], e["offset_s"]) for e in once["events"]] == [(0.0, 0.15), (0.75, 1.0)]
    chain = Compose([shift, shift])
    record = OpRecord("compose", True, {}, (shift_record(0.25), shift_record(-0.25)))
    back, _ = moved(chain, record, events((0.5, 0.9)))
    assert [(e["onset_s"], e["offset_s"]) for e in back["events"]] == [(0.5, 0.9)]


def test_reverse_swaps_onset_and_offset():
    out, _ = moved(registry.lookup("audio.reverse")(), OpRecord("audio.reverse", True, {}),
                   events((0.1, 0.3)))
    assert out["events"] == [{"label": "dog", "onset_s": 0.7, "offset_s": 0.9}]
    assert out["duration_s"] == 1.0


def test_crop_clips_and_counts_the_events_it_drops():
    crop = registry.lookup("audio.crop")(duration_s=0.5)
    record = OpRecord("audio.crop", True, {"start_fraction": 0.5})  # keeps [0.25, 0.75) s
    out, dropped = moved(crop, record, events((0.0, 0.1), (0.2, 0.25), (0.4, 0.8), (0.9, 1.0)),
                         frames_out=8000)
    assert dropped == 3
    assert out["events"] == [{"label": "dog", "onset_s": 0.15, "offset_s": 0.5}]


def test_steps_that_did_not_apply_and_unchosen_steps_move_nothing():
    shift = registry.lookup("audio.shift")()
    pad = registry.lookup("audio.pad")(duration_s=2.0)
    one_of = OneOf(steps=(shift, pad))
    some_of = SomeOf(steps=(shift, pad), n_range=(1, 2))
    wrapped = RandomApply(step=pad)
    pad_record = OpRecord("audio.pad", True, {"offset_fraction": 0.0})
    cases = [
        (shift, OpRecord("audio.shift", False, {}), SR, 0.2),
        (one_of, OpRecord("one_of", True, {"index": 1}, (pad_record,)), 2 * SR, 0.2),
        (some_of, OpRecord("some_of", True, {"indices": [0]}, (shift_record(0.5),)), SR, 0.7),
        (wrapped, OpRecord("random_apply", False, {}), SR, 0.2),
        (wrapped, OpRecord("random_apply", True, {}, (pad_record,)), 2 * SR, 0.2),
    ]
    for chain, record, frames_out, onset in cases:
        out, _ = moved(chain, record, events((0.2, 0.3)), frames_out=frames_out)
        assert out["events"][0]["onset_s"] == pytest.approx(onset)


def test_a_length_the_maps_do_not_explain_is_refused():
    with pytest.raises(ValueError, match="time_map"):
        moved(None, OpRecord("compose", True, {}), events((0.1, 0.2)), frames_out=SR - 1)


def test_zero_length_events_survive_where_they_land():
    tmap = TimeMap((Piece(0.0, 0.5, 0.25),), SR)
    assert tmap.map_interval(0.1, 0.1) == [(0.35, 0.35)]
    assert tmap.map_interval(0.7, 0.7) == []


def test_the_handler_moves_events_and_replays_them(tmp_path):
    from mediasynth.audio.handler import AudioHandler
    from mediasynth.core.config import load_pipeline

    path = tmp_path / "p.yaml"
    path.write_text("audio:\n  - {type: audio.shift}\n  - {type: audio.crop, duration_s: 0.6}\n")
    pipeline = load_pipeline(path)
    handler, audio = AudioHandler(), burst(0.3, 0.7)
    annotation = events((0.3, 0.7))
    record, info = handler.render(audio, pipeline, np.random.default_rng(3),
                                  tmp_path / "a.wav", annotation=annotation)
    assert info["annotation"]["duration_s"] == 0.6
    assert info["dropped_objects"] == (0 if info["annotation"]["events"] else 1)
    again = handler.replay(audio, pipeline, record, tmp_path / "b.wav", annotation=annotation)
    assert again["annotation"] == info["annotation"]
    assert "annotation" not in handler.replay(audio, pipeline, record, tmp_path / "c.wav")
