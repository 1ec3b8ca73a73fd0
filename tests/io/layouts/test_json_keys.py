"""top_level_keys: the keys of a JSON object file in file order, whatever their order, the
values' size or what the strings hold, in bounded reads."""

from __future__ import annotations

import json
import random

import pytest

from mediasynth.io.layouts.json_keys import top_level_keys


def _value(rng: random.Random, depth: int = 0):
    pick = rng.random()
    if depth > 3 or pick < 0.3:
        return rng.choice([1, -2.5e3, None, True, 'a"b\\', "x[{", "\\", "é€", "}]", ""])
    if pick < 0.6:
        return [_value(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    return {rng.choice(['k', 'a\\"', "[", "]", "{", "images"]): _value(rng, depth + 1)
            for _ in range(rng.randint(0, 3))}


@pytest.mark.parametrize("chunk_bytes", [1, 2, 3, 7, 64, 1 << 20])
def test_keys_match_json_loads_on_hostile_documents(tmp_path, chunk_bytes):
    rng = random.Random(chunk_bytes)
    path = tmp_path / "doc.json"
    for _ in range(40):
        doc = {f'key{j}\\"[{{': _value(rng) for j in range(rng.randint(0, 6))}
        path.write_text(json.dumps(doc, indent=rng.choice([None, 1]),
                                   sort_keys=rng.random() < 0.5, ensure_ascii=rng.random() < .5),
                        encoding="utf-8")
        keys = top_level_keys(path, chunk_bytes=chunk_bytes)
        assert keys is not None and list(keys) == list(doc)
        for key, first in keys.items():
            assert first == json.dumps(doc[key])[0]


def _coco(count: int) -> dict:
    return {"info": {"description": 'has "images": [ in a string'},
            "annotations": [{"id": i, "image_id": i, "bbox": [1.0, 2.0, 3.0, 4.0],
                             "segmentation": [[1.5] * 24], "note": "a[{\\"}
                            for i in range(count)],
            "categories": [{"id": 1, "name": "x"}],
            "images": [{"id": i, "file_name": f"{i}.jpg"} for i in range(count)]}


def test_sorted_coco_past_64_kib_finds_images_after_the_annotations(tmp_path):
    path = tmp_path / "sorted.json"
    path.write_text(json.dumps(_coco(3000), sort_keys=True))
    assert path.stat().st_size > 4 * (1 << 16)
    keys = top_level_keys(path, chunk_bytes=1 << 16)
    assert list(keys) == ["annotations", "categories", "images", "info"]
    assert keys["images"] == "["
    assert list(top_level_keys(path, stop_at={"categories"})) == ["annotations", "categories"]


def test_reading_stops_at_the_first_wanted_key(tmp_path):
    path = tmp_path / "doc.json"
    path.write_text('{"images": [1], "annotations": [' + "0," * 500_000 + "0]}")
    assert list(top_level_keys(path, stop_at={"images"})) == ["images"]
    path.write_text('{"images": [1], "annotations": [0, ')  # truncated after the key sought
    assert top_level_keys(path, stop_at={"images"}) == {"images": "["}


@pytest.mark.parametrize("text", ["[1, 2]", '"images"', "", "  \n", "not json", "\x00\x01"])
def test_anything_but_an_object_is_none(tmp_path, text):
    path = tmp_path / "x.json"
    path.write_text(text)
    assert top_level_keys(path) is None


def test_byte_order_mark_whitespace_and_nested_images_keys(tmp_path):
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf \n\t{ \"meta\" :\n {\"images\": []},\r\n \"images\"\n:\n [] }")
    assert top_level_keys(path) == {"meta": "{", "images": "["}
    assert top_level_keys(tmp_path / "absent.json") is None


def test_a_long_string_value_at_the_top_is_skipped_not_decoded_as_a_key(tmp_path):
    import time

    path = tmp_path / "long.json"
    path.write_text(json.dumps({"data": "A" * (8 << 20), "images": [], "note": "x"}))
    started = time.perf_counter()
    assert top_level_keys(path) == {"data": '"', "images": "[", "note": '"'}
    assert time.perf_counter() - started < 5
