"""Building source trees for engine tests (media made by our own generators)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from mediasynth.core.registry import lookup
from mediasynth.io.audio_io import write_audio
from mediasynth.io.image_io import write_image


def make_tree(root: Path, *, images=(("circle", 6), ("square", 2)), tones=(("sine", 3),),
              size=48) -> Path:
    shapes = lookup("synth.shapes")(width=size, height=size)
    tone = lookup("synth.tones")(duration_s_range=(0.3, 0.3), sample_rate=8000)
    for cls, n in images:
        for i in range(n):
            item, _ = shapes.generate(np.random.default_rng(1000 + i), cls)
            ext = "jpg" if i % 2 else "png"
            write_image(item.media.replace(mask=None, boxes=None), root / cls / f"{cls} {i}.{ext}")
    for cls, n in tones:
        for i in range(n):
            item, _ = tone.generate(np.random.default_rng(2000 + i), cls)
            write_audio(item.media, root / cls / f"{cls}-{i}.wav")
    return root


def bomb_png(path: Path, width: int, height: int) -> None:
    """A tiny valid-looking PNG whose header declares width x height pixels."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
                     + chunk(b"IDAT", zlib.compress(b"\x00" * 1024)) + chunk(b"IEND", b""))


SOURCE_HASH_CACHE = ".mediasynth/sources.json"


def tree_digest(root: Path) -> dict[str, str]:
    """{relative path: sha256} of every file under root, but OUT's source-hash cache: which
    stamps it may keep depends on the clock (engine/sink.py `source_stamp`)."""
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*"))
            if p.is_file() and p.relative_to(root).as_posix() != SOURCE_HASH_CACHE}


def results_by_index(results) -> dict[int, tuple[str, object]]:
    """A pool's (index, status, value) results by index; each index reported once."""
    out = {}
    for index, status, value in results:
        assert index not in out, f"item {index} reported twice"
        out[index] = (status, value)
    return out
