import numpy as np
import pytest

from mediasynth.core.compose import Compose, OneOf, RandomApply, SomeOf
from mediasynth.core.errors import ConfigError
from mediasynth.core.transform import OpRecord
from mediasynth.image.transforms.color import ColorJitter
from mediasynth.image.transforms.geometric import FlipHorizontal, FlipVertical, Rotate
from tests.conftest import scene, tone


def test_editing_one_step_keeps_the_draws_of_the_others():
    img = scene()
    a = Compose([Rotate(angle_deg_range=(-30, 30)), ColorJitter(brightness=0.3)])
    b = Compose([Rotate(angle_deg_range=(-5, 5)), ColorJitter(brightness=0.3)])
    _, ra = a.run(img, np.random.default_rng(1))
    _, rb = b.run(img, np.random.default_rng(1))
    assert ra.children[0].params != rb.children[0].params
    assert ra.children[1].params == rb.children[1].params


def test_one_of_uses_weights_not_p():
    chain = OneOf(steps=(FlipHorizontal(), FlipVertical()), weights=(0.0, 1.0))
    for seed in range(20):
        _, rec = chain.run(scene(), np.random.default_rng(seed))
        assert rec.params["index"] == 1
        assert rec.children[0].name == "image.flip_vertical"


def test_some_of_applies_distinct_steps_in_listed_order():
    steps = (FlipHorizontal(), FlipVertical(), Rotate(), ColorJitter())
    chain = SomeOf(steps=steps, n_range=(2, 3))
    seen = set()
    for seed in range(30):
        out, rec = chain.run(scene(), np.random.default_rng(seed))
        idx = rec.params["indices"]
        assert idx == sorted(set(idx)) and 2 <= len(idx) <= 3
        seen.add(len(idx))
        assert np.array_equal(chain.replay(scene(), rec).pixels, out.pixels)
    assert seen == {2, 3}


def test_random_apply_probability():
    chain = RandomApply(step=FlipHorizontal(), p=0.25)
    applied = [chain.run(scene(), np.random.default_rng(s))[1].applied for s in range(400)]
    assert 0.17 < np.mean(applied) < 0.33


def test_kind_mismatch_names_the_step():
    from mediasynth.audio.transforms.gain import Gain

    with pytest.raises(ConfigError, match=r"step 1 \(audio.gain\)"):
        Compose([FlipHorizontal(), Gain()])


def test_transform_refuses_media_of_another_kind():
    with pytest.raises(TypeError, match="works on image media"):
        FlipHorizontal().run(tone(), np.random.default_rng(0))


def test_record_round_trips_through_dict():
    _, rec = Compose([Rotate(), ColorJitter()]).run(scene(), np.random.default_rng(0))
    assert OpRecord.from_dict(rec.to_dict()) == rec
    assert rec.applied_names() == ["image.rotate", "image.color_jitter"]


def test_one_of_and_some_of_take_their_steps_positionally_like_albumentations():
    import pickle

    from mediasynth.core.registry import build, lookup

    flip, invert = FlipHorizontal(), lookup("image.invert")()
    assert OneOf([flip, invert], weights=[1, 3]) == OneOf(steps=[flip, invert], weights=[1, 3])
    some = SomeOf([flip, invert], n_range=(1, 2), p=0.5)
    assert some == SomeOf(steps=(flip, invert), n_range=(1, 2), p=0.5)
    assert pickle.loads(pickle.dumps(some)) == some
    assert SomeOf.from_config(some.to_config(), build) == some
    with pytest.raises(TypeError, match="steps as one list"):
        OneOf([flip], steps=[invert])
