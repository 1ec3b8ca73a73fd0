"""The report's "Splits, groups and near-duplicates" section: how sources were split, the
groups kept together, and the near-duplicate pairs found (engine/near_duplicates.py), with
any pair that straddles two splits or two labels called out."""

from __future__ import annotations

import html
from collections import Counter, defaultdict
from pathlib import Path

MAX_PAIRS_SHOWN = 50


def splits_section(out: Path, rows: list[dict]) -> str:
    """HTML of the section ("" when the OUT has no split, groups or pairs to show)."""
    from mediasynth.engine.near_duplicates import load_pairs

    ok = [r for r in rows if r.get("status") == "ok" and r.get("source")]
    split_of = {r["source"]: r.get("split") for r in ok}
    pairs = load_pairs(out)
    if not ok or (not any(r.get("split") for r in ok) and not pairs
                  and not any(r.get("group") for r in ok)):
        return ""
    sources, groups, folds = Counter(), defaultdict(set), defaultdict(set)
    for source in {r["source"]: r for r in ok}.values():
        split = source.get("split") or "-"
        sources[split] += 1
        groups[split].add(source.get("group") or "\x00" + source["source"])
        if source.get("fold") is not None:
            folds[split].add(source["fold"])
    table = ["<table><tr><th>split</th><th>sources</th><th>groups</th><th>folds</th></tr>"]
    for split in sorted(sources):
        table.append(f"<tr><td>{_esc(split)}</td><td>{sources[split]}</td>"
                     f"<td>{len(groups[split])}</td><td>{len(folds[split]) or ''}</td></tr>")
    table.append("</table>")
    grouped = Counter(r.get("group") for r in {r["source"]: r for r in ok}.values()
                      if r.get("group"))
    parts = ["<h2>Splits, groups and near-duplicates</h2>", "".join(table),
             f"<p>{len(grouped)} group(s) of several sources kept within one split "
             f"(--group-by, near-duplicates); largest: "
             + ", ".join(f"{_esc(g)} ({n})" for g, n in grouped.most_common(5)) + "</p>"
             if grouped else ""]
    if pairs:
        cross = [p for p in pairs if split_of.get(p.a) != split_of.get(p.b)]
        conflicts = [p for p in pairs if p.conflict]
        parts.append(f"<p>{len(pairs)} near-duplicate pair(s); {len(cross)} across splits; "
                     f"{len(conflicts)} with different labels (label conflicts).</p>")
        shown = sorted(pairs, key=lambda p: (split_of.get(p.a) == split_of.get(p.b),
                                             not p.conflict, p.a, p.b))[:MAX_PAIRS_SHOWN]
        lines = ["<table><tr><th>a</th><th>b</th><th>kind</th><th>distance</th>"
                 "<th>splits</th><th>labels</th></tr>"]
        for p in shown:
            flag = " class='problem'" if (split_of.get(p.a) != split_of.get(p.b)
                                          or p.conflict) else ""
            lines.append(f"<tr{flag}><td>{_esc(p.a)}</td><td>{_esc(p.b)}</td>"
                         f"<td>{_esc(p.kind)}</td><td>{p.distance:.3f}</td>"
                         f"<td>{_esc(split_of.get(p.a))} / {_esc(split_of.get(p.b))}</td>"
                         f"<td>{_esc(p.class_a)} / {_esc(p.class_b)}</td></tr>")
        lines.append("</table>")
        parts.append("".join(lines))
    return "".join(parts)


def _esc(value) -> str:
    text = str(value).encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return html.escape(text, quote=True)
