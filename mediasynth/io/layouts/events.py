"""Sound-event tables (DCASE style) beside the audio:

    metadata/<subset>.tsv  + audio/<subset>/*.wav     (DCASE 2019+ SED, DESED: any depth
                                                       under metadata/)
    <name>.tsv | <name>.csv at SRC's top               (filenames relative to SRC)
    annotations/<split>.csv                           (mediasynth's own `synth tones`)

A table is a TSV or CSV whose header names a file column (`filename`, `file`, `audio`,
`path`, `file_name`), an onset and an offset column (`onset`, `offset`, or names starting
with them such as `onset_s`) in seconds, and optionally a label column (`event_label`,
`label`, `class`, `event`). Several rows per file; a file with no events may appear with
empty onset/offset. A filename is looked up relative to SRC, to the table's folder, under
audio/ (audio/<table path below metadata/ without its suffix>, audio/<table stem>, audio/),
and last by its base name when only one audio file under SRC has it.

Item annotation: {"events": [{"label", "onset_s", "offset_s"}], "duration_s": None}; the
stratum is the file's rarest label (the one fewest files of the dataset hold). Out: audio in
`audio/<split>/`, one `metadata/<split>.tsv` per split in the DCASE 2019+ columns
(`filename onset offset event_label`, filename relative to audio/<split>/; a file with no
events gets one row with empty onset, offset and label).
"""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path, PurePosixPath

from mediasynth.core.errors import ConfigError
from mediasynth.io.atomic import write_bytes_atomic
from mediasynth.io.discover import walk
from mediasynth.io.layouts.base import LayoutRead, name_below, normal_subset, rel
from mediasynth.io.layouts.contract import LayoutBase

FILE_COLUMNS = ("filename", "file", "audio", "path", "file_name", "filepath")
LABEL_COLUMNS = ("event_label", "label", "class", "event", "event_labels")
TABLE_SUFFIXES = (".tsv", ".csv")
HEADER = ("filename", "onset", "offset", "event_label")


class EventsLayout(LayoutBase):
    name = "events"

    def detect(self, src: Path) -> list[str]:
        return [rel(p, src) for p in event_tables(src)]

    def media_folder(self, split: str | None, meta: dict) -> str:
        return f"audio/{split or 'default'}"

    def read(self, src: Path) -> LayoutRead:
        result = LayoutRead(meta={"format": "events"})
        events: dict[str, list[dict]] = {}
        lookup = _AudioLookup(src)
        for table in event_tables(src):
            result.consumed.add(rel(table, src))
            _read_table(src, table, lookup, events, result)
        holders = _files_per_label(events)
        for key, item in result.items.items():
            item["annotation"] = {"events": events[key], "duration_s": None}
            item["label"] = rarest_label(events[key], holders)
        result.meta["labels"] = sorted(holders)
        return result

    def export(self, out: Path, splits: dict[str, list[dict]], meta: dict, *,
               primary: bool) -> list[str]:
        written = []
        for split, entries in sorted(splits.items()):
            folder = self.media_folder(split if split != "default" else None, meta)
            dest = f"metadata/{split}.tsv"
            write_bytes_atomic(out / dest, event_table(entries, folder).encode())
            written.append(dest)
        return written


def event_tables(src: Path) -> list[Path]:
    """The tables under SRC whose header has a file, an onset and an offset column: at the
    top, in annotations/, and at any depth under metadata/."""
    found = [p for p in sorted(src.glob("*")) + sorted(src.glob("annotations/*"))
             if p.suffix.lower() in TABLE_SUFFIXES]
    metadata = src / "metadata"
    if metadata.is_dir():
        for root, dirs, files in walk(metadata):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            found += [Path(root) / f for f in sorted(files)
                      if Path(f).suffix.lower() in TABLE_SUFFIXES]
    return [p for p in found if p.is_file() and not p.name.startswith(".")
            and _columns(_header(p)) is not None]


def _header(path: Path) -> list[str]:
    try:
        with open(path, encoding="utf-8-sig", errors="replace", newline="") as fh:
            first = fh.readline()
    except OSError:
        return []
    return next(csv.reader([first], delimiter=_delimiter(first)), [])


def _delimiter(header_line: str) -> str:
    """Tab when the header has one (DCASE; some of its .csv files are tab-separated), else
    ';' when it has no comma, else ','."""
    if "\t" in header_line:
        return "\t"
    return ";" if ";" in header_line and "," not in header_line else ","


def _columns(header: list[str]) -> dict[str, int] | None:
    """Index of the file, onset, offset and (optional) label columns; None when the header
    is not an event table's."""
    names = [h.strip().lower() for h in header]

    def first(match) -> int | None:
        return next((i for i, n in enumerate(names) if match(n)), None)

    columns = {"file": first(lambda n: n in FILE_COLUMNS),
               "onset": first(lambda n: n.startswith("onset")),
               "offset": first(lambda n: n.startswith("offset")),
               "label": first(lambda n: n in LABEL_COLUMNS)}
    if columns["file"] is None or columns["onset"] is None or columns["offset"] is None:
        return None
    return columns


