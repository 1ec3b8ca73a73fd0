"""The contract every registered generator keeps: determinism, config round trip, replay."""

from __future__ import annotations

import copy
import json
import pickle
from pathlib import Path

import numpy as np
import pytest

from mediasynth.core import registry
from mediasynth.core.transform import OpRecord

GENERATORS = registry.names("synth")
ROOT = Path(__file__).resolve().parents[2]


def _arrays(item):
    media = item.media
    if hasattr(media, "pixels"):
        return [media.pixels, media.mask]
    if hasattr(media, "samples"):
        return [media.samples]
    return [np.frombuffer(json.dumps(item.annotations, sort_keys=True).encode(), np.uint8)]


@pytest.fixture(scope="module")
def assets(tmp_path_factory):
    """Recordings for the generators that draw from real assets (synth.soundscape)."""
    from tests.synth.soundscape_material import make_background, make_foreground

    root = tmp_path_factory.mktemp("assets")
    return {"foreground": str(make_foreground(root / "fg", per_label=2)),
            "background": str(make_background(root / "bg", per_label=1))}


def _small(name, assets):
    cls = registry.lookup(name)
    small = {"synth.shapes": {"width": 48, "height": 40, "objects_range": [1, 3]},
             "synth.tones": {"duration_s_range": [0.2, 0.4]},
             "synth.video": {"width": 64, "height": 48, "duration_s": 0.5},
             "synth.scenes": {"objects": str(ROOT / "samples_coco"), "width": 64, "height": 48,
                              "backgrounds": str(ROOT / "samples" / "circle")},
             "synth.soundscape": {**assets, "duration_s": 3.0, "sample_rate": 16000,
                                  "reverb": "synthetic", "max_overlap": 2,
                                  "cooccurrence": {"bark": {"bird": 0.5}}}}.get(name, {})
    return cls(**{k: v for k, v in small.items() if k in cls.config_fields()})


@pytest.mark.parametrize("name", GENERATORS)
def test_generator_contract(name, assets):
    gen = _small(name, assets)
    for seed in range(4):
        for cls in (None, gen.classes()[seed % len(gen.classes())]):
            a, ra = gen.generate(np.random.default_rng(seed), cls)
            b, rb = gen.generate(np.random.default_rng(seed), cls)
            assert ra == rb
            assert all(np.array_equal(x, y) for x, y in zip(_arrays(a), _arrays(b)))
            rec = OpRecord.from_dict(json.loads(json.dumps(ra.to_dict())))
            c = gen.replay(rec)
            assert all(np.array_equal(x, y) for x, y in zip(_arrays(a), _arrays(c)))
            if cls is not None:
                assert a.label == cls
            assert a.label in gen.classes()
    assert registry.build(copy.deepcopy(gen.to_config())) == gen
    assert pickle.loads(pickle.dumps(gen)) == gen


def test_a_generator_that_leaves_a_required_method_to_the_base_is_refused_at_registration():
    from dataclasses import dataclass

    from mediasynth.core.registry import _REGISTRY, register
    from mediasynth.synth.base import Generator

    @dataclass(frozen=True, kw_only=True)
    class Half(Generator):
        def classes(self):
            return ("a",)

        def get_params(self, rng, class_name=None, context=None):
            return {}

    with pytest.raises(TypeError, match=r"generator .*Half does not implement the generator "
                                        r"contract .*missing render\(\), write\(\)"):
        register("synth.half")(Half)
    assert "synth.half" not in _REGISTRY
