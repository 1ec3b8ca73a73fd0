"""Feature vectors: one length per kind whatever the file's shape, depth or name, and the
same vector for the same file."""

from __future__ import annotations

import os

import numpy as np
import pytest
import soundfile as sf

from mediasynth.report.quality import features as F
from tests.report.quality.generated import TEXTURES, photo, write_png


@pytest.fixture
def images(tmp_path):
    rng = np.random.default_rng(0)
    rgb = photo(TEXTURES[0], rng, size=96)
    paths = {"rgb": tmp_path / "rgb.png", "gray": tmp_path / "gray.png",
             "rgba": tmp_path / "rgba.png", "deep": tmp_path / "deep.png",
             "wide": tmp_path / "wide.jpg"}
    write_png(paths["rgb"], rgb)
    write_png(paths["gray"], rgb.mean(2).astype(np.uint8))
    import cv2

    rgba = np.concatenate([rgb, np.full((*rgb.shape[:2], 1), 200, np.uint8)], 2)
    cv2.imwrite(str(paths["rgba"]), cv2.cvtColor(rgba, cv2.COLOR_RGBA2BGRA))
    cv2.imwrite(str(paths["deep"]), (rgb[..., ::-1].astype(np.uint16) * 257))
    cv2.imwrite(str(paths["wide"]), np.tile(rgb[..., ::-1], (1, 4, 1)))
    latin = os.fsencode(tmp_path) + b"/caf\xe9.png"  # not UTF-8
    with open(latin, "wb") as fh:
        fh.write(paths["rgb"].read_bytes())
    paths["latin"] = tmp_path / os.fsdecode(b"caf\xe9.png")
    return paths


def test_every_image_gives_a_vector_of_one_length(images):
    vectors = {name: F.features("image", path) for name, path in images.items()}
    assert len({v.shape for v in vectors.values()}) == 1
    assert all(np.isfinite(v).all() for v in vectors.values())
    # a 16-bit copy and a non-UTF-8 name of the same pixels give the same vector
    np.testing.assert_allclose(vectors["deep"], vectors["rgb"], atol=1e-9)
    np.testing.assert_array_equal(vectors["latin"], vectors["rgb"])
    # alpha is dropped, grey is grey: the colour part differs, the HOG part barely
    assert not np.allclose(vectors["gray"], vectors["rgb"])
    hog = slice(0, 576)
    assert np.abs(vectors["gray"][hog] - vectors["rgb"][hog]).mean() < 0.02


def test_hog_follows_the_gradient_direction():
    ramp = np.tile(np.arange(64, dtype=np.uint8) * 4, (64, 1))  # left to right: 0 degrees
    cells = F.hog(ramp).reshape(-1, 4, F.HOG_BINS)
    assert (cells.sum((0, 1)).argmax() in (0, F.HOG_BINS - 1))
    assert F.hog(ramp.T).reshape(-1, 4, F.HOG_BINS).sum((0, 1)).argmax() in (4, 5)


def test_audio_of_any_rate_and_channels_gives_one_length(tmp_path):
    t = np.arange(22050) / 22050
    stereo = np.stack([np.sin(2 * np.pi * 440 * t), np.sin(2 * np.pi * 660 * t)], 1) * 0.3
    sf.write(tmp_path / "stereo.wav", stereo, 22050)
    sf.write(tmp_path / "mono.flac", stereo[:8000, 0], 8000)
    sf.write(tmp_path / "tiny.wav", stereo[:100, 0], 16000)
    vectors = [F.features("audio", tmp_path / n) for n in ("stereo.wav", "mono.flac",
                                                           "tiny.wav")]
    assert {v.shape for v in vectors} == {(F.AUDIO_SIZE,)}
    assert all(np.isfinite(v).all() for v in vectors)
    np.testing.assert_array_equal(vectors[0], F.features("audio", tmp_path / "stereo.wav"))


def test_network_inputs_have_fixed_shapes(images, tmp_path):
    assert F.network_input("image", images["wide"]).shape == (3, F.CNN_THUMB_PX, F.CNN_THUMB_PX)
    sf.write(tmp_path / "a.wav", np.zeros(4000, np.float32), 16000)
    assert F.network_input("audio", tmp_path / "a.wav").shape == (1, F.N_MELS, F.CNN_FRAMES)


def test_a_damaged_image_is_a_media_error(tmp_path, images):
    from mediasynth.core.errors import MediaError

    data = images["rgb"].read_bytes()
    (tmp_path / "cut.png").write_bytes(data[: len(data) // 2])
    with pytest.raises(MediaError):
        F.features("image", tmp_path / "cut.png")


def test_video_features_are_keyframes_plus_soundtrack(tmp_path):
    from tests.video.helpers import encode_frames, red_blue, tone

    with_sound = encode_frames(tmp_path / "a.mp4", red_blue(n=25), audio=tone(1.0))
    silent = encode_frames(tmp_path / "b.mp4", red_blue(n=25))
    a, b = F.features("video", with_sound), F.features("video", silent)
    assert a.shape == b.shape and a[-1] == 1.0 and b[-1] == 0.0
    image_part = a.size - F.AUDIO_SIZE - 1
    np.testing.assert_allclose(a[:image_part], b[:image_part], atol=0.05)
    assert not np.allclose(a[image_part:-1], 0)
    assert F.network_input("video", silent).shape == (3, F.CNN_THUMB_PX, F.CNN_THUMB_PX)
