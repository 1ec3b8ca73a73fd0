"""`mediasynth evaluate` end to end on OUTs made by the real engine from generated trees:
the controlled gain, near-identity, controlled harm, audio and TSTR cases, determinism, and
the refusals."""

from __future__ import annotations

import json
import shutil

import pytest

from mediasynth.cli import main
from mediasynth.core.errors import MediasynthError
from mediasynth.engine.manifest import read_manifest
from mediasynth.report.quality.evaluate import EVALUATION, evaluate
from tests.report.quality.generated import (
    coco_shapes_tree,
    darken_cast,
    drawn_shapes_tree,
    events_tree,
    expand_tree,
    photo_crop_tree,
    sound_tree,
    strong_cast,
    texture_tree,
    tint_tree,
    write_png,
)

TRAIN_ONLY = {"split": {"train": 1.0, "val": 0.0}, "keep_originals": True}
COVERING = [{"type": "image.brightness_contrast", "brightness_range": [-0.1, 0.05],
             "contrast_range": [0.35, 1.0]},
            {"type": "image.color_jitter", "brightness": 0, "contrast": 0, "saturation": 0.3,
             "hue": 0.08}]
NEAR_IDENTITY = [{"type": "image.jpeg_compression", "quality_range": [93, 95]}]


def _config(chain: list, *, variants: int = 3, dataset: dict | None = None, kind="image"):
    return {"version": 1, "seed": 0, "variants": variants, kind: chain,
            "dataset": dataset or TRAIN_ONLY}


@pytest.fixture(scope="module")
def textures(tmp_path_factory):
    """160 photo-like texture crops in 4 classes for training; 80 more, darker and with a
    blue cast, as the real test set."""
    root = tmp_path_factory.mktemp("textures")
    src = texture_tree(root / "src", per_class=40, seed=1, distinct=0.7)
    test = texture_tree(root / "test", per_class=20, seed=2, nuisance=darken_cast,
                        distinct=0.7)
    return root, src, test


@pytest.fixture(scope="module")
def identity_out(textures):
    root, src, _ = textures
    return expand_tree(src, root / "identity", _config(NEAR_IDENTITY, variants=2))


def test_a_pipeline_covering_the_test_nuisance_is_a_gain(textures, capsys):
    root, src, test = textures
    out = expand_tree(src, root / "covering", _config(COVERING))
    code = main(["evaluate", str(out), "--test", str(test), "--seeds", "3", "-q"])
    printed = capsys.readouterr().out
    assert code == 0
    result = json.loads((out / EVALUATION).read_text())
    delta = result["deltas"]["real+augmented vs real"]
    assert delta["verdict"] == "gain", delta
    assert delta["macro_f1"]["ci95"][0] > 0
    assert result["arms"]["real+augmented"]["macro_f1"]["mean"] > \
        result["arms"]["real"]["macro_f1"]["mean"] + 0.05
    assert "real+augmented vs real" in printed and "gain" in printed
    # the schema's core, and the counts behind it: 160 sources, 3 variants each
    assert set(result["arms"]) == {"real", "real+augmented", "augmented"}
    assert result["train"]["real"] == {"items": 160, "sources": 160,
                                       "classes": dict.fromkeys(
                                           ["bark", "clouds", "gravel", "waves"], 40)}
    assert result["train"]["augmented"]["items"] == 480
    assert result["test_set"]["items"] == 80 and result["settings"]["seeds"] == [0, 1, 2]
    curve = result["learning_curves"]["real"]
    assert [p["fraction"] for p in curve] == [0.25, 0.5, 1.0]
    assert [p["sources"] for p in curve] == [40, 80, 160]
    assert set(delta["per_class_recall"]) == {"bark", "clouds", "gravel", "waves"}


