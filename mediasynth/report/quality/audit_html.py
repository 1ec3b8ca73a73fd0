"""The audit's HTML page: every cross-split pair side by side, with thumbnails for images."""

from __future__ import annotations

import base64
import html
import io
from pathlib import Path

from mediasynth.report.quality.audit import AuditResult, table

THUMB_PX = 160
MAX_PAIRS = 200


def write_audit_html(result: AuditResult, root: Path, dest: Path) -> Path:
    """Write the page to `dest` (self-contained: thumbnails are inline PNGs)."""
    rows = []
    pairs = [("exact", p) for p in result.exact] + [("near", p) for p in result.near]
    for what, p in pairs[:MAX_PAIRS]:
        cells = "".join(f"<td>{_thumb(root / p[k])}<br><code>{html.escape(_text(p[k]))}</code>"
                        f"<br>{html.escape(str(p['split_' + k]))}</td>" for k in ("a", "b"))
        distance = f"{p['distance']:.3f}" if "distance" in p else "0"
        rows.append(f"<tr><td>{what}<br>{distance}</td>{cells}</tr>")
    page = (
        "<!doctype html><meta charset='utf-8'><title>mediasynth audit</title>"
        "<style>body{font-family:sans-serif;margin:2em}td{vertical-align:top;padding:6px;"
        "border-bottom:1px solid #ddd}img{max-width:160px}pre{background:#f5f5f5;"
        "padding:1em}</style>"
        f"<h1>Leakage audit</h1><pre>{html.escape(_text(table(result)))}</pre>"
        f"<h2>Pairs across splits ({len(pairs)})</h2><table>{''.join(rows)}</table>")
    dest.write_text(page, encoding="utf-8")
    return dest


def _text(s: str) -> str:
    return s.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _thumb(path: Path) -> str:
    try:
        from PIL import Image

        with Image.open(path) as im:
            im.thumbnail((THUMB_PX, THUMB_PX))
            buf = io.BytesIO()
            im.convert("RGB").save(buf, "PNG")
    except Exception:  # noqa: BLE001 - not an image (audio, video): no picture
        return ""
    return f"<img alt='' src='data:image/png;base64,{base64.b64encode(buf.getvalue()).decode()}'>"
