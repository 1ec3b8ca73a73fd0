"""Clip signatures (video/signature.py) read the frames at the fixed TIMES with as few
decodes as they can: a target whose keyframe the decoder already passed is reached by
decoding on, not by seeking back. The frames, and so the signatures, are exactly those of
one seek per target, for every GOP structure (one keyframe, a keyframe a second, B-frames,
open GOPs, variable frame rate, MPEG-4 Part 2 in AVI, no B-frames)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from mediasynth.io.ffmpeg import ffmpeg_binary
from mediasynth.video import signature as V

H264 = ("-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p")
CASES = {
    "one_keyframe": (*H264, "-g", "1000", "-bf", "2"),
    "keyframe_each_second": (*H264, "-g", "25", "-bf", "3"),
    "open_gop": ("-c:v", "libx264", "-preset", "fast", "-pix_fmt", "yuv420p", "-g", "12",
                 "-bf", "3", "-x264-params", "open-gop=1"),
    "no_b_frames": (*H264, "-g", "40", "-bf", "0"),
    "vfr": (*H264, "-g", "30", "-vf", "setpts='PTS+0.02*sin(N)/TB'", "-fps_mode", "vfr"),
    "mpeg4_avi": ("-c:v", "mpeg4", "-g", "18", "-bf", "1"),
}


def _clip(folder: Path, name: str, args: tuple[str, ...]) -> Path:
    dest = folder / f"{name}.{'avi' if 'avi' in name else 'mp4'}"
    subprocess.run([ffmpeg_binary(), "-v", "error", "-y", "-f", "lavfi", "-i",
                    "testsrc2=s=160x96:r=25:d=6", *args, str(dest)], check=True)
    return dest


def _signature_one_seek_per_frame(path: Path) -> bytes:
    """The reference: seek back to each target's keyframe and decode forward to it."""
    import av

    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        duration = V._duration_s(container, stream)
        out: list[bytes] = []
        for share in V.TIMES:
            target = (stream.start_time or 0) + int(share * duration / stream.time_base)
            container.seek(target, stream=stream, backward=True, any_frame=False)
            last = None
            for frame in container.decode(stream):
                last = frame
                if frame.pts is None or frame.pts >= target:
                    break
            out.append(out[-1] if last is None else
                       V.pixels_signature(last.to_ndarray(format="gray")))
    return b"".join(out)


class _CountingContainer:
    """A PyAV container that counts seeks and decoded frames."""

    def __init__(self, container):
        self._c, self.seeks, self.decoded = container, 0, 0

    def seek(self, *args, **kwargs):
        self.seeks += 1
        return self._c.seek(*args, **kwargs)

    def decode(self, *args, **kwargs):
        for frame in self._c.decode(*args, **kwargs):
            self.decoded += 1
            yield frame

    def __getattr__(self, name):
        return getattr(self._c, name)


@pytest.fixture(scope="module")
def clips(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("sig")
    return {name: _clip(folder, name, args) for name, args in CASES.items()}


@pytest.mark.parametrize("name", sorted(CASES))
def test_signature_is_the_one_seek_per_frame_signature(clips, name):
    assert V.clip_signature(clips[name]) == _signature_one_seek_per_frame(clips[name])


def test_one_keyframe_clip_is_decoded_once_not_once_per_target(clips):
    import av

    with av.open(str(clips["one_keyframe"])) as raw:
        container = _CountingContainer(raw)
        stream = raw.streams.video[0]
        reader = V._FrameReader(container, stream)
        duration = V._duration_s(raw, stream)
        for share in V.TIMES:
            assert reader.frame_at(share * duration) is not None
    # one seek to rewind after the keyframe scan, one for the first target; 150 frames, and
    # the last target is at 90 %: about 136 decodes (seeking per target: about 380)
    assert container.seeks == 2
    assert container.decoded <= 0.95 * 150


def test_targets_past_a_keyframe_are_sought(clips):
    import av

    with av.open(str(clips["keyframe_each_second"])) as raw:
        container = _CountingContainer(raw)
        stream = raw.streams.video[0]
        reader = V._FrameReader(container, stream)
        duration = V._duration_s(raw, stream)
        for share in V.TIMES:
            reader.frame_at(share * duration)
    assert container.seeks == 1 + len(V.TIMES)  # a keyframe lies between any two targets
    assert container.decoded < 100  # of 150: never the whole clip
