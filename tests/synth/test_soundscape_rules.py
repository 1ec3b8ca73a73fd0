"""The drawing rules of `synth.soundscape`, on the generator itself (no run): repeated
labels, co-occurrence weights, impulse-response folders, distributions as options and the
config errors."""

from __future__ import annotations

import json

import numpy as np
import pytest
import soundfile as sf

from mediasynth.core import registry
from mediasynth.core.errors import ConfigError
from mediasynth.synth.base import ItemContext
from tests.synth.soundscape_material import make_background, make_foreground

SR = 16000


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    root = tmp_path_factory.mktemp("rules")
    return {"foreground": str(make_foreground(root / "fg", per_label=6)),
            "background": str(make_background(root / "bg", per_label=2))}


def _gen(folders, **options):
    return registry.build({"type": "synth.soundscape", **folders, "sample_rate": SR,
                           "duration_s": 4.0, **options})


def _items(gen, n=40):
    for i in range(n):
        params = gen.get_params(np.random.default_rng(i), None, ItemContext(i))
        yield params, gen.render(params)


def test_no_label_twice_without_repeated_labels(folders):
    gen = _gen(folders, events_range=[3, 5], allow_repeated_label=False)
    placed = 0
    for params, _ in _items(gen):
        labels = [e["label"] for e in params["events"]]
        assert len(labels) == len(set(labels))
        placed += len(labels)
    assert placed >= 40 * 3 * 0.9  # the rule does not starve the draws


def test_a_zero_cooccurrence_weight_keeps_two_labels_apart(folders):
    gen = _gen(folders, events_range=[4, 6],
               cooccurrence={"bark": {"bird": 0}, "bird": {"bark": 0}})
    for params, _ in _items(gen):
        labels = {e["label"] for e in params["events"]}
        assert not {"bark", "bird"} <= labels
    free = _gen(folders, events_range=[4, 6])
    assert any({"bark", "bird"} <= {e["label"] for e in p["events"]} for p, _ in _items(free))


def test_labels_sources_and_times_follow_their_distributions(folders):
    gen = _gen(folders, events_range=[2, 2], label=["choose", ["knock", "clink"]],
               snr_db=["const", 12], pitch_semitones=["choose", [-1, 1]],
               stretch=["uniform", 1.1, 1.3], onset_s=["uniform", 0.5, 1.0],
               ref_db=["truncnorm", -35, 5, -40, -30], source_offset_s=0)
    for params, item in _items(gen, 20):
        assert -40 <= params["ref_db"] <= -30
        for e in params["events"]:
            assert e["label"] in ("knock", "clink") and e["snr_db"] == 12
            assert e["pitch_semitones"] in (-1, 1) and 1.1 <= e["stretch"] <= 1.3
            assert 0.5 <= e["onset_placed_s"] <= 1.0 and e["source_offset_s"] == 0
        # the table's onset: the audible start, at or after the placed start
        for e, shown in zip(params["events"], item.annotations["events"]):
            assert shown["onset_s"] >= e["onset_placed_s"] - 1e-9


def test_an_impulse_response_folder_gives_each_soundscape_one_room(folders, tmp_path):
    irs = tmp_path / "irs"
    irs.mkdir()
    rng = np.random.default_rng(0)
    for k, rt in enumerate((0.3, 0.9)):
        n = int(rt * SR)
        ir = rng.standard_normal(n) * 10 ** (-3 * np.arange(n) / SR / rt)
        ir[0] = 1
        sf.write(str(irs / f"room_{k}.wav"), (ir / np.abs(ir).max()).astype(np.float32), SR)
    gen = _gen(folders, reverb=str(irs), reverb_wet=1.0)
    rooms = set()
    for params, item in _items(gen, 12):
        rooms.add(params["room"]["ir"])
        stems = item.media.meta["stems"]
        assert np.array_equal(np.sum(np.stack(stems).astype(np.float64), axis=0)
                              .astype(np.float32), item.media.samples[0])
    assert rooms == {"room_0.wav", "room_1.wav"}


def test_params_are_json_safe_and_replay_exactly(folders):
    gen = _gen(folders, reverb="synthetic", max_overlap=1, pitch_semitones=["normal", 0, 1])
    params = gen.get_params(np.random.default_rng(3), None, ItemContext(3))
    again = json.loads(json.dumps(params))
    a, b = gen.render(params), gen.render(again)
    assert np.array_equal(a.media.samples, b.media.samples)
    assert a.annotations == b.annotations


@pytest.mark.parametrize("options, message", [
    ({"events_range": [3, 1]}, "events_range"), ({"snr_db": ["uniform", 9, 1]}, "snr_db"),
    ({"stretch": ["uniform", 0, 2]}, "stretch"), ({"reverb": "/nowhere"}, "reverb"),
    ({"sample_format": "PCM_8"}, "sample_format"), ({"max_overlap": -1}, "max_overlap"),
    ({"cooccurrence": {"bark": {"bird": -1}}}, "cooccurrence"),
    ({"onset_s": ["gauss", 1, 2]}, "onset_s")])
def test_bad_options_are_config_errors_naming_them(folders, options, message):
    with pytest.raises(ConfigError, match=message):
        _gen(folders, **options)


def test_a_split_without_background_files_is_refused(folders, tmp_path):
    from mediasynth.synth.soundscape_assets import split_sources

    one = tmp_path / "one_bg"
    (one / "park").mkdir(parents=True)
    sf.write(str(one / "park" / "a.wav"), np.full(SR, 0.01, np.float32), SR)
    gen = registry.build({"type": "synth.soundscape", "foreground": folders["foreground"],
                          "background": str(one), "sample_rate": SR})
    shares = {"train": 0.5, "test": 0.5}
    empty = next(s for s in shares if not split_sources(str(one), s, shares, 0))
    with pytest.raises(ConfigError, match="no background file falls in split"):
        gen.get_params(np.random.default_rng(0), None, ItemContext(0, empty, shares, 0))


def _damaged_flac(path):
    """A FLAC whose header reads and whose data does not decode (lost sync)."""
    sf.write(str(path), np.random.default_rng(0).standard_normal(2 * SR).astype(np.float32)
             * 0.1, SR)
    data = bytearray(path.read_bytes())
    third = len(data) // 3
    data[third:third + 4000] = b"\xff" * 4000
    path.write_bytes(bytes(data))


def test_a_damaged_source_is_left_out_and_listed_never_used(folders, tmp_path):
    import shutil

    fg, bg = tmp_path / "fg", tmp_path / "bg"
    shutil.copytree(folders["foreground"], fg)
    shutil.copytree(folders["background"], bg)
    _damaged_flac(fg / "bark" / "zz_damaged.flac")
    _damaged_flac(bg / "park" / "zz_damaged.flac")
    gen = registry.build({"type": "synth.soundscape", "foreground": str(fg),
                          "background": str(bg), "sample_rate": SR, "duration_s": 4.0,
                          "label": "bark", "events_range": [3, 3],
                          "background_label": "park"})
    listed = set()
    for params, item in _items(gen, 12):
        assert all(e["source"] != "bark/zz_damaged.flac" for e in params["events"])
        assert params["background"]["source"] != "park/zz_damaged.flac"
        assert len(params["events"]) == 3
        listed |= set(item.annotations["unreadable_sources"])
    assert listed == {"foreground/bark/zz_damaged.flac", "background/park/zz_damaged.flac"}
