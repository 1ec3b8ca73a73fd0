"""Near-duplicates on real photos, recordings and clips: planted copies stay in one split,
distinct photos are never grouped, a copy filed under another class is reported."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from mediasynth.cli import main
from tests.photos import edits, quarters, real_photos, save


def _planted_tree(src: Path) -> dict[str, set[str]]:
    """Distinct real photos and their quarter crops over three classes, plus planted
    near-duplicates; returns each planted original's set of paths (copies included)."""
    photos = real_photos()
    names = sorted(photos)
    planted: dict[str, set[str]] = {}
    for i, name in enumerate(names):
        cls = ("a", "b", "c")[i % 3]
        photo = photos[name].copy()
        photo.thumbnail((400, 400))
        save(photo, src / cls / f"{name}.png")
        for q, part in enumerate(quarters(photo)):
            save(part, src / cls / f"{name}_q{q}.png")
        if name in ("astronaut", "chelsea", "rocket", "camera"):
            copies = edits(photo)
            kind = {"astronaut": "half_q70", "chelsea": "bright8", "rocket": "crop3",
                    "camera": "png"}[name]
            ext = ".jpg" if kind == "half_q70" else ".png"
            copy_rel = f"{cls}/zz_{name}_{kind}{ext}"
            save(copies[kind] if kind != "png" else photo.convert("RGB"), src / copy_rel)
            planted[name] = {f"{cls}/{name}.png", copy_rel}
    exact = f"{('a', 'b', 'c')[names.index('motorcycle_left') % 3]}/motorcycle_left.png"
    (src / exact).parent.joinpath("zz_exact.png").write_bytes((src / exact).read_bytes())
    planted["exact"] = {exact, str(Path(exact).parent / "zz_exact.png")}
    china = f"{('a', 'b', 'c')[names.index('china') % 3]}/china.png"
    other = "a" if not china.startswith("a/") else "b"
    save(photos["china"].copy().resize((300, 210)), src / other / "zz_china_elsewhere.png")
    planted["conflict"] = {china, f"{other}/zz_china_elsewhere.png"}
    return planted


@pytest.mark.slow
def test_planted_near_duplicates_share_a_split_and_distinct_photos_are_not_grouped(
        tmp_path, capsys):
    src = tmp_path / "src"
    planted = _planted_tree(src)
    for seed in (0, 1, 2):
        out = tmp_path / f"out{seed}"
        code = main(["expand", str(src), str(out), "-q", "--no-report", "-n", "1",
                     "--split", "0.6,0.2,0.2", "--seed", str(seed), "-p", "image_classification"])
        assert code == 0
        rows = [json.loads(x) for x in (out / "manifest.jsonl").read_text().splitlines()]
        split = {r["source"]: r["split"] for r in rows}
        group = {r["source"]: r.get("group") for r in rows}
        for name, paths in planted.items():
            assert len({split[p] for p in paths}) == 1, (seed, name, {p: split[p] for p in paths})
            assert len({group[p] for p in paths}) == 1 and group[next(iter(paths))], name
        grouped = {s for s, g in group.items() if g}
        assert grouped == set().union(*planted.values()), "only the planted copies are grouped"
        err = capsys.readouterr().err
        assert "label conflict" in err and "zz_china_elsewhere.png" in err
        pairs = json.loads((out / ".mediasynth" / "near_duplicates.json").read_text())
        assert any(p["conflict"] for p in pairs)


def test_recording_and_its_16k_mp3_copy_match_and_distinct_recordings_do_not(tmp_path):
    import imageio_ffmpeg

    from mediasynth.audio.signature import MAX_BIT_ERROR_RATE, distance, file_signature

    def recording(seed: int) -> np.ndarray:
        rng = np.random.default_rng(seed)
        t = np.arange(44100 * 5) / 44100
        x = 0.01 * rng.standard_normal(t.size)
        for _ in range(14):  # notes at random pitches and times, like a melody
            f, on = rng.uniform(180, 1800), rng.uniform(0, 4.6)
            x += (np.abs(t - on - 0.2) < 0.2) * np.sin(2 * np.pi * f * t) * rng.uniform(.1, .4)
        return (0.8 * x / np.abs(x).max()).astype(np.float32)

    signatures = {}
    for seed in range(6):
        path = tmp_path / f"r{seed}.wav"
        sf.write(path, recording(seed), 44100)
        signatures[seed] = file_signature(path, 3600)
    mp3 = tmp_path / "r0.mp3"
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-i", str(tmp_path / "r0.wav"),
                    "-ar", "16000", "-b:a", "32k", str(mp3)], check=True)
    assert distance(signatures[0], file_signature(mp3, 3600)) <= MAX_BIT_ERROR_RATE
    assert min(distance(signatures[a], signatures[b]) for a in range(6)
               for b in range(a + 1, 6)) > MAX_BIT_ERROR_RATE + 0.1


def test_clip_and_its_reencode_at_another_size_match(tmp_path):
    import imageio_ffmpeg

    from mediasynth.video.signature import clip_signature, distance

    ffmpeg = imageio_ffmpeg.get_ffmpeg_exe()

    def lavfi(source: str, path: Path, *extra: str) -> None:
        subprocess.run([ffmpeg, "-v", "error", "-f", "lavfi", "-i", source, "-t", "3",
                        "-pix_fmt", "yuv420p", *extra, str(path)], check=True)

    lavfi("testsrc2=size=320x240:rate=15", tmp_path / "a.mp4")
    lavfi("mandelbrot=size=320x240:rate=15", tmp_path / "b.mp4")
    lavfi("life=size=320x240:rate=15:mold=10:ratio=0.3", tmp_path / "c.mp4")
    subprocess.run([ffmpeg, "-v", "error", "-i", str(tmp_path / "a.mp4"), "-vf", "scale=160:120",
                    "-b:v", "80k", str(tmp_path / "a_small.mp4")], check=True)
    sig = {p.stem: clip_signature(p) for p in tmp_path.glob("*.mp4")}
    assert distance(sig["a"], sig["a_small"]) <= 0.2
    for x, y in (("a", "b"), ("a", "c"), ("b", "c"), ("b", "a_small")):
        assert distance(sig[x], sig[y]) > 0.2, (x, y)


def test_signatures_are_cached_by_sha256_and_an_edit_is_seen(tmp_path):
    import os
    import time

    from mediasynth.engine.near_duplicates import with_cached
    from mediasynth.io.discover import discover

    src = tmp_path / "src"
    photos = real_photos()
    for i, name in enumerate(sorted(photos)[:6]):
        photo = photos[name].copy()
        photo.thumbnail((96, 96))
        save(photo, src / ("a", "b")[i % 2] / f"{name}.png")
    time.sleep(2.1)  # stamps of files changed in the last 2 s are not trusted (sink.RACY_S)
    out = tmp_path / "out"
    args = ["expand", str(src), str(out), "-q", "--no-report", "-n", "1",
            "-p", "image_classification"]
    assert main(args) == 0
    cache = json.loads((out / ".mediasynth" / "signatures.json").read_text())
    assert len(cache) == 6 and all(len(k) == 64 for k in cache)  # keyed by sha256
    cached = {f.rel_path: f.signature for f in with_cached(discover(src), out)}
    assert all(cached.values())
    edited = sorted(cached)[0]
    path = src / edited
    stat = path.stat()
    data = bytearray(path.read_bytes())
    data[-20] ^= 0xFF  # same size, same mtime, other bytes
    path.write_bytes(bytes(data))
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    again = {f.rel_path: f.signature for f in with_cached(discover(src), out)}
    assert again[edited] is None and all(v for k, v in again.items() if k != edited)
