"""Video tracks: MOT-style boxes per frame of each clip, in the layouts users have.

Rows are `frame,id,x,y,w,h[,conf,class,visibility,...]` (MOT16/17/20 gt.txt: 1-based
frames, pixel top-left x, y and width, height; a file holding frame 0 is read as 0-based),
comma- or space-separated, without a header; a header names the columns instead (`frame`,
`id`, `x`/`bb_left`, `y`/`bb_top`, `w`/`bb_width`, `h`/`bb_height`, `conf`, `class`,
`visibility`, `file`; others are passed through). Where they are found:

    <dir>/<clip>.mp4 + <dir>/<clip>.txt | <dir>/<clip>.mot.csv          beside the clip
                     | <dir>/annotations/<clip>.txt | .mot.csv
                     | annotations/<dir>/<clip>.txt | .mot.csv           (SRC/annotations)
    annotations/<split>.mot.csv, <name>.mot.csv with a `file` column   one table, many clips
                                                                        (`mediasynth synth
                                                                        video`, and OUT)
    <seq>/gt/gt.txt (+ seqinfo.ini frameRate) with <seq>.mp4 beside <seq>/ or the one video
                                                                        in <seq>/ (MOTChallenge;
                                                                        img1/ frames are not read)

Every clip's class is its class folder (`SRC/<class>/<clip>.mp4`; a top folder named like
a split, e.g. `train/<class>/`, is skipped), so outputs go to class folders as for plain
clips. Clips without tracks are not listed (a reason row says so).

Out: per split one `annotations/<split>.mot.csv` (`default` without a split), header
`file,frame,id,x,y,w,h,class,conf,visibility` then any other passed-through columns; `file`
is the clip's path in OUT, frames 1-based, boxes as moved (see video/tracks.py). It has the
shape `synth video` writes, so OUT reads back as a tracks SRC.
"""

from __future__ import annotations

import configparser
import csv
import io
from pathlib import Path, PurePosixPath

from mediasynth.core.errors import ConfigError
from mediasynth.io.atomic import write_bytes_atomic
from mediasynth.io.discover import files_under, is_mediasynth_out, walk
from mediasynth.io.layouts.base import LayoutRead, name_below, normal_subset, rel
from mediasynth.io.layouts.contract import LayoutBase
from mediasynth.io.sniff import extension_kind

TRACK_SUFFIXES = (".txt", ".mot.csv")
SPLIT_FOLDERS = {"train", "val", "valid", "validation", "test", "all", "default"}
POSITIONAL = ("frame", "id", "x", "y", "w", "h", "conf", "class", "visibility")
ALIASES = {"track_id": "id", "track": "id", "bb_left": "x", "left": "x", "bb_top": "y",
           "top": "y", "bb_width": "w", "width": "w", "bb_height": "h", "height": "h",
           "score": "conf", "confidence": "conf", "category": "class", "label": "class",
           "vis": "visibility", "frame_id": "frame", "path": "file", "file_name": "file"}
CORE = ("frame", "id", "x", "y", "w", "h")
OUT_COLUMNS = ("file", "frame", "id", "x", "y", "w", "h", "class", "conf", "visibility")


