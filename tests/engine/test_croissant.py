"""engine/croissant.py: the Croissant 1.0 document of an OUT, built from the dataset card's
configs: required properties, the manifest with its sha256, one FileSet per split and media
type, the record set read from the manifest; nothing that depends on the clock or on where
OUT is. (A real OUT's document: test_dataset_card.py.)"""

from __future__ import annotations

import hashlib
import json

from mediasynth.engine.croissant import (
    CONFORMS_TO,
    MANIFEST_FIELDS,
    croissant,
    encoding_format,
    write_text,
)

CONFIGS = [{"config_name": "default", "data_files": [
    {"split": "train", "path": ["train/*/*.png", "train/*/*.jpg", "train/*/*.wav"]},
    {"split": "val", "path": ["val/*/*.png"]}]}]


def _doc(out):
    return croissant(out, name="pets", description="Cats and dogs", license_id="CC-BY-4.0",
                     keywords=["image"], configs=CONFIGS, version="0.1.0")


def test_the_document_describes_the_manifest_and_each_split_and_media_type(tmp_path):
    (tmp_path / "manifest.jsonl").write_bytes(b'{"id":"x"}\n')
    doc = _doc(tmp_path)
    assert doc["conformsTo"] == CONFORMS_TO and doc["url"] == "./"
    assert {k: doc[k] for k in ("name", "description", "license", "version")} == {
        "name": "pets", "description": "Cats and dogs", "license": "CC-BY-4.0",
        "version": "0.1.0"}
    manifest, *sets = doc["distribution"]
    wav = encoding_format("x.wav")  # the platform's: audio/wav or audio/x-wav
    assert manifest["sha256"] == hashlib.sha256(b'{"id":"x"}\n').hexdigest()
    assert {(s["@id"], s["encodingFormat"], tuple(s["includes"])) for s in sets} == {
        ("default-train-jpeg", "image/jpeg", ("train/*/*.jpg",)),
        ("default-train-png", "image/png", ("train/*/*.png",)),
        (f"default-train-{wav.split('/')[1]}", wav, ("train/*/*.wav",)),
        ("default-val-png", "image/png", ("val/*/*.png",))}
    fields = doc["recordSet"][0]["field"]
    assert [f["name"] for f in fields] == [k for k, _ in MANIFEST_FIELDS]
    assert all(f["source"]["extract"]["jsonPath"] == f"$.{f['name']}" for f in fields)
    assert fields[4]["dataType"] == "sc:Integer"


def test_the_same_out_gives_the_same_text_wherever_and_whenever(tmp_path):
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "manifest.jsonl").write_text('{"id":"y"}\n')
    first, second = write_text(_doc(tmp_path / "a")), write_text(_doc(tmp_path / "b"))
    assert first == second and str(tmp_path) not in first
    assert json.loads(first)["distribution"][0]["sha256"]


def test_an_out_without_a_manifest_has_an_empty_digest(tmp_path):
    assert _doc(tmp_path)["distribution"][0]["sha256"] == ""


def test_media_types_by_suffix_with_fallbacks():
    assert encoding_format("x/*.jsonl") == "application/jsonlines"
    assert encoding_format("train/shard-*.tar") == "application/x-tar"
    assert encoding_format("a/*.FLAC") == "audio/flac"
    assert encoding_format("a/*.webp") == "image/webp"
    assert encoding_format("a/*.mkv") == "video/x-matroska"
    assert encoding_format("a/*.mp4") == "video/mp4"
    assert encoding_format("a/*.xyz123") == "application/octet-stream"