def test_a_near_identity_pipeline_changes_nothing_detectable(textures, identity_out):
    _, _, test = textures
    result = evaluate(identity_out, test=test, seeds=3, progress=False)
    delta = result["deltas"]["real+augmented vs real"]
    assert delta["verdict"] == "no detectable change" or abs(delta["macro_f1"]["mean"]) < 0.03
    assert abs(delta["macro_f1"]["mean"]) < 0.03
    # JPEG at q93-95 leaves the variants close to their sources on these features
    fidelity = result["fidelity"]
    assert fidelity["features"].startswith("image: HOG")
    assert fidelity["precision"] > 0.8 and fidelity["coverage"] > 0.8


def test_same_seed_same_json_and_json_flag_prints_only_json(textures, identity_out, capsys):
    _, _, test = textures
    assert main(["evaluate", str(identity_out), "--test", str(test), "--seeds", "2",
                 "--json", "-q"]) == 0
    first = (identity_out / EVALUATION).read_bytes()
    printed = capsys.readouterr().out
    assert json.loads(printed) == json.loads(first)  # stdout holds only the JSON
    assert main(["evaluate", str(identity_out), "--test", str(test), "--seeds", "2",
                 "--json", "-q"]) == 0
    capsys.readouterr()
    assert (identity_out / EVALUATION).read_bytes() == first


@pytest.mark.parametrize("chain", [COVERING, NEAR_IDENTITY], ids=["covering", "jpeg-q93-95"])
def test_crops_of_real_photos(tmp_path, chain):
    """Classes are halves of scikit-learn's two bundled photographs; the test crops are much
    darker and blue: brightness/contrast/hue variants gain, JPEG q93-95 copies change
    nothing."""
    src = photo_crop_tree(tmp_path / "src", per_class=50, seed=1)
    test = photo_crop_tree(tmp_path / "test", per_class=25, seed=2, nuisance=strong_cast)
    out = expand_tree(src, tmp_path / "out", _config(chain))
    delta = evaluate(out, test=test, seeds=3, progress=False)["deltas"]["real+augmented vs real"]
    if chain is COVERING:
        assert delta["verdict"] == "gain" and delta["macro_f1"]["ci95"][0] > 0, delta
    else:
        assert abs(delta["macro_f1"]["mean"]) < 0.03, delta


def test_classes_told_apart_by_tint_lose_to_a_channel_shuffle(tmp_path):
    src = tint_tree(tmp_path / "src", per_class=60, seed=3)
    chain = [{"type": "image.channel_shuffle"},
             {"type": "image.color_jitter", "brightness": 0, "contrast": 0, "saturation": 0,
              "hue": 0.5}]
    out = expand_tree(src, tmp_path / "out", _config(chain, variants=3, dataset={
        "split": {"train": 0.7, "val": 0.0, "test": 0.3}, "keep_originals": True}))
    result = evaluate(out, seeds=3, progress=False)
    assert result["test_set"]["from"].startswith("OUT test split")
    test_rows = [r for r in read_manifest(out) if r["split"] == "test"]
    assert result["test_set"]["items"] == len(test_rows) > 40  # its copied originals
    assert all(r["variant"] == -1 for r in test_rows)
    delta = result["deltas"]["real+augmented vs real"]
    assert delta["verdict"] == "loss", delta
    assert delta["macro_f1"]["ci95"][1] < 0


def test_noise_augmentation_helps_on_a_noisy_audio_test_set(tmp_path):
    src = sound_tree(tmp_path / "src", per_class=40, seed=1)
    test = sound_tree(tmp_path / "test", per_class=20, seed=2, snr_db_range=(0, 10))
    out = expand_tree(src, tmp_path / "out", _config(
        [{"type": "audio.add_noise", "snr_db_range": [0, 15]}], variants=2, kind="audio"))
    result = evaluate(out, test=test, seeds=2, progress=False)
    assert result["kind"] == "audio"
    assert result["settings"]["features"].startswith("audio: log-mel")
    delta = result["deltas"]["real+augmented vs real"]
    assert delta["verdict"] == "gain" and delta["macro_f1"]["ci95"][0] > 0


