"""The public Python API (mediasynth/api.py) as a notebook uses it: no CLI involved."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

import mediasynth as ms
from mediasynth.io.image_io import write_image

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"


def _digests(root: Path) -> dict[str, str]:
    """sha256 of every output and annotation file (not the report, whose page names times)."""
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()
            and not p.relative_to(root).as_posix().startswith(("report", ".mediasynth", "run."))}


def _photo_tree(root: Path, per_class: int = 60) -> Path:
    """Three classes of small images: RGB JPEGs next to grayscale PNGs, one name that is not
    UTF-8, one empty file (a reason row)."""
    rng = np.random.default_rng(3)
    for c, cls in enumerate(("cat", "dog", "owl")):
        folder = root / cls
        folder.mkdir(parents=True)
        for i in range(per_class):
            yy, xx = np.mgrid[0:40, 0:56]
            base = ((xx * (c + 2) + yy * (i % 7 + 1)) % 256).astype(np.uint8)
            if i % 3 == 0:
                write_image(ms.Image(base[:, :, None]), folder / f"{cls}_{i:03d}.png")
            else:
                noise = rng.integers(0, 40, (40, 56, 3), dtype=np.uint8)
                write_image(ms.Image(np.dstack([base, base[::-1], base[:, ::-1]]) // 2 + noise),
                            folder / f"{cls}_{i:03d}.jpg")
    odd = os.fsencode(root / "owl") + b"/caf\xe9_latin1.png"  # a Latin-1 name
    with open(odd, "wb") as f:
        f.write((root / "owl" / "owl_000.png").read_bytes())
    (root / "dog" / "empty.jpg").write_bytes(b"")
    return root


def test_notebook_expand_then_dataset_on_the_samples(tmp_path):
    result = ms.expand(SAMPLES, tmp_path / "out", split=(0.8, 0.2), variants=2, seed=5,
                       progress=False)
    assert isinstance(result, ms.ExpandResult) and result.exit_code == 0 and not result.problems
    assert result.manifest == tmp_path / "out" / "manifest.jsonl"
    assert result.report is not None and result.report.is_file()
    assert set(result.counts) == {"train", "val"}
    rows = result.rows()
    ok = [r for r in rows if r["status"] == "ok"]
    assert result.statuses == {"ok": len(ok)} and result.outputs == len(ok)
    for split in ("train", "val"):
        for cls, n in result.counts[split].items():
            assert n == sum(r["split"] == split and r["class"] == cls for r in ok)

    train = ms.MediaDataset(tmp_path / "out", split="train")
    assert len(train) == sum(result.counts["train"].values())
    kinds = set()
    for i in range(len(train)):
        item = train[i]
        assert train.classes[item["label"]] == item["class"]
        assert "/train/" in item["path"].replace(os.sep, "/")
        kinds |= {k for k in ("image", "audio", "video") if k in item}
    assert kinds == {"image", "audio", "video"}


def test_expand_at_scale_with_mixed_images_and_a_bad_file(tmp_path):
    src = _photo_tree(tmp_path / "src")
    result = ms.expand(src, tmp_path / "out", "image_classification", variants=1, seed=1,
                       split={"train": 0.7, "val": 0.15, "test": 0.15}, workers=2,
                       report=False, progress=False)
    assert result.exit_code == 3  # a skipped source makes the CLI exit 3
    [problem] = result.problems
    assert (problem.source, problem.status, problem.code) == ("dog/empty.jpg", "skipped",
                                                               "empty")
    assert problem.row_id in {r["id"] for r in result.rows()}
    assert set(result.counts) == {"train", "val", "test"}
    assert result.statuses == {"ok": result.outputs, "skipped": 1}
    assert result.counts == result.planned  # every planned output written
    # 181 usable sources (the empty one skipped), each in exactly one split
    split_of: dict[str, set] = {}
    for r in result.rows():
        if r["status"] == "ok":
            split_of.setdefault(r["source"], set()).add(r["split"])
    assert len(split_of) == 181 and all(len(s) == 1 for s in split_of.values())
    rows = [r for r in result.rows() if r["status"] == "ok"]
    assert any(r["source"].endswith("_latin1.png") for r in rows)
    assert result.pipeline.variants == 1 and result.pipeline.dataset.split["test"] == 0.15
    for split, by_class in result.counts.items():
        loaded = ms.MediaDataset(tmp_path / "out", split=split)
        assert len(loaded) == sum(by_class.values())
        assert {loaded[i]["image"].ndim for i in range(0, len(loaded), 7)} == {3}


def test_a_chain_of_transform_objects_equals_the_same_chain_from_yaml(tmp_path):
    src = _photo_tree(tmp_path / "src", per_class=8)
    chain = ms.Compose([ms.image.HorizontalFlip(p=0.5),
                        ms.image.Rotate(angle_deg_range=(-20, 20))])
    by_objects = ms.expand(src, tmp_path / "a", chain, variants=2, seed=4, report=False,
                           progress=False)
    # the same file by hand: the default pipeline's settings, this one chain and no other
    config = {key: value for key, value in ms.load_pipeline().to_config().items()
              if key not in ("image", "audio", "video")}
    config.update(variants=2, seed=4, image=[
        {"type": "image.flip_horizontal", "p": 0.5},
        {"type": "image.rotate", "angle_deg_range": [-20, 20]}])
    yaml_file = tmp_path / "chain.yaml"
    yaml_file.write_text(yaml.safe_dump(config, sort_keys=False))
    by_yaml = ms.expand(src, tmp_path / "b", yaml_file, report=False, progress=False)
    assert by_objects.pipeline.sha256() == by_yaml.pipeline.sha256()
    assert by_objects.outputs == by_yaml.outputs > 24
    assert _digests(tmp_path / "a") == _digests(tmp_path / "b")
    names = {n for r in by_objects.rows() if r["record"]
             for n in ms.OpRecord.from_dict(r["record"]).applied_names()}
    assert "image.rotate" in names


def test_same_seed_same_bytes_again_and_resume_keeps_everything(tmp_path):
    src = _photo_tree(tmp_path / "src", per_class=10)
    first = ms.expand(src, tmp_path / "out", variants=2, seed=9, report=False, progress=False)
    digests = _digests(tmp_path / "out")
    again = ms.expand(src, tmp_path / "out", variants=2, seed=9, report=False, progress=False)
    assert again.resumed == first.outputs and _digests(tmp_path / "out") == digests


def test_missing_src_raises_source_not_found(tmp_path):
    with pytest.raises(ms.SourceNotFound, match="does not exist") as caught:
        ms.expand(tmp_path / "nowhere", tmp_path / "out", progress=False)
    assert isinstance(caught.value, ms.FatalError) and isinstance(caught.value,
                                                                  ms.MediasynthError)
    assert not (tmp_path / "out").exists()


def test_out_locked_by_another_live_run_raises_out_locked(tmp_path):
    src = _photo_tree(tmp_path / "src", per_class=2)
    out = tmp_path / "out"
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time\nfrom mediasynth.engine.sink import OutLock\n"
         f"with OutLock({str(out)!r}):\n    print('held', flush=True)\n    time.sleep(60)"],
        stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(ms.OutLocked, match="another mediasynth run") as caught:
            ms.expand(src, out, report=False, progress=False)
        assert caught.value.pid == str(holder.pid)
        assert not (out / "manifest.jsonl").exists()
    finally:
        holder.kill()
        holder.wait()
    ms.expand(src, out, variants=1, report=False, progress=False)  # free again


def test_bad_pipeline_raises_config_error_naming_file_and_line(tmp_path):
    src = _photo_tree(tmp_path / "src", per_class=2)
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\nimage:\n  - {type: image.rotate, angle_range: [-5, 5]}\n")
    with pytest.raises(ms.ConfigError, match=r"bad\.yaml:3: .*angle_range.*angle_deg_range"):
        ms.expand(src, tmp_path / "out", bad, progress=False)
    with pytest.raises(ms.ConfigError, match="bundled pipelines"):
        ms.load_pipeline("no_such_pipeline")
    with pytest.raises(ms.KindMismatchError):
        ms.Compose([ms.image.Rotate(), ms.audio.Gain()])
    with pytest.raises(ms.ConfigError, match="holds audio transforms"):
        ms.expand(src, tmp_path / "out", {"image": [ms.audio.Gain()]}, progress=False)
    assert not (tmp_path / "out").exists()  # a run refused for its pipeline leaves no OUT


@pytest.mark.parametrize("options, message", [
    ({"variants": -1}, "variants must be an integer >= 0"),
    ({"seed": 1.5}, "seed must be an integer"),
    ({"workers": 0}, "workers must be an integer >= 1"),
    ({"split": (0.5, 0.6)}, "must sum to 1"),
    ({"split": (1.0,)}, "2 or 3 fractions"),
    ({"annotations": ["coco", "bogus"]}, "annotations must be one of"),
    ({"layout": "nope"}, "layout must be one of"),
    ({"executor": "ray"}, "executor must be one of"),
    ({"max_image_pixels": 0}, "max_image_pixels must be a positive number"),
])
def test_bad_options_raise_config_error_before_anything_is_written(tmp_path, options,
                                                                   message):
    src = _photo_tree(tmp_path / "src", per_class=1)
    with pytest.raises(ms.ConfigError, match=message):
        ms.expand(src, tmp_path / "out", progress=False, **options)
    assert not (tmp_path / "out").exists()


def test_dry_run_plans_and_writes_nothing(tmp_path):
    src = _photo_tree(tmp_path / "src", per_class=5)
    result = ms.expand(src, tmp_path / "out", variants=3, split=(0.6, 0.4), dry_run=True,
                       progress=False)
    assert not (tmp_path / "out").exists() and result.counts == {}
    assert sum(n for by in result.planned.values() for n in by.values()) == result.plan.outputs()
    assert [p.code for p in result.problems] == ["empty"] and result.exit_code == 0


def test_synthesize_replay_and_report(tmp_path):
    shapes = ms.synthesize("shapes", tmp_path / "shapes", count=40, seed=2, split=(0.75, 0.25),
                           width=64, height=48, report=False, progress=False)
    assert (shapes.items, shapes.kind, shapes.generator) == (40, "image", "synth.shapes")
    assert len(shapes.rows) == 40 and shapes.manifest.is_file()
    in_train = sum(r["split"] == "train" for r in shapes.rows)
    assert 25 <= in_train <= 35  # a stable hash per item: close to, not exactly, 75 %
    assert len(ms.MediaDataset(tmp_path / "shapes", split="train")) == in_train
    with pytest.raises(ms.ConfigError, match="unknown option 'widht'.*width"):
        ms.synthesize("shapes", tmp_path / "s2", count=3, widht=10, progress=False)

    result = ms.expand(tmp_path / "shapes" / "train", tmp_path / "out", variants=1,
                       report=False, progress=False)
    row = next(r for r in result.rows() if r["status"] == "ok" and r["variant"] is not None)
    with pytest.raises(ms.MediasynthError, match="must be a folder or a file name ending in"):
        ms.replay(tmp_path / "out", row["id"], tmp_path / "again")
    (tmp_path / "again").mkdir()
    replayed = ms.replay(tmp_path / "out", row["id"][:10], tmp_path / "again")
    assert replayed.identical and replayed.path.parent == tmp_path / "again"
    assert replayed.path.read_bytes() == (tmp_path / "out" / row["output"]).read_bytes()
    page = ms.write_report(tmp_path / "out")
    assert page == tmp_path / "out" / "report.html" and page.stat().st_size > 0
    with pytest.raises(ms.MediasynthError, match="not a mediasynth OUT"):
        ms.write_report(tmp_path / "shapes" / "train")


def test_pipeline_save_round_trips_every_bundled_pipeline(tmp_path):
    from mediasynth.core.config import PIPELINES_DIR

    for path in sorted(PIPELINES_DIR.glob("*.yaml")):
        pipeline = ms.load_pipeline(path.stem)
        saved = pipeline.save(tmp_path / f"{path.stem}.yaml")
        again = ms.load_pipeline(saved)
        assert again == pipeline and again.sha256() == pipeline.sha256()
        assert json.dumps(again.to_config(), sort_keys=True) == json.dumps(
            pipeline.to_config(), sort_keys=True)


def test_split_mapping_keys_in_any_order_split_alike(tmp_path):
    src = _photo_tree(tmp_path / "src", per_class=12)
    runs = [ms.expand(src, tmp_path / name, variants=0, split=split, dry_run=True,
                      progress=False)
            for name, split in (("a", (0.6, 0.2, 0.2)), ("b", {"test": 0.2, "val": 0.2,
                                                               "train": 0.6}),
                                ("c", "0.6,0.2,0.2"))]
    splits = [{job.source: job.split for job in run.plan.jobs} for run in runs]
    assert splits[0] == splits[1] == splits[2] and set(splits[0].values()) >= {"train", "val",
                                                                               "test"}


def test_synthesize_from_a_pipeline_source(tmp_path):
    tones = ms.synthesize(None, tmp_path / "tones", pipeline="synth_tones", count=6, seed=1,
                          report=False, progress=False)
    assert (tones.items, tones.kind, tones.generator) == (6, "audio", "synth.tones")
    with pytest.raises(ms.ConfigError, match="default has no source: section"):
        ms.synthesize("pipeline", tmp_path / "none", pipeline="default", progress=False)


def test_the_cli_goes_through_the_api(tmp_path, monkeypatch, capsys):
    """`mediasynth expand` is `api.expand` with the options as keywords, its exceptions
    mapped to exit codes."""
    from mediasynth.cli import main
    from mediasynth.commands import api  # what the CLI calls

    calls = []
    real = api.expand

    def spy(*args, **kwargs):
        calls.append((args, kwargs))
        return real(*args, **kwargs)

    monkeypatch.setattr(api, "expand", spy)
    src = _photo_tree(tmp_path / "src", per_class=3)
    assert main(["expand", str(src), str(tmp_path / "out"), "-n", "1", "--split", "0.5,0.5",
                 "--seed", "3", "-q", "--no-report"]) == 3  # the empty file: exit 3
    [(args, kwargs)] = calls
    assert args == (str(src), str(tmp_path / "out"), None)
    assert kwargs["variants"] == 1 and kwargs["seed"] == 3 and kwargs["report"] is False
    assert kwargs["split"] == {"train": 0.5, "val": 0.5} and kwargs["progress"] is False
    assert main(["expand", str(tmp_path / "nowhere"), str(tmp_path / "o2"), "-q"]) == 1
    assert "does not exist" in capsys.readouterr().err
    assert main(["expand", str(src), str(tmp_path / "o3"), "-n", "-1", "-q"]) == 2
    assert "-n/--variants must be >= 0" in capsys.readouterr().err


def test_synth_from_a_pipeline_takes_its_seed_and_split(tmp_path):
    from mediasynth.cli import main

    pipeline = tmp_path / "p.yaml"
    pipeline.write_text("seed: 7\nsource: {type: synth.shapes, width: 32, height: 32, count: 20}\n"
                        "dataset: {split: {train: 0.5, val: 0.5}}\n")
    assert main(["synth", "pipeline", str(tmp_path / "out"), "-p", str(pipeline), "-q",
                 "--no-report"]) == 0
    import json

    rows = [json.loads(x) for x in (tmp_path / "out" / "manifest.jsonl").read_text().splitlines()]
    assert {r["split"] for r in rows} == {"train", "val"}
    assert sum(r["split"] == "val" for r in rows) == 10
    assert {r["seed"]["root"] for r in rows} == {7}
