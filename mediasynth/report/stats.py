"""Statistics of outputs against their sources, and near-duplicate warnings.

The engine records cheap statistics in the manifest as it writes (`info.stats` for each
output, `source_stats` for its source), so the report decodes nothing here; rows without
them (e.g. synthesized items) are measured from the files, up to a limit.
"""

from __future__ import annotations

import html
from collections import defaultdict

import numpy as np

from mediasynth.core import modality
from mediasynth.core.errors import MediasynthError


def report_kinds(rows: list[dict]) -> list[str]:
    """The kinds of `rows`: registered modalities first, in their order, then others."""
    present = {r["kind"] for r in rows}
    return [k for k in modality.kinds() if k in present] + sorted(present - set(modality.kinds()))


def _measure(kind: str, path) -> dict:
    """Statistics of a file the engine recorded none for: an image from a 4x reduced decode,
    another kind through its handler."""
    if kind == "image":
        import cv2

        from mediasynth.image.handler import image_stats

        img = cv2.imdecode(np.fromfile(str(path), np.uint8), cv2.IMREAD_REDUCED_COLOR_4)
        if img is None:
            raise ValueError(f"cannot decode {path}")
        return image_stats(np.ascontiguousarray(img[:, :, ::-1]))
    from mediasynth.core.config import Budgets

    handler = modality.handler_for(kind)
    return handler.describe(handler.load(path, Budgets()))


def output_statistics(page, limit: int) -> str:
    sections = []
    for kind in report_kinds(page.ok):
        rows = [r for r in page.ok if r["kind"] == kind]
        sections.append(_section(page, kind, kind.title(), rows, limit))
    return "<h2>Output statistics</h2>" + "".join(sections) if sections else ""


def _stats_of(page, kind: str, rows: list[dict], limit: int) -> dict[str, dict]:
    """Each row's statistics: recorded by the worker, found in its info (a clip's
    duration), or measured from the file (up to `limit` files)."""
    keys = _keys(kind)
    out, measured = {}, 0
    for r in rows:
        info = r.get("info") or {}
        stats = info.get("stats")
        if stats is None and keys and all(k in info for k in keys):
            stats = {k: info[k] for k in keys}
        if stats is None and measured < limit:
            measured += 1
            try:
                stats = _measure(kind, page.media(r))
            except (OSError, ValueError, RuntimeError, KeyError, MediasynthError):
                stats = None
        if stats is not None:
            out[r["id"]] = stats
    return out


def _keys(kind: str) -> tuple[str, ...]:
    try:
        return modality.get(kind).stats_keys
    except KeyError:  # an OUT made by a modality this process does not know
        return ()


_LABELS = {"luma_mean": "brightness (mean luma)", "luma_std": "contrast (luma std)",
           "rms_db": "loudness (RMS dBFS)", "duration_s": "duration s"}


def _section(page, kind: str, title: str, rows: list[dict], limit: int) -> str:
    from mediasynth.report import graphics as gfx

    outputs = _stats_of(page, kind, rows, limit)
    sources = {r["source"]: r["source_stats"] for r in rows if r.get("source_stats")}
    keys = _keys(kind)
    labels = {k: _LABELS.get(k, k.replace("_", " ")) for k in keys}
    head = "".join(f"<th>{labels[k]}</th>" for k in keys)
    lines = [f"<h3>{title}</h3><table><tr><th></th>{head}<th>n</th></tr>"]
    charts = []
    for name, group in (("outputs", outputs), ("sources", sources)):
        values = {k: [s[k] for s in group.values() if s.get(k) is not None] for k in keys}
        if not any(values.values()):
            continue
        cells = "".join(f"<td>{np.mean(v):.2f}</td>" if v else "<td>-</td>" for v in values.values())
        lines.append(f"<tr><td>{name}</td>{cells}<td>{len(group)}</td></tr>")
        if name == "outputs":
            charts += [gfx.histogram(v, title=f"output {labels[k]}") for k, v in values.items()
                       if len(v) >= 2]
    text = "".join(lines) + "</table><div class='charts'>" + "".join(charts) + "</div>"
    if any("dhash" in s for s in outputs.values()):
        text += _duplicates(rows, outputs)
    return text


def _duplicates(rows: list[dict], stats: dict[str, dict]) -> str:
    """Pairs whose difference hashes are at most 2 bits apart: variants of one source that
    look the same, or outputs of different sources in different splits (possible leakage).
    Candidates are found through 4 buckets of 16 bits (any pair within 3 bits shares one)."""
    hashes = {r["id"]: int(stats[r["id"]]["dhash"], 16) for r in rows
              if r["id"] in stats and "dhash" in stats[r["id"]]}
    by_id = {r["id"]: r for r in rows}
    buckets: dict[tuple, list[str]] = defaultdict(list)
    for rid, h in hashes.items():
        for part in range(4):
            buckets[(part, (h >> (16 * part)) & 0xFFFF)].append(rid)
    seen, flagged = set(), []
    for members in buckets.values():
        for i, a in enumerate(members):
            for b in members[i + 1:]:
                if (a, b) in seen:
                    continue
                seen.add((a, b))
                distance = bin(hashes[a] ^ hashes[b]).count("1")
                ra, rb = by_id[a], by_id[b]
                if distance > 2:
                    continue
                if ra["source"] == rb["source"]:
                    flagged.append(("near-identical variants", ra, rb, distance))
                elif ra["split"] != rb["split"]:
                    flagged.append(("similar across splits", ra, rb, distance))
    if not flagged:
        return "<p>No near-duplicates (difference hash, at most 2 bits apart).</p>"
    lines = ["<table class='duplicates'><tr><th>warning</th><th>output</th><th>output</th>"
             "<th>bits apart</th></tr>"]
    for kind, a, b, d in flagged[:200]:
        lines.append(f"<tr><td class='warn'>{kind}</td><td>{html.escape(a['output'])}</td>"
                     f"<td>{html.escape(b['output'])}</td><td>{d}</td></tr>")
    return "".join(lines) + "</table>"
