from __future__ import annotations

from pathlib import Path

from mediasynth.core.config import DatasetOptions, Pipeline
from mediasynth.engine.plan import make_plan, variants_per_source
from mediasynth.io.discover import Found


def _found(paths):
    return [Found(p, Path("/x") / p, "image", "png", 10) for p in paths]


def test_output_names_are_injective_and_never_reserved():
    names = ["cls/sub/k.jpg", "cls/sub__k.jpg", "cls/a_/b.jpg", "cls/a/_b.jpg", "cls/x.jpg",
             "cls/x.png", "cls/x~1.jpg", "cls/" + "long" * 80 + ".jpg",
             "cls/caf\udce9.jpg", "cls/plain.jpg", "report_assets/r.png"]
    from mediasynth.core.registry import build

    pipeline = Pipeline(variants=2, chains={"image": build([{"type": "image.flip_horizontal"}])})
    plan = make_plan(_found(names), pipeline,
                     output_extension=lambda k, f: ".jpg")
    paths = [o.rel_path for j in plan.jobs for o in j.outputs]
    assert len(paths) == len(set(paths)) == 2 * (len(names) - 1)
    assert "cls/plain__v000.jpg" in paths and "cls/sub__k__v001.jpg" in paths
    assert all(len(p.encode("utf-8")) < 200 for p in paths)
    assert all(p.encode("utf-8") for p in paths)  # every output name is valid UTF-8
    reserved = next(j for j in plan.jobs if j.source.startswith("report_assets"))
    assert reserved.problem[0] == "unsupported" and not reserved.outputs


def test_a_kind_without_chain_is_copied_once():
    from mediasynth.core.registry import build

    files = _found(["a/1.png"]) + [Found("a/2.wav", Path("/x/a/2.wav"), "audio", "wav", 10)]
    pipeline = Pipeline(variants=3, chains={"image": build([{"type": "image.flip_horizontal"}])})
    plan = make_plan(files, pipeline, output_extension=lambda k, f: "." + f)
    by_source = {j.source: [o.variant for o in j.outputs] for j in plan.jobs}
    assert by_source == {"a/1.png": [0, 1, 2], "a/2.wav": [-1]}


def test_oversample_and_undersample_counts():
    by_class = {"a": ["a/1", "a/2", "a/3"], "b": ["b/1"]}
    over = variants_per_source(by_class, variants=2, balance="oversample", class_targets=None)
    assert sum(v for k, v in over.items() if k.startswith("a")) == 6 == over["b/1"]
    under = variants_per_source(by_class, variants=2, balance="undersample", class_targets=None)
    assert sum(v for k, v in under.items() if k.startswith("a")) == 2 == under["b/1"]
    explicit = variants_per_source(by_class, variants=2, balance="none", class_targets={"b": 5})
    assert explicit["b/1"] == 5


def test_val_and_test_get_originals_only_and_outputs_never_collide():
    files = _found([f"a/{i}.png" for i in range(10)] + ["a/x.png", "a/x.jpg", "a/sub/x.png"])
    from mediasynth.core.registry import build

    pipeline = Pipeline(variants=2, dataset=DatasetOptions(split={"train": 0.5, "val": 0.5}),
                        chains={"image": build([{"type": "image.flip_horizontal"}])})
    plan = make_plan(files, pipeline, output_extension=lambda k, f: ".png")
    paths = [o.rel_path for j in plan.jobs for o in j.outputs]
    assert len(paths) == len(set(paths))
    for job in plan.jobs:
        if job.split == "val":
            assert [o.variant for o in job.outputs] == [-1]
        else:
            assert [o.variant for o in job.outputs] == [0, 1]
        assert all(o.rel_path.startswith(f"{job.split}/a/") for o in job.outputs)