class TracksLayout(LayoutBase):
    name = "tracks"

    def detect(self, src: Path) -> list[str]:
        clips, tables, sequences = _scan(src)
        found = [rel(t, src) for t in tables]
        found += [rel(p, src) for clip in clips for p in _clip_track_files(src, clip)]
        found += [rel(gt, src) for gt in sequences]
        return found

    def media_folder(self, split: str | None, meta: dict) -> str:
        return ""  # class folders

    def read(self, src: Path) -> LayoutRead:
        result = LayoutRead(meta={"format": "tracks"}, annotated=False)
        clips, tables, sequences = _scan(src)
        origins: dict[str, str] = {}
        for table in tables:
            result.consumed.add(rel(table, src))
            for clip_rel, rows in _table_rows(table).items():
                _add(src, result, origins, clip_rel, rows, None, rel(table, src))
        for clip in clips:
            for path in _clip_track_files(src, clip):
                result.consumed.add(rel(path, src))
                _add(src, result, origins, rel(clip, src), _file_rows(path), None,
                     rel(path, src))
        for gt in sequences:
            self._read_sequence(src, gt, result, origins)
        _consume_side_files(src, result)
        return result

    def _read_sequence(self, src: Path, gt: Path, result: LayoutRead, origins: dict) -> None:
        seq = gt.parent.parent
        result.consumed |= {rel(p, src) for p in _sequence_files(seq)}
        video = _sequence_video(seq)
        if video is None:
            result.missing.append(f"{rel(seq, src)}.mp4 (the video of {rel(gt, src)}; "
                                  "img1/ frame folders are not read)")
            return
        _add(src, result, origins, rel(video, src), _file_rows(gt), _sequence_fps(seq),
             rel(gt, src))

    def export(self, out: Path, splits: dict[str, list[dict]], meta: dict, *,
               primary: bool) -> list[str]:
        written = []
        for split, entries in sorted(splits.items()):
            dest = f"annotations/{split}.mot.csv"
            write_bytes_atomic(out / dest, mot_table(entries).encode("utf-8"))
            written.append(dest)
        return written


# --- finding the files ----------------------------------------------------------------------

def _scan(src: Path) -> tuple[list[Path], list[Path], list[Path]]:
    """(video clips, track tables with a file column, MOTChallenge gt.txt files) under SRC,
    by name (content is checked later); hidden folders and earlier OUTs are skipped."""
    clips, tables, sequences = [], [], []
    for folder, dirs, files in walk(src):
        here = Path(folder)
        dirs[:] = sorted(d for d in dirs if not d.startswith(".")
                         and not is_mediasynth_out(here / d))
        for name in sorted(files):
            path = here / name
            if name.startswith("."):
                continue
            if extension_kind(name) == "video":
                clips.append(path)
            elif name == "gt.txt" and here.name == "gt" and _looks_like_mot(path):
                sequences.append(path)
            elif name.endswith(".mot.csv") and here in (src, src / "annotations") and \
                    "file" in _header(path):
                tables.append(path)
    return clips, tables, sequences


def _clip_track_files(src: Path, clip: Path) -> list[Path]:
    """The per-clip track files of `clip` (beside it, in annotations/ beside it, or mirrored
    under SRC/annotations/); more than one is refused."""
    stem = clip.name[: -len(clip.suffix)]
    below = Path(rel(clip.parent, src))
    folders = [clip.parent, clip.parent / "annotations", src / "annotations" / below]
    found = [p for folder in dict.fromkeys(folders) for suffix in TRACK_SUFFIXES
             if (p := folder / f"{stem}{suffix}").is_file() and "file" not in _header(p)
             and _looks_like_mot(p)]
    if len(found) > 1:
        raise ConfigError(f"{rel(clip, src)} has several track files "
                          f"({', '.join(rel(p, src) for p in found)}); keep one")
    return found


def _sequence_files(seq: Path) -> list[Path]:
    """A MOTChallenge sequence's own files: gt/, det/, seqinfo.ini and the img1/ frames."""
    out = [p for p in (seq / "seqinfo.ini",) if p.is_file()]
    for sub in ("gt", "det", "img1"):
        if (seq / sub).is_dir():
            out += [p for p in files_under(seq / sub) if p.is_file()]
    return out


def _sequence_video(seq: Path) -> Path | None:
    inside = [p for p in sorted(seq.iterdir()) if p.is_file()
              and extension_kind(p.name) == "video"]
    if len(inside) == 1:
        return inside[0]
    beside = [p for p in sorted(seq.parent.glob(f"{seq.name}.*"))
              if p.is_file() and extension_kind(p.name) == "video"]
    return beside[0] if len(beside) == 1 else None


