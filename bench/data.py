"""Build the benchmark folders from real media that ships with installed packages.

    python bench/data.py            # -> bench/data/{photos,recordings,clips}

- photos: crops of real photographs bundled in scikit-image (astronaut, chelsea, coffee,
  rocket, motorcycle, hubble, retina...) and scikit-learn (china, flower), 640x480 JPEG q92,
  in 4 class folders. Needs `pip install scikit-image`.
- recordings: real recordings from Debian's alsa-utils (voice, 48 kHz mono) and
  sound-theme-freedesktop (stereo event sounds), converted to WAV at 16/22.05/44.1/48 kHz,
  mono and stereo, padded or cut to 4-10 s. Needs `apt-get install alsa-utils
  sound-theme-freedesktop`.
- recordings_mixed: held-out style audio from the same sources: many short alerts and words
  (0.1-2 s, their own length, cut at 2 s) and a fifth of 4-10 s files, at 16/22.05/44.1/48
  kHz, mono and stereo, half Ogg Vorbis and half WAV (bench/audio_short.py).
- clips: camera pans over the photos (640x360, 25 fps, 10 s, H.264 at ~3 Mbit/s), half with a
  real recording as soundtrack.
Everything is derived with fixed seeds, so the folders are the same on every machine.
"""

from __future__ import annotations

import argparse
import os
import subprocess
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"


def photo_sources() -> list[np.ndarray]:
    import cv2
    import skimage
    import sklearn.datasets

    out = []
    sk = Path(skimage.__file__).parent / "data"
    for name in ("astronaut.png", "chelsea.png", "coffee.png", "rocket.jpg",
                 "motorcycle_left.png", "motorcycle_right.png", "hubble_deep_field.jpg",
                 "retina.jpg", "color.png", "horse.png"):
        path = sk / name
        if path.exists():
            img = cv2.imread(str(path), cv2.IMREAD_COLOR)
            if img is not None and min(img.shape[:2]) >= 200:
                out.append(img)
    for name in ("china.jpg", "flower.jpg"):
        out.append(cv2.imread(str(Path(sklearn.datasets.__file__).parent / "images" / name)))
    return out


def make_photos(count: int) -> Path:
    import cv2

    folder = DATA / "photos"
    sources = photo_sources()
    rng = np.random.default_rng(0)
    for i in range(count):
        src = sources[i % len(sources)]
        h, w = src.shape[:2]
        scale = rng.uniform(0.6, 1.0)
        cw, ch = int(w * scale), int(h * scale)
        x0, y0 = rng.integers(0, w - cw + 1), rng.integers(0, h - ch + 1)
        crop = cv2.resize(src[y0 : y0 + ch, x0 : x0 + cw], (640, 480), interpolation=cv2.INTER_AREA)
        dest = folder / f"class{i % 4}" / f"photo_{i:04d}.jpg"
        dest.parent.mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(dest), crop, [cv2.IMWRITE_JPEG_QUALITY, 92])
    return folder


def recording_sources(min_s: float = 0.5) -> list[tuple[np.ndarray, int]]:
    import soundfile as sf

    out = []
    for folder in (Path("/usr/share/sounds/alsa"), Path("/usr/share/sounds/freedesktop/stereo")):
        for path in sorted(folder.glob("*")):
            try:
                data, sr = sf.read(str(path), dtype="float32", always_2d=True)
            except Exception:  # noqa: BLE001 - skip what libsndfile cannot read
                continue
            if data.shape[0] > sr * min_s:
                out.append((data.T, sr))
    if not out:
        raise SystemExit("no recordings found: apt-get install alsa-utils sound-theme-freedesktop")
    return out


def make_recordings(count: int) -> Path:
    import soundfile as sf
    import soxr

    folder = DATA / "recordings"
    sources = recording_sources()
    rng = np.random.default_rng(1)
    rates = (16000, 22050, 44100, 48000)
    for i in range(count):
        samples, sr = sources[i % len(sources)]
        rate = rates[i % len(rates)]
        x = soxr.resample(samples.T, sr, rate).T
        channels = 1 if i % 2 == 0 else 2
        x = x[:1] if channels == 1 else (np.repeat(x[:1], 2, 0) if x.shape[0] == 1 else x[:2])
        seconds = rng.uniform(4, 10)
        n = int(seconds * rate)
        reps = int(np.ceil(n / x.shape[1]))
        x = np.tile(x, (1, reps))[:, :n]
        dest = folder / f"class{i % 3}" / f"rec_{i:03d}.wav"
        dest.parent.mkdir(parents=True, exist_ok=True)
        sf.write(str(dest), x.T, rate, subtype="PCM_16")
    return folder


