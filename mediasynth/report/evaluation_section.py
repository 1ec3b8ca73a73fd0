"""The report's "Does it help?" section, drawn from OUT/evaluation.json (written by
`mediasynth evaluate`) when there is one: the verdicts in words, the arms' scores, learning
curves (macro-F1 against the share of train sources, with their 95 % intervals) and
per-class recall deltas as bars with interval whiskers, then the fidelity numbers. Inline
SVG, no plotting library; reads the JSON only, never the quality package."""

from __future__ import annotations

import html
import json
from pathlib import Path

from mediasynth.report.graphics import PALETTE

EVALUATION = "evaluation.json"


def _esc(value) -> str:
    return html.escape(str(value), quote=True)


def _num(x, digits: int = 3) -> str:
    return "n/a" if x is None else f"{x:.{digits}f}"


def evaluation_section(out: Path) -> str:
    """HTML of the section, or "" when OUT has no (readable) evaluation.json."""
    try:
        result = json.loads((Path(out) / EVALUATION).read_text(encoding="ascii"))
        arms, curves, deltas = result["arms"], result["learning_curves"], result["deltas"]
    except (OSError, ValueError, KeyError, TypeError):
        return ""
    settings = result.get("settings", {})
    parts = ["<h2>Does it help? (mediasynth evaluate)</h2>",
             f"<p>Probe <b>{_esc(settings.get('probe', '?'))}</b>, seeds "
             f"{_esc(settings.get('seeds', []))}, test set: "
             f"{_esc(result.get('test_set', {}).get('items', '?'))} real items "
             f"({_esc(result.get('test_set', {}).get('from', ''))}). Intervals: "
             f"{_esc(settings.get('interval', '95 %'))}.</p>"]
    online = settings.get("online")
    if isinstance(online, dict):
        parts.append(f"<p>Arm <b>online</b>: the train originals augmented on the fly by the "
                     f"data loader with {_esc(online.get('pipeline', 'the pipeline'))} "
                     f"({_esc(online.get('epochs', '?'))} seeded loader epochs; "
                     f"{_esc(online.get('how', ''))}).</p>")
    parts.append("<ul>" + "".join(f"<li>{_esc(line)}</li>" for line in
                                  result.get("summary", [])) + "</ul>")
    rows = "".join(f"<tr><td>{_esc(name)}</td><td>{_num(s['macro_f1']['mean'])} "
                   f"[{_num(s['macro_f1']['ci95'][0])}, {_num(s['macro_f1']['ci95'][1])}]</td>"
                   f"<td>{_num(s['accuracy']['mean'])}</td></tr>" for name, s in arms.items())
    parts.append(f"<table><tr><th>arm</th><th>macro-F1 [95 % CI]</th><th>accuracy</th></tr>"
                 f"{rows}</table>")
    parts.append(learning_curves_svg(curves))
    for label, delta in deltas.items():
        if delta.get("per_class_recall"):
            parts.append(delta_bars_svg(label, delta["per_class_recall"]))
    fidelity = result.get("fidelity") or {}
    if fidelity:
        keys = [k for k in ("precision", "recall", "density", "coverage", "two_sample_auc")
                if k in fidelity]
        cells = "".join(f"<tr><td>{_esc(k)}</td><td>{_num(fidelity[k])}</td></tr>" for k in keys)
        nn = fidelity.get("nearest_real_distance") or {}
        if nn:
            cells += (f"<tr><td>nearest real / real-to-real distance (medians)</td>"
                      f"<td>{_num(nn.get('ratio_of_medians'))}</td></tr>")
        parts.append(f"<h3>Fidelity on {_esc(fidelity.get('features', ''))}</h3>"
                     f"<table>{cells}</table>" + (f"<p>{_esc(fidelity['note'])}</p>"
                                                  if fidelity.get("note") else ""))
    return "<section id='evaluation'>" + "\n".join(parts) + "</section>"