def _sequence_fps(seq: Path) -> float | None:
    ini = seq / "seqinfo.ini"
    if not ini.is_file():
        return None
    parser = configparser.ConfigParser()
    try:
        parser.read(ini, encoding="utf-8")
        return float(parser.get("Sequence", "frameRate"))
    except (configparser.Error, ValueError, OSError):
        return None


def _consume_side_files(src: Path, result: LayoutRead) -> None:
    """synth's events tables and class list are part of the layout, never data."""
    for path in (src / "annotations").glob("*") if (src / "annotations").is_dir() else ():
        if path.name.endswith(".events.json") or path.name == "classes.txt":
            result.consumed.add(rel(path, src))


# --- reading rows ---------------------------------------------------------------------------

def _head_line(path: Path) -> str:
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            for line in fh:
                if line.strip() and not line.lstrip().startswith("#"):
                    return line.strip()
    except OSError:
        pass
    return ""


def _split(line: str) -> list[str]:
    return [f.strip() for f in (line.split(",") if "," in line else line.split())]


def _header(path: Path) -> list[str]:
    """The column names of a file whose first line is a header, else []."""
    fields = _split(_head_line(path))
    if not fields or _is_number(fields[0]):
        return []
    return [ALIASES.get(f.lower(), f.lower()) for f in fields]


def _looks_like_mot(path: Path) -> bool:
    """A header naming frame and id, or a first row of at least six numbers."""
    header = _header(path)
    if header:
        return all(c in header for c in CORE)
    fields = _split(_head_line(path))
    return len(fields) >= 6 and all(_is_number(f) for f in fields[:6])


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _value(text: str):
    """int, float or the text itself."""
    try:
        number = float(text)
    except ValueError:
        return text
    return int(number) if number.is_integer() and "." not in text and "e" not in text.lower() \
        else number


def _records(path: Path) -> list[tuple[int, dict]]:
    """(line number, {column: text}) of every data row."""
    header = _header(path)
    out = []
    with open(path, encoding="utf-8", errors="replace", newline="") as fh:
        lines = [(n, line) for n, line in enumerate(fh, 1)
                 if line.strip() and not line.lstrip().startswith("#")]
    if header:
        lines = lines[1:]
        reader = csv.reader(io.StringIO("".join(line for _, line in lines)))
        rows = [[f.strip() for f in r] for r in reader]
    else:
        rows = [_split(line) for _, line in lines]
    for (number, _), fields in zip(lines, rows):
        names = header or [POSITIONAL[i] if i < len(POSITIONAL) else f"col{i + 1}"
                           for i in range(len(fields))]
        out.append((number, dict(zip(names, fields))))
    return out


def _file_rows(path: Path) -> list[dict]:
    """Tracks of one clip's file (see `_track`)."""
    records = _records(path)
    base = _frame_base(records)
    return [_track(path, number, fields, base) for number, fields in records]


def _table_rows(path: Path) -> dict[str, list[dict]]:
    """Tracks of a table with a file column, by clip path (relative to SRC)."""
    by_file: dict[str, list[tuple[int, dict]]] = {}
    for number, fields in _records(path):
        clip = PurePosixPath(fields.get("file", "").replace("\\", "/")).as_posix().lstrip("/")
        by_file.setdefault(clip, []).append((number, fields))
    out = {}
    for clip, records in by_file.items():
        base = _frame_base(records)
        out[clip] = [_track(path, n, {k: v for k, v in f.items() if k != "file"}, base)
                     for n, f in records]
    return out


def _frame_base(records: list[tuple[int, dict]]) -> int:
    """1 (MOT) unless a row says frame 0: then the numbers are 0-based."""
    frames = (f.get("frame", "") for _, f in records)
    return 0 if any(_is_number(v) and float(v) == 0 for v in frames) else 1