def test_tstr_trains_on_synthetic_shapes_and_tests_on_drawn_ones(tmp_path):
    from mediasynth.engine.synth_plan import generator_and_options
    from mediasynth.engine.synth_runner import run_synth

    generator, _ = generator_and_options("synth.shapes", {
        "width": 48, "height": 48, "shapes": ["circle", "square", "triangle"]})
    run_synth(generator, tmp_path / "synth", count=150, seed=0, workers=1)
    real = drawn_shapes_tree(tmp_path / "real", per_class=16, seed=5, real_photos=True)
    result = evaluate(tmp_path / "synth", test=real, seeds=2, progress=False)
    assert result["mode"] == "tstr"
    assert set(result["arms"]) == {"real", "real+synthetic", "synthetic"}
    assert set(result["deltas"]) == {"synthetic vs real", "real+synthetic vs real"}
    # REAL_DIR is split in two: 8 per class train the reference, 8 per class are the test
    assert result["test_set"]["items"] == 24 and result["train"]["real"]["items"] == 24
    assert result["train"]["synthetic"]["items"] == 150
    assert result["arms"]["synthetic"]["macro_f1"]["mean"] > 0.4  # chance is 1/3
    assert result["fidelity"]["real_items"] == 24


def test_tstr_without_enough_real_items_has_no_reference(tmp_path):
    from mediasynth.engine.synth_plan import generator_and_options
    from mediasynth.engine.synth_runner import run_synth

    generator, _ = generator_and_options("synth.shapes", {
        "width": 48, "height": 48, "shapes": ["circle", "square", "triangle"]})
    run_synth(generator, tmp_path / "synth", count=60, seed=0, workers=1)
    real = drawn_shapes_tree(tmp_path / "real", per_class=3, seed=5)
    result = evaluate(tmp_path / "synth", test=real, seeds=1, progress=False)
    assert set(result["arms"]) == {"synthetic"} and result["deltas"] == {}
    assert any("no train-real reference" in n for n in result["notes"])
    with pytest.raises(MediasynthError, match="no real test items"):
        evaluate(tmp_path / "synth", seeds=1, progress=False)


@pytest.fixture
def small_src(tmp_path):
    return texture_tree(tmp_path / "src", per_class=12, seed=4, photos_per_class=2)


def test_refuses_an_out_made_with_augment_eval(tmp_path, small_src):
    out = expand_tree(small_src, tmp_path / "out", _config(NEAR_IDENTITY, variants=1, dataset={
        "split": {"train": 0.6, "val": 0.2, "test": 0.2}, "augment_eval": True}))
    with pytest.raises(MediasynthError, match="--augment-eval"):
        evaluate(out, seeds=1, progress=False)
    assert main(["evaluate", str(out), "-q"]) == 1


def test_real_arm_reads_src_when_originals_were_not_kept(tmp_path, small_src):
    out = expand_tree(small_src, tmp_path / "out", _config(NEAR_IDENTITY, variants=1, dataset={
        "split": {"train": 0.6, "val": 0.2, "test": 0.2}}))
    result = evaluate(out, seeds=1, progress=False)
    assert result["train"]["real"]["items"] == result["train"]["augmented"]["items"]
    first = sorted(small_src.rglob("*.png"))[0]
    write_png(first, darken_cast(darken_cast(__import__("cv2").imread(str(first)))))
    with pytest.raises(MediasynthError, match="changed since"):
        evaluate(out, seeds=1, progress=False)
    shutil.rmtree(small_src)
    with pytest.raises(MediasynthError, match="--keep-originals"):
        evaluate(out, seeds=1, progress=False)


