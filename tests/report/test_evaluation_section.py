"""The report's evaluate section: drawn from OUT/evaluation.json when present."""

from __future__ import annotations

import json
import re

from mediasynth.report.evaluation_section import evaluation_section
from mediasynth.report.html import write_report
from tests.report.quality.generated import expand_tree, texture_tree


def _estimate(mean: float, half: float = 0.05) -> dict:
    return {"mean": mean, "ci95": [mean - half, mean + half]}


def _result(classes: list[str]) -> dict:
    arms = {name: {"macro_f1": _estimate(m), "accuracy": _estimate(m),
                   "per_class_recall": {c: _estimate(m) for c in classes}}
            for name, m in (("real", 0.6), ("real+augmented", 0.8), ("augmented", 0.7))}
    curves = {name: [{"fraction": f, "sources": int(40 * f), "macro_f1": _estimate(m * f ** 0.2),
                      "accuracy": _estimate(m)} for f in (0.25, 0.5, 1.0)]
              for name, m in (("real", 0.6), ("real+augmented", 0.8), ("augmented", 0.7))}
    per_class = {c: _estimate(0.2 if i % 2 else -0.1) for i, c in enumerate(classes)}
    per_class[classes[-1]] = {"mean": None, "ci95": [None, None]}
    return {"settings": {"probe": "linear", "seeds": [0, 1, 2]}, "arms": arms,
            "learning_curves": curves, "test_set": {"items": 80, "from": "folder"},
            "deltas": {"real+augmented vs real": {"macro_f1": _estimate(0.2), "verdict": "gain",
                                                  "per_class_recall": per_class}},
            "summary": ["real+augmented vs real: macro-F1 +0.200: gain <b>"],
            "fidelity": {"features": "image: HOG", "precision": 0.9, "recall": 0.8,
                         "density": 1.0, "coverage": 0.85, "two_sample_auc": 0.7,
                         "nearest_real_distance": {"ratio_of_medians": 0.5}}}


def test_the_report_draws_curves_and_delta_bars_from_evaluation_json(tmp_path):
    src = texture_tree(tmp_path / "src", per_class=6, seed=0, photos_per_class=1)
    out = expand_tree(src, tmp_path / "out", {
        "version": 1, "seed": 0, "variants": 1,
        "image": [{"type": "image.flip_horizontal"}],
        "dataset": {"split": {"train": 1.0, "val": 0.0}}})
    page = write_report(out).read_text()
    assert "Does it help?" not in page  # no evaluation.json yet
    classes = ["bark", "clouds", "gravel", "waves"]
    (out / "evaluation.json").write_text(json.dumps(_result(classes)))
    page = write_report(out).read_text()
    section = page[page.index("<section id='evaluation'>"):]
    section = section[: section.index("</section>")]
    assert "Learning curves" in section and "Per-class recall change" in section
    assert section.count("<polyline") == 3  # one line per arm
    assert section.count("<polygon") == 3  # and its interval band
    bars = re.findall(r"<rect [^>]*><title>(\w+): ([+-][0-9.]+)", section)
    assert bars == [("bark", "-0.100"), ("clouds", "+0.200"), ("gravel", "-0.100")]
    assert "gain &lt;b&gt;" in section  # text is escaped
    assert "two_sample_auc" in section


def test_an_unreadable_evaluation_json_leaves_the_section_out(tmp_path):
    (tmp_path / "evaluation.json").write_text("{not json")
    assert evaluation_section(tmp_path) == ""
    (tmp_path / "evaluation.json").write_text(json.dumps({"arms": {}}))
    assert evaluation_section(tmp_path) == ""


def test_an_online_arm_is_drawn_and_explained(tmp_path):
    classes = ["bark", "clouds"]
    result = _result(classes)
    result["arms"]["online"] = result["arms"]["real"]
    result["learning_curves"]["online"] = result["learning_curves"]["real"]
    result["settings"]["online"] = {"epochs": 8, "pipeline": "OUT/pipeline.yaml",
                                    "how": "pass p reads epoch p mod epochs"}
    (tmp_path / "evaluation.json").write_text(json.dumps(result))
    section = evaluation_section(tmp_path)
    assert section.count("<polyline") == 4
    assert "<td>online</td>" in section
    assert "Arm <b>online</b>" in section and "8 seeded loader epochs" in section