def learning_curves_svg(curves: dict, *, width: int = 520, height: int = 260) -> str:
    """macro-F1 (0..1) against the share of train sources, one line per arm, its 95 %
    interval as a band."""
    left, right, top, bottom = 44, 130, 24, 36
    plot_w, plot_h = width - left - right, height - top - bottom
    fractions = sorted({p["fraction"] for points in curves.values() for p in points})
    if not fractions:
        return ""
    lo_f, hi_f = min(fractions), max(fractions)

    def x(f: float) -> float:
        return left + (0.5 if hi_f == lo_f else (f - lo_f) / (hi_f - lo_f)) * plot_w

    def y(v: float) -> float:
        return top + (1.0 - v) * plot_h

    title = "Learning curves: macro-F1 by share of train sources"
    parts = [f'<svg width="{width}" height="{height}" role="img" aria-label="{_esc(title)}">',
             f'<text x="{left}" y="14" font-size="13" font-weight="bold">{_esc(title)}</text>']
    for v in (0.0, 0.25, 0.5, 0.75, 1.0):
        parts.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{y(v):.1f}" y2="{y(v):.1f}" '
                     f'stroke="#ddd"/><text x="{left - 4}" y="{y(v) + 3:.1f}" font-size="9" '
                     f'text-anchor="end">{v:.2f}</text>')
    for f in fractions:
        parts.append(f'<text x="{x(f):.1f}" y="{height - bottom + 14}" font-size="9" '
                     f'text-anchor="middle">{f * 100:.0f} %</text>')
    for s, (name, points) in enumerate(curves.items()):
        colour = PALETTE[s % len(PALETTE)]
        pts = [(p["fraction"], p["macro_f1"]) for p in points if p["macro_f1"]["mean"] is not None]
        band = [(f, m["ci95"]) for f, m in pts if None not in m["ci95"]]
        if band:
            outline = [f"{x(f):.1f},{y(ci[1]):.1f}" for f, ci in band]
            outline += [f"{x(f):.1f},{y(ci[0]):.1f}" for f, ci in reversed(band)]
            parts.append(f'<polygon points="{" ".join(outline)}" fill="{colour}" '
                         'fill-opacity="0.15" stroke="none"/>')
        line = " ".join(f"{x(f):.1f},{y(m['mean']):.1f}" for f, m in pts)
        parts.append(f'<polyline points="{line}" fill="none" stroke="{colour}" '
                     'stroke-width="2"/>')
        for f, m in pts:
            parts.append(f'<circle cx="{x(f):.1f}" cy="{y(m["mean"]):.1f}" r="3" '
                         f'fill="{colour}"><title>{_esc(name)} at {f * 100:.0f} %: '
                         f'{m["mean"]:.3f} [{_num(m["ci95"][0])}, {_num(m["ci95"][1])}]'
                         '</title></circle>')
        ly = top + 14 * s
        parts.append(f'<rect x="{width - right + 10}" y="{ly}" width="10" height="10" '
                     f'fill="{colour}"/><text x="{width - right + 24}" y="{ly + 9}" '
                     f'font-size="10">{_esc(name)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def delta_bars_svg(label: str, per_class: dict, *, width: int = 520) -> str:
    """One horizontal bar per class: the recall delta (right of the axis: better), with its
    95 % interval as a whisker."""
    classes = list(per_class)
    row_h, left, pad, top = 18, 120, 20, 24
    height = top + row_h * len(classes) + 24
    values = [v for c in classes for v in (per_class[c]["mean"], *per_class[c]["ci95"])
              if v is not None]
    span = max([abs(v) for v in values] + [0.05])
    plot_w = width - left - pad
    zero = left + plot_w / 2

    def x(v: float) -> float:
        return zero + v / span * plot_w / 2

    title = f"Per-class recall change: {label}"
    parts = [f'<svg width="{width}" height="{height}" role="img" aria-label="{_esc(title)}">',
             f'<text x="4" y="14" font-size="13" font-weight="bold">{_esc(title)}</text>',
             f'<line x1="{zero:.1f}" x2="{zero:.1f}" y1="{top - 4}" '
             f'y2="{top + row_h * len(classes)}" stroke="#444"/>']
    for i, cls in enumerate(classes):
        d = per_class[cls]
        cy = top + i * row_h
        parts.append(f'<text x="{left - 6}" y="{cy + 12}" font-size="10" '
                     f'text-anchor="end">{_esc(cls[:20])}</text>')
        if d["mean"] is None:
            continue
        colour = PALETTE[2] if d["mean"] >= 0 else PALETTE[3]
        x0, x1 = sorted((zero, x(d["mean"])))
        parts.append(f'<rect x="{x0:.1f}" y="{cy + 3}" width="{max(x1 - x0, 0.5):.1f}" '
                     f'height="{row_h - 6}" fill="{colour}"><title>{_esc(cls)}: '
                     f'{d["mean"]:+.3f} [{_num(d["ci95"][0])}, {_num(d["ci95"][1])}]'
                     '</title></rect>')
        if None not in d["ci95"]:
            lo, hi = (x(v) for v in d["ci95"])
            parts.append(f'<line x1="{lo:.1f}" x2="{hi:.1f}" y1="{cy + row_h / 2:.1f}" '
                         f'y2="{cy + row_h / 2:.1f}" stroke="#222"/>')
    base = top + row_h * len(classes) + 14
    parts.append(f'<text x="{x(-span):.1f}" y="{base}" font-size="9">{-span:+.2f}</text>'
                 f'<text x="{zero:.1f}" y="{base}" font-size="9" text-anchor="middle">0</text>'
                 f'<text x="{x(span):.1f}" y="{base}" font-size="9" text-anchor="end">'
                 f'{span:+.2f}</text></svg>')
    return "".join(parts)