def _track(path: Path, number: int, fields: dict, base: int) -> dict:
    """One row as a track: {"frame": 0-based, "id", "bbox": [x0, y0, x1, y1], "category":
    class text or None, "extra": conf, visibility and unknown columns}."""
    try:
        x, y, w, h = (float(fields[k]) for k in ("x", "y", "w", "h"))
        frame, track_id = int(float(fields["frame"])) - base, int(float(fields["id"]))
    except (KeyError, ValueError):
        raise ConfigError(f"{path}:{number}: not a track row (frame,id,x,y,w,h,...)") from None
    category = fields.get("class", "").strip()
    extra = {k: _value(v) for k, v in fields.items()
             if k not in (*CORE, "class") and v.strip() != ""}
    return {"frame": frame, "id": track_id, "bbox": [x, y, x + w, y + h],
            "category": None if category in ("", "-1") else category, "extra": extra}


def _add(src: Path, result: LayoutRead, origins: dict, clip_rel: str, tracks: list[dict],
         fps: float | None, origin: str) -> None:
    if clip_rel in origins:
        raise ConfigError(f"{clip_rel} has tracks in both {origins[clip_rel]} and {origin}; "
                          "keep one")
    origins[clip_rel] = origin
    if not (src / clip_rel).is_file():
        result.missing.append(clip_rel)
        return
    folder = class_folder(clip_rel)
    result.items[clip_rel] = {
        "label": PurePosixPath(folder).name if folder else None,
        "name": name_below(clip_rel, folder), "annotation": {"tracks": tracks, "fps": fps},
        "subset": _declared_subset(clip_rel, origin)}


def _declared_subset(clip_rel: str, origin: str) -> str | None:
    """A split top folder (`train/<class>/clip.mp4`), else a split table's name
    (`annotations/<split>.mot.csv`)."""
    top = PurePosixPath(clip_rel).parts[0]
    if top != PurePosixPath(clip_rel).name and top.lower() in SPLIT_FOLDERS:
        return normal_subset(top)
    table = PurePosixPath(origin)
    if table.name.endswith(".mot.csv") and table.name[:-8].lower() in SPLIT_FOLDERS:
        return normal_subset(table.name[:-8])
    return None


def class_folder(clip_rel: str) -> str:
    """The folder naming a clip's class: its top folder, or the next one when the top
    folder is named like a split (`train/<class>/clip.mp4`); "" for a clip at the top."""
    parts = PurePosixPath(clip_rel).parts[:-1]
    if len(parts) >= 2 and parts[0].lower() in SPLIT_FOLDERS:
        return "/".join(parts[:2])
    return parts[0] if parts else ""


# --- writing --------------------------------------------------------------------------------

def mot_table(entries: list[dict]) -> str:
    """One CSV for clips {"file": path in OUT, "annotation": {"tracks": [...]}}: the
    OUT_COLUMNS, then every other extra key (sorted); frames 1-based."""
    extra_keys = sorted({k for e in entries for t in e["annotation"].get("tracks", [])
                         for k in t.get("extra", {})} - set(OUT_COLUMNS))
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow([*OUT_COLUMNS, *extra_keys])
    for entry in entries:
        for t in entry["annotation"].get("tracks", []):
            x0, y0, x1, y1 = t["bbox"]
            extra = t.get("extra", {})
            writer.writerow([entry["file"], t["frame"] + 1, t["id"], _num(x0), _num(y0),
                             _num(x1 - x0), _num(y1 - y0), t.get("category") or "",
                             *(_cell(extra.get(k)) for k in (*OUT_COLUMNS[8:], *extra_keys))])
    return buf.getvalue()


def _num(value: float) -> str:
    """At most three decimals, no trailing zeros (12.5, 3, -0.25)."""
    text = f"{float(value):.3f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _cell(value) -> str:
    return "" if value is None else str(value)


LAYOUT = TracksLayout()
