"""The contract every registered transform must keep (docs/architecture.md, Transforms).

New transforms are picked up from the registry automatically; a transform that cannot be
built with its defaults, or that breaks a rule, fails here. Video transforms are temporal:
they act on a clip's description (a `Video` probed from tiny clips made once per session
with the product's FFmpeg), appending edits whose frame maps must agree with it.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import pickle

import numpy as np
import pytest

from mediasynth.core import registry
from mediasynth.core.compose import Compose, OneOf, RandomApply, SomeOf
from mediasynth.core.media import Audio, Image, Video
from tests.conftest import scene, tone

KINDS = ("image", "audio", "video")

# composites are the registered classes that walk children (compose, one_of, some_of...)
COMPOSITES = {n for n in registry.names() if hasattr(registry.lookup(n), "children")}


def _noise_dir() -> str:
    import tempfile

    from mediasynth.io.audio_io import write_audio

    folder = tempfile.mkdtemp(prefix="mediasynth-noise-")
    noise = np.random.default_rng(0).standard_normal((2, 8000)).astype(np.float32) * 0.1
    write_audio(Audio(noise, 8000), f"{folder}/hum.wav")
    return folder


# transforms whose defaults need a resource get one here
EXAMPLES = {"audio.background": lambda: registry.lookup("audio.background")(folder=_noise_dir())}


def example(name: str):
    return EXAMPLES[name]() if name in EXAMPLES else registry.lookup(name)()


def _leaf_names(kind: str) -> list[str]:
    """Leaf transforms composites are built from (partner steps only run first, with their
    partners handed over: they are checked on their own)."""
    return [n for n in registry.names(kind) if n not in COMPOSITES
            and not getattr(registry.lookup(n), "partners_needed", 0)]


def _instances():
    out = []
    for name in registry.names():
        if name in COMPOSITES:
            continue
        cls = registry.lookup(name)
        if str(getattr(cls, "kind", "")) in KINDS:
            out.append(pytest.param(example(name), id=name))
    for tag in KINDS:
        steps = [example(n) for n in _leaf_names(tag)[:3]]
        if len(steps) >= 2:
            out += [
                pytest.param(Compose(steps), id=f"compose-{tag}"),
                pytest.param(OneOf(steps=tuple(steps), weights=(1,) * len(steps)), id=f"one_of-{tag}"),
                pytest.param(SomeOf(steps=tuple(steps), n_range=(1, 2)), id=f"some_of-{tag}"),
                pytest.param(RandomApply(step=steps[0], p=0.7), id=f"random_apply-{tag}"),
            ]
    return out


@pytest.fixture(scope="session")
def video_inputs(tmp_path_factory) -> list[Video]:
    """Descriptions of real clips, as the engine loads them: 3 s at 25 fps with a mono
    track (long enough for every trim), 1.2 s at 30 fps without audio (shorter than the
    default trim: kept whole), and the first after an earlier edit (reversed)."""
    from mediasynth.core.config import Budgets
    from mediasynth.video.probe import load_video
    from tests.video.helpers import encode_frames
    from tests.video.helpers import tone as track

    folder = tmp_path_factory.mktemp("contract-clips")
    frames = [np.full((24, 32, 3), 3 * i, np.uint8) for i in range(75)]
    long = load_video(encode_frames(folder / "long.mp4", frames, fps=25.0, audio=track(3.0)),
                      Budgets())
    short = load_video(encode_frames(folder / "short.mp4", frames[:36], fps=30.0), Budgets())
    edited, _ = registry.lookup("video.reverse")().run(long, np.random.default_rng(0))
    return [long, short, edited]


def _inputs(transform, request):
    if str(transform.kind) == "image":
        images = [scene(), scene(channels=4), scene(channels=1), scene(dtype=np.uint16),
                  scene(dtype=np.float32), scene(height=31, width=17)]
        if getattr(transform, "partners_needed", 0):  # mixup, cutmix, mosaic: partners given
            partners = [(scene(height=40 + 7 * i, width=50), None) for i in range(3)]
            images = [m.replace(meta={**m.meta, "partners": partners}) for m in images]
        return images
    if str(transform.kind) == "video":
        return request.getfixturevalue("video_inputs")
    tones = [tone(1), tone(2), tone(6, sample_rate=22050, seconds=0.5)]
    if getattr(transform, "partners_needed", 0):  # audio.mix: partners given (shorter and
        # longer than the tones, at other rates and channel counts)
        partners = [tone(2, 8000, 0.3, 330.0), tone(1, 44100, 1.7, 550.0)]
        tones = [t.replace(meta={**t.meta, "partners": [(partners[i % 2], None)]})
                 for i, t in enumerate(tones)]
    return tones


def _freeze(media):
    for value in vars(media).values():
        if isinstance(value, np.ndarray):
            value.flags.writeable = False
    return media


def _arrays(media):
    if isinstance(media, Image):
        return [media.pixels, media.mask, media.boxes, media.keypoints]
    return [media.samples]


def _description(video: Video) -> dict:
    """Every field of a clip description, deep-copied (a Video is compared by its fields)."""
    return copy.deepcopy({f.name: getattr(video, f.name) for f in dataclasses.fields(video)})


def _same(a, b) -> bool:
    if isinstance(a, Video) or isinstance(b, Video):
        return type(a) is type(b) and _description(a) == _description(b)
    return all(
        (x is None and y is None) or (x is not None and y is not None and x.shape == y.shape
                                      and np.array_equal(x, y))
        for x, y in zip(_arrays(a), _arrays(b))
    )


def _bridged():
    """albumentations transforms run through the bridge (image/albumentations_bridge.py):
    a pixel-only one, a geometric one moving mask, boxes and keypoints, and both chained."""
    from mediasynth.image.albumentations_bridge import albumentations_step

    clahe = albumentations_step("CLAHE", clip_limit=4.0, p=1.0)
    elastic = albumentations_step("ElasticTransform", alpha=40.0, sigma=5.0, p=0.8)
    return [pytest.param(clahe, id="albumentations.CLAHE"),
            pytest.param(elastic, id="albumentations.ElasticTransform"),
            pytest.param(Compose([clahe, elastic]), id="compose-albumentations")]


INSTANCES = _instances() + _bridged()


@pytest.mark.parametrize("transform", INSTANCES)
def test_contract(transform, request):
    for media in _inputs(transform, request):
        media = _freeze(media)
        before = _snapshot(media)
        for seed in (0, 1, 2):
            out1, rec1 = transform.run(media, np.random.default_rng(seed))
            out2, rec2 = transform.run(media, np.random.default_rng(seed))
            assert _same(out1, out2), "same seed must give the same output"
            assert rec1 == rec2, "same seed must give the same record"
            assert _same(transform.replay(media, rec1), out1), "replay must equal run"
            as_json = json.loads(json.dumps(rec1.to_dict()))
            assert as_json == rec1.to_dict(), "params must be JSON-safe"
            from mediasynth.core.transform import OpRecord

            assert _same(transform.replay(media, OpRecord.from_dict(as_json)), out1), \
                "replay from the JSON record must equal run"
            _check_kept(transform, media, out1)
        assert _same_snapshot(_snapshot(media), before), "input mutated"


def _snapshot(media):
    if isinstance(media, Video):
        return _description(media)
    return [None if a is None else a.copy() for a in _arrays(media)]


def _same_snapshot(now, before) -> bool:
    if isinstance(before, dict):
        return now == before
    return all((a is None and b is None) or np.array_equal(a, b) for a, b in zip(now, before))


def _check_kept(transform, media, out):
    assert type(out) is type(media)
    if isinstance(media, Video):
        _check_video_kept(media, out)
    elif isinstance(media, Image):
        assert out.pixels.dtype == media.pixels.dtype
        assert out.channels == media.channels
        if out.mask is not None:
            assert out.mask.shape == out.pixels.shape[:2] and out.mask.dtype == media.mask.dtype
        if getattr(transform, "changes_size", False) is False:
            assert out.pixels.shape[:2] in (media.pixels.shape[:2], media.pixels.shape[1::-1])
    else:
        assert isinstance(out, Audio)
        assert out.samples.dtype == np.float32
        assert out.channels == media.channels
        assert np.all(np.isfinite(out.samples))
        if not getattr(transform, "changes_sample_rate", False):
            assert out.sample_rate == media.sample_rate


def _check_video_kept(media: Video, out: Video) -> None:
    """A temporal transform keeps the file, the picture and the tracks, only appends
    JSON-safe edits of known ops, and its description (frame count, frame rate) is what the
    new edits' frame maps make of the input's frames."""
    from mediasynth.video.transforms.temporal import EDIT_CLASSES

    kept = ("path", "width", "height", "rotation_deg", "pixel_aspect", "codec", "pix_fmt",
            "audio", "variable_fps")
    assert all(getattr(out, f) == getattr(media, f) for f in kept)
    old, edits = media.meta.get("edits", []), out.meta.get("edits", [])
    assert edits[:len(old)] == old, "earlier edits must stay as they were"
    assert json.loads(json.dumps(edits)) == edits, "edits must be JSON-safe"
    assert {k: v for k, v in out.meta.items() if k != "edits"} == {
        k: v for k, v in media.meta.items() if k != "edits"}
    frames, fps = media.frame_count, media.fps
    for edit in edits[len(old):]:
        cls = EDIT_CLASSES[edit["op"]]
        shown = cls.frame_map(edit, frames, fps)
        assert shown.dtype == np.int64 and len(shown) >= 1
        assert shown.min() >= 0 and shown.max() < frames, f"{edit['op']}: frame out of range"
        frames, fps = len(shown), cls.fps_after(edit, fps)
    assert (out.frame_count, out.fps) == (frames, fps), "description disagrees with the maps"
    assert out.duration_s > 0


@pytest.mark.parametrize("transform", INSTANCES)
def test_config_round_trip_and_pickle(transform):
    cfg = transform.to_config()
    assert json.loads(json.dumps(cfg)) == cfg, "config must be plain data"
    assert registry.build(copy.deepcopy(cfg)) == transform
    assert pickle.loads(pickle.dumps(transform)) == transform


@pytest.mark.parametrize("name", [n for n in registry.names() if n not in COMPOSITES])
def test_docstring_names_every_field(name):
    cls = registry.lookup(name)
    doc = cls.__doc__ or ""
    for field in dataclasses.fields(cls):
        assert f"{field.name}:" in doc, f"{name}: docstring does not describe {field.name!r}"


@pytest.mark.parametrize("name", [n for n in registry.names() if n not in COMPOSITES])
def test_name_says_kind(name):
    cls = registry.lookup(name)
    assert name.split(".")[0] == str(cls.kind)
