"""Outputs placed where another layout's readers look for them, without copying bytes.

An OUT holds each output once, in its primary layout's media folder (`images/<split>/` for
COCO and YOLO, `JPEGImages/` for VOC). A second annotation format whose readers look
elsewhere (Ultralytics in `images/<split>/`, torchvision and FiftyOne's VOC readers in
`JPEGImages/<id>.jpg`, Hugging Face `datasets` in a folder named after the split) gets a
hard link there: same bytes, no extra space. Where hard links are refused (some network and
FAT file systems) the file is copied.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
from pathlib import Path

from mediasynth.io.atomic import TEMP_PREFIX


def place(out: Path, file_rel: str, dest_rel: str) -> str:
    """Make `out/dest_rel` hold the bytes of `out/file_rel` (hard link, else copy); return
    dest_rel. A stale file at dest_rel (a link to an earlier run's output) is replaced; the
    same file already there is left as it is."""
    if dest_rel == file_rel:
        return dest_rel
    src, dest = out / file_rel, out / dest_rel
    if dest.exists():
        with contextlib.suppress(OSError):
            if os.path.samefile(src, dest):
                return dest_rel
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f"{TEMP_PREFIX}{os.getpid()}-{dest.name}")
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    try:
        os.link(src, tmp)
    except OSError:
        shutil.copyfile(src, tmp)
    os.replace(tmp, dest)
    return dest_rel


def in_split_folder(file_rel: str, split: str) -> bool:
    """Whether a folder of the path names its split as Hugging Face `datasets` reads folder
    names: the split as a word between separators (`images/train/`, `obj_train_data/`)."""
    return any(split in re.split(r"[-._ 0-9]+", folder) for folder in Path(file_rel).parts[:-1])


def split_images_path(file_rel: str, split: str) -> str:
    """Where COCO and Ultralytics readers look for an output: `images/<split>/...` as it is,
    any other folder's output (`JPEGImages/x.jpg`, `obj_train_data/x.jpg`) at
    `images/<split>/x.jpg` (the path below its first folder)."""
    parts = Path(file_rel).parts
    if parts[:2] == ("images", split) and len(parts) > 2:
        return file_rel
    below = Path(*parts[1:]) if len(parts) > 1 else Path(file_rel)
    return (Path("images") / split / below).as_posix()