def make_mixed_recordings(count: int) -> Path:
    """`count` files: 4 of every 5 short (<= 2 s, the source's own length), 1 of 5 4-10 s;
    rates cycle through 16/22.05/44.1/48 kHz, formats alternate OGG (Vorbis) and WAV."""
    import soundfile as sf
    import soxr

    folder = DATA / "recordings_mixed"
    sources = recording_sources(min_s=0.05)
    rng = np.random.default_rng(3)
    rates = (16000, 22050, 44100, 48000)
    for i in range(count):
        samples, sr = sources[(i * 7) % len(sources)]
        rate = rates[i % len(rates)]
        x = soxr.resample(samples.T, sr, rate).T if sr != rate else samples
        channels = 1 if (i // 2) % 2 == 0 else 2
        x = x[:1] if channels == 1 else (np.repeat(x[:1], 2, 0) if x.shape[0] == 1 else x[:2])
        if i % 5 == 4:
            n = int(rng.uniform(4, 10) * rate)
            x = np.tile(x, (1, int(np.ceil(n / x.shape[1]))))[:, :n]
        else:
            x = x[:, : int(rng.uniform(0.5, 2.0) * rate)]
        ogg = i % 2 == 0
        dest = folder / f"class{i % 3}" / f"snd_{i:03d}.{'ogg' if ogg else 'wav'}"
        dest.parent.mkdir(parents=True, exist_ok=True)
        if ogg:
            sf.write(str(dest), x.T, rate, format="OGG", subtype="VORBIS")
        else:
            sf.write(str(dest), x.T, rate, subtype="PCM_16")
    return folder


def make_clips(count: int) -> Path:
    import cv2
    import soundfile as sf

    from mediasynth.io.ffmpeg import ffmpeg_binary

    folder = DATA / "clips"
    sources = photo_sources()
    recordings = recording_sources()
    rng = np.random.default_rng(2)
    for i in range(count):
        src = cv2.cvtColor(sources[i % len(sources)], cv2.COLOR_BGR2RGB)
        src = cv2.resize(src, (960, 720))
        frames = []
        x0, y0 = rng.integers(0, 960 - 640), rng.integers(0, 720 - 360)
        dx, dy = rng.uniform(-1, 1), rng.uniform(-0.5, 0.5)
        for f in range(250):
            x = int(np.clip(x0 + dx * f, 0, 960 - 640))
            y = int(np.clip(y0 + dy * f, 0, 720 - 360))
            frames.append(np.ascontiguousarray(src[y : y + 360, x : x + 640]))
        dest = folder / f"class{i % 2}" / f"clip_{i:03d}.mp4"
        dest.parent.mkdir(parents=True, exist_ok=True)
        cmd = [ffmpeg_binary(), "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "rgb24", "-s",
               "640x360", "-r", "25", "-i", "pipe:0"]
        wav = None
        if i % 2 == 0:
            samples, sr = recordings[i % len(recordings)]
            wav = dest.with_suffix(".wav")
            reps = int(np.ceil(sr * 10 / samples.shape[1]))
            sf.write(str(wav), np.tile(samples, (1, reps))[:, : sr * 10].T, sr)
            cmd += ["-i", str(wav), "-c:a", "aac", "-shortest"]
        cmd += ["-c:v", "libx264", "-preset", "medium", "-b:v", "3M", "-pix_fmt", "yuv420p",
                str(dest)]
        subprocess.run(cmd, input=b"".join(f.tobytes() for f in frames), check=True)
        if wav is not None:
            os.unlink(wav)
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=200)
    parser.add_argument("--recordings", type=int, default=60)
    parser.add_argument("--mixed", type=int, default=200)
    parser.add_argument("--clips", type=int, default=8)
    parser.add_argument("--only", choices=("photos", "recordings", "recordings_mixed", "clips"))
    args = parser.parse_args()
    if args.only in (None, "photos"):
        print("photos:", make_photos(args.photos))
    if args.only in (None, "recordings"):
        print("recordings:", make_recordings(args.recordings))
    if args.only in (None, "recordings_mixed"):
        print("recordings_mixed:", make_mixed_recordings(args.mixed))
    if args.only in (None, "clips"):
        print("clips:", make_clips(args.clips))


if __name__ == "__main__":
    main()
