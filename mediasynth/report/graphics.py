"""Self-made graphics for the report: SVG bar charts and histograms (the tiles' pictures are
drawn by each modality: core/report_tile.py). No plotting library, no network."""

from __future__ import annotations

import html

import numpy as np

from mediasynth.image.thumbnails import PALETTE  # noqa: F401 - one palette for charts and boxes


def bar_chart(groups: list[str], series: dict[str, list[int]], *, title: str,
              width: int = 640, height: int = 260, top: int | None = None) -> str:
    """Grouped vertical bars as inline SVG (one group per class, one bar per series); `top`
    fixes the scale so that several charts compare (default: this chart's largest bar)."""
    names = list(series)
    top = top or max([max(v) for v in series.values() if v] + [1])
    left, bottom, pad = 40, 40, 10
    plot_w, plot_h = width - left - pad, height - bottom - 30
    group_w = plot_w / max(len(groups), 1)
    bar_w = max(2.0, (group_w - 8) / max(len(names), 1))
    parts = [f'<svg width="{width}" height="{height}" '
             f'role="img" aria-label="{html.escape(title)}">',
             f'<text x="{left}" y="16" font-size="13" font-weight="bold">{html.escape(title)}</text>']
    for g, group in enumerate(groups):
        x0 = left + g * group_w + 4
        for s, name in enumerate(names):
            value = series[name][g]
            h = plot_h * value / top
            x = x0 + s * bar_w
            y = 30 + plot_h - h
            parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w - 1:.1f}" height="{h:.1f}" '
                         f'fill="{PALETTE[s % len(PALETTE)]}"><title>{html.escape(group)} '
                         f'{html.escape(name)}: {value}</title></rect>')
            parts.append(f'<text x="{x + bar_w / 2:.1f}" y="{y - 2:.1f}" font-size="9" '
                         f'text-anchor="middle">{value}</text>')
        parts.append(f'<text x="{x0 + group_w / 2 - 4:.1f}" y="{height - bottom + 14}" '
                     f'font-size="10" text-anchor="middle">{html.escape(group[:14])}</text>')
    for s, name in enumerate(names):
        parts.append(f'<rect x="{left + s * 110}" y="{height - 14}" width="10" height="10" '
                     f'fill="{PALETTE[s % len(PALETTE)]}"/><text x="{left + s * 110 + 14}" '
                     f'y="{height - 5}" font-size="10">{html.escape(name)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def histogram(values: list[float], *, title: str, bins: int = 20, width: int = 300,
              height: int = 150) -> str:
    counts, edges = np.histogram(np.asarray(values, float), bins=bins)
    top = max(int(counts.max()), 1)
    plot_h = height - 40
    bw = (width - 20) / bins
    parts = [f'<svg width="{width}" height="{height}" '
             f'role="img" aria-label="{html.escape(title)}">',
             f'<text x="4" y="12" font-size="11">{html.escape(title)}</text>']
    for i, c in enumerate(counts):
        h = plot_h * c / top
        parts.append(f'<rect x="{10 + i * bw:.1f}" y="{18 + plot_h - h:.1f}" width="{bw - 1:.1f}" '
                     f'height="{h:.1f}" fill="#4c78a8"><title>[{edges[i]:.3g}, {edges[i + 1]:.3g}):'
                     f' {c}</title></rect>')
    parts.append(f'<text x="10" y="{height - 6}" font-size="9">{edges[0]:.3g}</text>'
                 f'<text x="{width - 10}" y="{height - 6}" font-size="9" text-anchor="end">'
                 f'{edges[-1]:.3g}</text></svg>')
    return "".join(parts)
