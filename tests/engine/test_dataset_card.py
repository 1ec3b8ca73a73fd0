"""Every OUT describes itself: README.md (a Hugging Face dataset card whose configs
`datasets` loads) and croissant.json (Croissant 1.0), generated from the manifest, with
the sources' licences and attributions carried through the manifest rows."""

from __future__ import annotations

import csv
import json
import os
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from mediasynth.engine.plan import RESERVED_NAMES
from tests.io.layouts.helpers import expand, pipeline_file, rows

PIPELINE = """seed: 7
image:
  - {type: image.flip_horizontal, p: 0.5}
  - {type: image.affine, angle_deg_range: [-10, 10], border_mode: constant}
dataset: {split: {train: 0.6, val: 0.2, test: 0.2}, license: cc-by-4.0}
"""
N_PER_CLASS = 60


def licensed_tree(root: Path) -> Path:
    """Two classes of images (grayscale beside RGB, several sizes, a non-UTF-8 name, one
    damaged file) listed in labels.csv with license/attribution columns; LICENSE and
    ATTRIBUTION files at the top."""
    src = root / "src"
    rng = np.random.default_rng(0)
    lines = []
    for cls in ("cat", "dog"):
        (src / cls).mkdir(parents=True)
        for i in range(N_PER_CLASS):
            shape = (40 + i % 3 * 8, 48) if i % 4 == 0 else (40, 48 + i % 2 * 16, 3)
            name = f"{cls}_{i:03d}.png"
            Image.fromarray(rng.integers(0, 255, shape, dtype=np.uint8)).save(src / cls / name)
            lines.append([f"{cls}/{name}", cls, "cc-by-4.0" if i % 2 else "cc0-1.0",
                          f"photo by user{i % 3}" if i % 2 else ""])
    odd = os.fsencode(str(src / "cat")) + b"/caf\xe9_raw.png"
    Image.fromarray(rng.integers(0, 255, (40, 48, 3), dtype=np.uint8)).save(odd.decode(
        "utf-8", "surrogateescape"))
    (src / "dog" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40)
    lines.append(["dog/broken.png", "dog", "cc0-1.0", ""])
    with open(src / "labels.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["path", "label", "license", "attribution"])
        writer.writerows(lines)
    (src / "LICENSE").write_text("CC-BY-4.0\n\nCreative Commons Attribution 4.0 ...\n")
    (src / "ATTRIBUTION").write_text("Photos from the example archive, 2024.\n")
    return src


@pytest.fixture(scope="module")
def expanded(tmp_path_factory) -> tuple[Path, Path, int]:
    root = tmp_path_factory.mktemp("card")
    src = licensed_tree(root)
    out = root / "out"
    code = expand(src, out, pipeline_file(root, PIPELINE), "-n", "2")
    return src, out, code


def test_the_card_is_a_hugging_face_dataset_card_with_loadable_configs(expanded, tmp_path):
    from huggingface_hub import DatasetCard

    _, out, code = expanded
    assert code == 3  # the damaged file is a reason row
    card = DatasetCard.load(out / "README.md")
    data = card.data.to_dict()
    assert data["license"] == "cc-by-4.0"
    assert data["task_categories"] == ["image-classification"]
    assert data["size_categories"] == ["n<1K"]
    (config,) = data["configs"]
    assert config["config_name"] == "default"
    assert [f["split"] for f in config["data_files"]] == ["test", "train", "val"]
    import datasets

    loaded = datasets.load_dataset(str(out), cache_dir=str(tmp_path / "hf"))
    ok = [r for r in rows(out) if r["status"] == "ok"]
    assert {s: loaded[s].num_rows for s in loaded} == {
        s: sum(r["split"] == s for r in ok) for s in ("train", "val", "test")}
    names = loaded["train"].features["label"].names
    assert sorted(names) == ["cat", "dog"]
    first = loaded["train"][0]
    source = next(r for r in ok if r["split"] == "train" and r["class"] ==
                  names[first["label"]])
    assert source["class"] in names


def test_the_body_says_where_the_data_came_from_and_what_was_done(expanded):
    src, out, _ = expanded
    text = (out / "README.md").read_text(encoding="utf-8")
    body = text.split("---\n", 2)[2]
    ok = [r for r in rows(out) if r["status"] == "ok"]
    assert f"{len(ok)} outputs made by mediasynth" in body
    assert "Seed: 7" in body and "type: image.affine" in body
    assert "Fractions: train 0.6, val 0.2, test 0.2" in body
    assert "| skipped | damaged |" in body or "| skipped | unreadable |" in body
    assert "| cat | train | image |" in body
    assert "numpy" in body and "## Limitations" in body
    assert "SRC's `LICENSE`: CC-BY-4.0" in body
    assert "SRC's `ATTRIBUTION`: Photos from the example archive, 2024." in body
    assert "| cc-by-4.0 | photo by user1 |" in body and "| cc0-1.0 | Photos from" in body
    for name in ("README.md", "croissant.json"):
        assert name in RESERVED_NAMES


def test_manifest_rows_carry_each_sources_licence_and_attribution(expanded):
    _, out, _ = expanded
    by_source = {r["source"]: r.get("provenance") for r in rows(out) if r["status"] == "ok"}
    assert by_source["cat/cat_001.png"] == {"license": "cc-by-4.0",
                                            "attribution": "photo by user1"}
    assert by_source["cat/cat_002.png"] == {
        "license": "cc0-1.0", "attribution": "Photos from the example archive, 2024."}


def test_croissant_has_the_required_fields_and_matches_the_files(expanded):
    _, out, _ = expanded
    doc = json.loads((out / "croissant.json").read_text())
    assert doc["@type"] == "sc:Dataset"
    assert doc["conformsTo"] == "http://mlcommons.org/croissant/1.0"
    for key in ("name", "description", "license", "url", "distribution", "recordSet"):
        assert doc[key], key
    assert doc["@context"]["cr"] == "http://mlcommons.org/croissant/"
    import hashlib

    manifest = next(d for d in doc["distribution"] if d["@type"] == "cr:FileObject")
    assert manifest["sha256"] == hashlib.sha256((out / "manifest.jsonl").read_bytes()
                                                ).hexdigest()
    filesets = [d for d in doc["distribution"] if d["@type"] == "cr:FileSet"]
    covered = {p for d in filesets for pattern in d["includes"] for p in out.glob(pattern)}
    ok = {out / r["output"] for r in rows(out) if r["status"] == "ok"}
    assert covered == ok
    fields = doc["recordSet"][0]["field"]
    assert {f["name"] for f in fields} >= {"output", "split", "class", "source"}
    assert all(f["source"]["fileObject"]["@id"] == "manifest.jsonl" for f in fields)


def test_croissant_validates_with_mlcroissant(expanded):
    """mlcroissant here, or in the Python TOOLS_PYTHON names (as bench/
    cvat_labelstudio_roundtrip.py uses: mlcroissant stays out of mediasynth's environment)."""
    import importlib.util
    import subprocess

    _, out, _ = expanded
    code = ("import mlcroissant, sys; d = mlcroissant.Dataset(jsonld=sys.argv[1]); "
            "print(d.metadata.name)")
    python = os.environ.get("TOOLS_PYTHON")
    if importlib.util.find_spec("mlcroissant") is not None:
        python = sys.executable
    elif not python or not Path(python).exists():
        pytest.skip("mlcroissant is not installed (set TOOLS_PYTHON to a Python that has it)")
    done = subprocess.run([python, "-c", code, str(out / "croissant.json")],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "src (mediasynth)"


def test_same_seed_same_card_bytes(expanded, tmp_path):
    src, out, _ = expanded
    again = tmp_path / "again"
    expand(src, again, pipeline_file(tmp_path, PIPELINE), "-n", "2")
    for name in ("README.md", "croissant.json"):
        assert (again / name).read_bytes() == (out / name).read_bytes()


def test_an_annotated_out_declares_its_boxes_and_mixed_kinds_get_a_config_each(tmp_path):
    import datasets
    from huggingface_hub import DatasetCard

    from tests.io.layouts.test_labelstudio import PIPELINE as LS_PIPELINE
    from tests.io.layouts.test_labelstudio import label_studio_tree

    src, _ = label_studio_tree(tmp_path, n_images=24, n_audio=6)
    out = tmp_path / "out"
    assert expand(src, out, pipeline_file(tmp_path, LS_PIPELINE, split=True), "-n", "1") == 0
    data = DatasetCard.load(out / "README.md").data.to_dict()
    assert [c["config_name"] for c in data["configs"]] == ["image", "audio"]
    assert data["configs"][0]["default"] and data["configs"][1]["drop_metadata"]
    assert {"object-detection", "image-segmentation", "keypoint-detection",
            "audio-classification"} <= set(data["task_categories"])
    images = datasets.load_dataset(str(out), "image", cache_dir=str(tmp_path / "hf"))
    ok = [r for r in rows(out) if r["status"] == "ok"]
    assert sum(d.num_rows for d in images.values()) == sum(r["kind"] == "image" for r in ok)
    boxes = sum(len(row["objects"]["bbox"]) for split in images.values() for row in split)
    assert boxes == sum(len(r["annotation"]["objects"]) for r in ok if r["kind"] == "image")
    builder = datasets.load_dataset_builder(str(out), "audio", cache_dir=str(tmp_path / "hf"))
    assert sum(len(v) for v in builder.config.data_files.values()) == \
        sum(r["kind"] == "audio" for r in ok)


def test_a_synth_out_gets_a_card_of_its_generator(tmp_path):
    import datasets
    from huggingface_hub import DatasetCard

    from mediasynth.core.registry import lookup
    from mediasynth.engine.synth_runner import run_synth

    out = tmp_path / "synth"
    generator = lookup("synth.shapes")(width=32, height=32)
    made = run_synth(generator, out, count=60, seed=3, split={"train": 0.8, "val": 0.2},
                     workers=1).rows
    card = DatasetCard.load(out / "README.md")
    assert card.data.to_dict()["pretty_name"] == "synth.shapes (mediasynth)"
    assert "60 items generated by mediasynth's `synth.shapes` generator, seed 3." in card.text
    assert "type: synth.shapes" in card.text and "procedural generator" in card.text
    loaded = datasets.load_dataset(str(out), cache_dir=str(tmp_path / "hf"))
    assert {s: d.num_rows for s, d in loaded.items()} == dict(Counter(r["split"] for r in made))
    assert json.loads((out / "croissant.json").read_text())["name"] == card.data.pretty_name


def test_a_webdataset_out_declares_its_shards(tmp_path, capsys):
    import datasets

    from tests.engine.helpers import make_tree

    src = make_tree(tmp_path / "src", images=(("circle", 12), ("square", 8)), tones=())
    out = tmp_path / "out"
    mixed = tmp_path / "mixed"  # PNG and JPEG sources: a warning says HF cannot load that
    assert expand(src, mixed, pipeline_file(tmp_path, PIPELINE), "-n", "1", "--format",
                  "webdataset") == 0
    assert "Hugging Face datasets cannot load such shards" in capsys.readouterr().err
    from PIL import Image

    for jpeg in list(src.rglob("*.jpg")):  # copied originals keep their format: PNG only
        Image.open(jpeg).save(jpeg.with_name(jpeg.stem + "_png.png"))
        jpeg.unlink()
    assert expand(src, out, pipeline_file(tmp_path, PIPELINE), "-n", "1", "--format",
                  "webdataset") == 0
    assert "cannot load such shards" not in capsys.readouterr().err
    text = (out / "README.md").read_text()
    assert "- train/*.tar" in text and "- test/*.tar" in text
    loaded = datasets.load_dataset(str(out), cache_dir=str(tmp_path / "hf"))
    ok = [r for r in rows(out) if r["status"] == "ok"]
    assert sum(d.num_rows for d in loaded.values()) == len(ok)
    doc = json.loads((out / "croissant.json").read_text())
    assert {d["encodingFormat"] for d in doc["distribution"]} == {
        "application/jsonlines", "application/x-tar"}


def test_dataset_license_must_be_a_name(tmp_path):
    from mediasynth.core.config import load_pipeline
    from mediasynth.core.errors import ConfigError

    (tmp_path / "ok.yaml").write_text("dataset: {license: mit}\n")
    assert load_pipeline(tmp_path / "ok.yaml").dataset.license == "mit"
    (tmp_path / "bad.yaml").write_text("dataset: {license: 5}\n")
    with pytest.raises(ConfigError, match="dataset.license must be a licence name"):
        load_pipeline(tmp_path / "bad.yaml")
