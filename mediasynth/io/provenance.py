"""Where sources come from and under which terms: a `LICENSE` / `ATTRIBUTION` file at SRC's
top (`LICENSE`, `LICENSE.txt`, `LICENSE.md`, `COPYING`; `ATTRIBUTION[.txt|.md]`, `NOTICE`)
applies to every source; a labels table's `license` / `attribution` columns (see
layouts/labels_table.py) name a source's own and win over the files.

A source's provenance is {"license": text, "attribution": text} (either may be missing);
manifest rows carry it as `provenance`, and the dataset card tabulates it."""

from __future__ import annotations

from pathlib import Path

LICENSE_FILES = ("LICENSE", "LICENSE.txt", "LICENSE.md", "COPYING")
ATTRIBUTION_FILES = ("ATTRIBUTION", "ATTRIBUTION.txt", "ATTRIBUTION.md", "NOTICE")
MAX_CHARS = 500


def _first_file(src: Path, names: tuple[str, ...]) -> Path | None:
    return next((src / n for n in names if (src / n).is_file()), None)


def summary(text: str) -> str:
    """A licence or attribution text as one line: its first non-empty line (an SPDX id or
    a licence's title), at most MAX_CHARS characters."""
    line = next((t.strip() for t in text.splitlines() if t.strip()), "")
    return line.lstrip("#").strip()[:MAX_CHARS]


def tree_provenance(src: Path) -> dict:
    """{"license", "attribution", "license_file", "attribution_file"} from SRC's top files
    (keys only for what is there)."""
    found = {}
    for key, names in (("license", LICENSE_FILES), ("attribution", ATTRIBUTION_FILES)):
        path = _first_file(Path(src), names)
        if path is None:
            continue
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        if summary(text):
            found[key] = summary(text)
            found[f"{key}_file"] = path.name
    return found


def merged(tree: dict, own: dict | None) -> dict | None:
    """A source's provenance: its own fields over the tree's; None when neither has any."""
    out = {k: v for k, v in tree.items() if k in ("license", "attribution")}
    out.update({k: v for k, v in (own or {}).items() if v})
    return out or None