def test_compare_two_pipelines_on_one_test_split(tmp_path, small_src):
    dataset = {"split": {"train": 0.6, "val": 0.0, "test": 0.4}, "keep_originals": True}
    one = expand_tree(small_src, tmp_path / "one", _config(NEAR_IDENTITY, variants=1,
                                                           dataset=dataset))
    two = expand_tree(small_src, tmp_path / "two", _config(COVERING, variants=1,
                                                           dataset=dataset))
    result = evaluate(one, compare=[two], seeds=1, progress=False)
    assert set(result["compare"]) == {"two"}
    assert "two: real+augmented vs one: real+augmented" in result["deltas"]
    # the real arm is the same originals in both: identical scores
    assert result["compare"]["two"]["arms"]["real"] == result["arms"]["real"]
    other = texture_tree(tmp_path / "other", per_class=12, seed=9, photos_per_class=2)
    three = expand_tree(other, tmp_path / "three", _config(NEAR_IDENTITY, variants=1,
                                                           dataset=dataset))
    with pytest.raises(MediasynthError, match="sha256"):
        evaluate(one, compare=[three], seeds=1, progress=False)


def test_an_unreadable_test_file_is_named_and_exits_3(tmp_path, small_src, capsys):
    out = expand_tree(small_src, tmp_path / "out", _config(NEAR_IDENTITY, variants=1))
    test = texture_tree(tmp_path / "test", per_class=6, seed=8, photos_per_class=1)
    good = (test / "bark" / "000.png").read_bytes()
    (test / "bark" / "bad.png").write_bytes(good[: len(good) // 3])  # cut short
    (test / "loose.png").write_bytes(good)  # no class folder
    assert main(["evaluate", str(out), "--test", str(test), "--seeds", "1", "-q"]) == 3
    result = json.loads((out / EVALUATION).read_text())
    assert result["test_set"]["items"] == 24
    reasons = {s["path"]: s["code"] for s in result["skipped"]["items"]}
    assert reasons == {"bark/bad.png": "truncated", "loose.png": "unlabelled"}
    assert "2 item(s) left out" in capsys.readouterr().err


def test_max_seconds_keeps_the_seeds_done_and_says_so(tmp_path, small_src):
    out = expand_tree(small_src, tmp_path / "out", _config(NEAR_IDENTITY, variants=1, dataset={
        "split": {"train": 0.6, "val": 0.0, "test": 0.4}, "keep_originals": True}))
    result = evaluate(out, seeds=4, max_seconds=0.001, progress=False)
    assert result["settings"]["seeds"] == [0]
    assert any("stopped after 1 of 4 seeds" in n for n in result["notes"])


def test_evaluate_refreshes_the_report_of_an_out_that_has_one(tmp_path, small_src, capsys):
    from mediasynth.report.html import write_report

    out = expand_tree(small_src, tmp_path / "out", _config(COVERING, variants=1, dataset={
        "split": {"train": 0.6, "val": 0.0, "test": 0.4}, "keep_originals": True}))
    write_report(out)
    assert "Does it help?" not in (out / "report.html").read_text()
    assert main(["evaluate", str(out), "--seeds", "1", "-q"]) == 0
    page = (out / "report.html").read_text()
    assert "Does it help?" in page and "Learning curves" in page
    assert f"wrote {out / EVALUATION}" in capsys.readouterr().out


def test_a_coco_dataset_is_evaluated_on_its_object_crops(tmp_path):
    src = coco_shapes_tree(tmp_path / "src", images=60, seed=1)
    out = expand_tree(src, tmp_path / "out", _config(
        [{"type": "image.flip_horizontal"}, {"type": "image.rotate90"}], variants=2, dataset={
            "split": {"train": 0.7, "val": 0.0, "test": 0.3}, "keep_originals": True}))
    rows = read_manifest(out)
    test_objects = sum(len(r["annotation"]["objects"]) for r in rows
                       if r["split"] == "test" and r["status"] == "ok")
    result = evaluate(out, seeds=2, progress=False)
    assert result["test_set"]["items"] == test_objects > 30
    assert set(result["test_set"]["classes"]) == {"circle", "square", "triangle"}
    assert result["train"]["augmented"]["items"] == 2 * result["train"]["real"]["items"]
    assert any("box crop" in n for n in result["notes"])
    assert result["arms"]["real"]["macro_f1"]["mean"] > 0.6  # shapes are easy to tell apart
    # the same layout as a real --test folder: its objects are the test items
    test = coco_shapes_tree(tmp_path / "test", images=20, seed=2)
    on_folder = evaluate(out, test=test, seeds=1, progress=False)
    n_objects = len(json.loads((test / "annotations" / "instances_default.json")
                               .read_text())["annotations"])
    assert on_folder["test_set"]["items"] == n_objects


def test_an_event_table_is_evaluated_on_its_event_windows(tmp_path):
    """A DCASE-style dataset (metadata/<subset>.tsv + audio/<subset>/, several overlapping
    events per 4 s recording, recordings without events): every event's window is an item of
    its label; noise augmentation helps on a noisy test set of the same layout."""
    import csv

    src = events_tree(tmp_path / "src", recordings=40, seed=1)
    test = events_tree(tmp_path / "test", recordings=20, seed=2, snr_db_range=(0, 10),
                       subset="eval")
    out = expand_tree(src, tmp_path / "out", _config(
        [{"type": "audio.add_noise", "snr_db_range": [0, 15]}], variants=2, kind="audio"))
    result = evaluate(out, test=test, seeds=2, progress=False)
    with open(test / "metadata" / "eval.tsv", newline="") as fh:
        events = [r for r in csv.DictReader(fh, delimiter="\t") if r["event_label"]]
    assert result["test_set"]["items"] == len(events) > 40
    assert set(result["test_set"]["classes"]) == {"hum", "chirp", "clicks", "bell"}
    with open(src / "metadata" / "train.tsv", newline="") as fh:
        train_events = sum(1 for r in csv.DictReader(fh, delimiter="\t") if r["event_label"])
    assert result["train"]["real"]["items"] == train_events
    assert result["train"]["augmented"]["items"] == 2 * train_events
    assert result["train"]["real"]["sources"] == 36  # every tenth recording has no event
    assert any("event's window" in n for n in result["notes"])
    delta = result["deltas"]["real+augmented vs real"]
    assert delta["verdict"] == "gain" and delta["macro_f1"]["ci95"][0] > 0, delta
    assert result["arms"]["real+augmented"]["macro_f1"]["mean"] > 0.6  # chance is 1/4
    # the OUT's own test split (the dataset's eval subset): windows of its test originals
    both = events_tree(tmp_path / "both", recordings=24, seed=3)
    events_tree(both, recordings=10, seed=4, subset="eval")
    split_out = expand_tree(both, tmp_path / "split", _config(
        [{"type": "audio.add_noise", "snr_db_range": [0, 15]}], variants=1, kind="audio"))
    rows = read_manifest(split_out)
    test_windows = sum(len(r["annotation"]["events"]) for r in rows
                       if r["split"] == "test" and r["status"] == "ok")
    on_split = evaluate(split_out, seeds=1, progress=False)
    assert on_split["test_set"]["items"] == test_windows > 10


def test_ms_evaluate_returns_and_writes_the_result(tmp_path, small_src):
    import mediasynth as ms

    out = expand_tree(small_src, tmp_path / "out", _config(NEAR_IDENTITY, variants=1, dataset={
        "split": {"train": 0.6, "val": 0.0, "test": 0.4}, "keep_originals": True}))
    result = ms.evaluate(out, seeds=1, progress=False)
    assert json.loads((out / EVALUATION).read_text()) == result
    assert set(result["arms"]) == {"real", "real+augmented", "augmented"}
    with pytest.raises(ms.MediasynthError, match="not a mediasynth OUT"):
        ms.evaluate(small_src, seeds=1, progress=False)
    with pytest.raises(ms.ConfigError, match="unknown probe"):
        ms.evaluate(out, probe="forest", progress=False)