class _AudioLookup:
    """Finds the file a table names (see the module docstring), inside SRC only."""

    def __init__(self, src: Path):
        self.src = src
        self.root = src.resolve()
        self._by_name: dict[str, list[Path]] | None = None

    def find(self, table: Path, filename: str) -> Path | None:
        for folder in self._folders(table):
            candidate = folder / filename
            if candidate.is_file() and self._inside(candidate):
                return candidate
        matches = self._names().get(PurePosixPath(filename).name, [])
        return matches[0] if len(matches) == 1 else None

    def _folders(self, table: Path) -> list[Path]:
        folders = [self.src, table.parent]
        audio = self.src / "audio"
        below = _below(table, self.src / "metadata")
        if below is not None:
            folders += [audio / below.with_suffix(""), audio / below.parent]
        return folders + [audio / table.stem, audio]

    def _inside(self, path: Path) -> bool:
        try:
            return path.resolve().is_relative_to(self.root)
        except OSError:
            return False

    def _names(self) -> dict[str, list[Path]]:
        """Every non-hidden file under SRC by its name (symlinked folders not followed)."""
        if self._by_name is None:
            self._by_name = {}
            for root, dirs, files in walk(self.src):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for f in sorted(files):
                    if not f.startswith(".") and Path(f).suffix.lower() not in TABLE_SUFFIXES:
                        self._by_name.setdefault(f, []).append(Path(root) / f)
        return self._by_name


def _below(path: Path, root: Path) -> Path | None:
    try:
        return path.relative_to(root)
    except ValueError:
        return None


def _read_table(src: Path, table: Path, lookup: _AudioLookup, events: dict[str, list[dict]],
                result: LayoutRead) -> None:
    """Add the table's files and events; a file an earlier table listed keeps that table's
    events."""
    mine: set[str] = set()
    missing: set[str] = set()
    for filename, event in _rows(table):
        filename = _clean(filename)
        media = lookup.find(table, filename)
        if media is None:
            if filename not in missing:
                missing.add(filename)
                result.missing.append(filename)
            continue
        key = rel(media, src)
        if key in result.items and key not in mine:
            continue
        if key not in mine:
            mine.add(key)
            events[key] = []
            result.items[key] = {"label": None, "annotation": None,
                                 "name": filename, "subset": normal_subset(table.stem)}
        if event is not None:
            events[key].append(event)


def _rows(table: Path):
    """(filename, event or None) per row naming a file; ConfigError names the row of a bad
    time."""
    try:
        text = table.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{table}: not a readable event table ({exc})") from None
    lines = text.splitlines()
    if not lines:
        return
    reader = csv.reader(io.StringIO(text), delimiter=_delimiter(lines[0]))
    columns = _columns(next(reader))
    for number, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        filename = _cell(row, columns["file"])
        if filename:
            yield filename, _event(f"{table}:{number}", _cell(row, columns["onset"]),
                                   _cell(row, columns["offset"]), _cell(row, columns["label"]))


def _cell(row: list[str], index: int | None) -> str:
    """The stripped cell at `index`; "" for a column the table lacks or a short row."""
    return row[index].strip() if index is not None and index < len(row) else ""


def _clean(filename: str) -> str:
    """A table's filename as a POSIX relative path ('./a.wav' -> 'a.wav', '\\' -> '/')."""
    return PurePosixPath(filename.replace("\\", "/")).as_posix()


def _event(where: str, onset: str, offset: str, label: str) -> dict | None:
    """The event of one row; None for a row with empty onset and offset (a file with no
    events)."""
    if not onset and not offset:
        return None
    try:
        onset_s, offset_s = float(onset), float(offset)
    except ValueError:
        raise ConfigError(f"{where}: onset and offset must be seconds, got {onset!r} and "
                          f"{offset!r}") from None
    if not (math.isfinite(offset_s) and 0.0 <= onset_s <= offset_s):
        raise ConfigError(f"{where}: an event needs 0 <= onset <= offset, got {onset_s} and "
                          f"{offset_s}")
    return {"label": label, "onset_s": onset_s, "offset_s": offset_s}


def _files_per_label(events: dict[str, list[dict]]) -> dict[str, int]:
    holders: dict[str, int] = {}
    for file_events in events.values():
        for label in {e["label"] for e in file_events}:
            holders[label] = holders.get(label, 0) + 1
    return holders


def rarest_label(events: list[dict], holders: dict[str, int]) -> str | None:
    """The label of the file that the fewest files of the dataset hold (alphabetically
    first on ties), so small classes reach every split; None for a file with no events."""
    labels = {e["label"] for e in events}
    return min(labels, key=lambda label: (holders.get(label, 0), label)) if labels else None


def event_table(entries: list[dict], media_folder: str) -> str:
    """The DCASE TSV of entries {"file": path relative to OUT, "annotation": {"events"}}:
    events sorted by onset, filename relative to `media_folder`."""
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter="\t", lineterminator="\n")
    writer.writerow(HEADER)
    for entry in sorted(entries, key=lambda e: e["file"]):
        filename = name_below(entry["file"], media_folder)
        file_events = sorted(entry["annotation"].get("events") or [],
                             key=lambda e: (e["onset_s"], e["offset_s"], e["label"]))
        if not file_events:
            writer.writerow([filename, "", "", ""])
        for event in file_events:
            writer.writerow([filename, _seconds(event["onset_s"]), _seconds(event["offset_s"]),
                             event["label"]])
    return buf.getvalue()


def _seconds(value: float) -> str:
    """Seconds to the microsecond, without trailing zeros."""
    text = f"{float(value):.6f}".rstrip("0").rstrip(".")
    return text if text not in ("", "-0") else "0"


LAYOUT = EventsLayout()
