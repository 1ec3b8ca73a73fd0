"""`mediasynth report OUT`: a self-contained HTML page (plus OUT/report_assets/) that opens
offline: counts per split and class before and after balancing, skipped files with reasons,
run settings, contact sheets (original next to its variants, parameters on hover and below,
boxes drawn for detection data), waveforms, spectrograms and players for audio, keyframe
strips and players for video, histograms of the sampled parameters, output statistics
against the sources, and near-duplicate warnings.
"""

from __future__ import annotations

import html
import json
import os
import shutil
import urllib.parse
from collections import Counter, defaultdict
from pathlib import Path

from mediasynth.core import modality, output_format
from mediasynth.engine import manifest as M
from mediasynth.engine.previews import VARIANTS_SHOWN, preview_path, sample_keys
from mediasynth.io.atomic import write_bytes_atomic
from mediasynth.report import graphics as gfx
from mediasynth.report.evaluation_section import evaluation_section
from mediasynth.report.splits_section import splits_section
from mediasynth.report.stats import output_statistics, report_kinds

ASSETS = "report_assets"
COMPOSITES = {"compose", "one_of", "some_of", "random_apply", "video", "pending"}
STATS_LIMIT = 2000
PREVIEW_COPY_MAX_BYTES = 20 * 1024 * 1024
PARTNERS_SHOWN = 3


def write_report(out: str | Path) -> Path:
    out = Path(out)
    rows = M.read_manifest(out)
    if not rows:
        raise FileNotFoundError(f"{out / M.MANIFEST} is missing or empty: nothing to report")
    run = _read_json(out / "run.json")
    src = Path(run["src"]) if run and Path(run.get("src", "")).is_dir() else None
    assets = out / ASSETS
    shutil.rmtree(assets, ignore_errors=True)
    assets.mkdir(parents=True)
    page = _Page(out, rows, src, assets)
    text = page.render()
    dest = out / "report.html"
    write_bytes_atomic(dest, _shown(text).encode("utf-8"))
    return dest


def _progress(total: int):
    import sys

    from tqdm import tqdm

    return tqdm(total=total, unit="sample", desc="report", leave=False,
                disable=not sys.stderr.isatty())


def _read_json(path: Path):
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def _shown(text: str) -> str:
    """`text` with the bytes of non-UTF-8 file names (held as surrogate escapes) written as
    \\xNN, so that a page or chart naming them is still UTF-8 (links use `_href`)."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _esc(value) -> str:
    return html.escape(_shown(str(value)), quote=True)


class _Page:
    def __init__(self, out: Path, rows: list[dict], src: Path | None, assets: Path):
        self.out, self.rows, self.src, self.assets = out, rows, src, assets
        self.ok = [r for r in rows if r["status"] == "ok"]
        self._n = 0
        self._renderers: dict = {}

    def asset(self, stem: str) -> tuple[Path, str]:
        self._n += 1
        name = f"{self._n:05d}-{stem}.png"
        return self.assets / name, f"{ASSETS}/{name}"

    # --- sections -------------------------------------------------------------------------
    def render(self) -> str:
        sections = [self.summary(), self.counts(), splits_section(self.out, self.rows),
                    self.problems(), self.samples(), self.parameters(), self.statistics(),
                    evaluation_section(self.out),
                    self.settings()]
        return _TEMPLATE.format(title=_esc(self.title()),
                                body="\n".join(s for s in sections if s))

    def title(self) -> str:
        """What the dataset is: its name, kinds, classes and splits."""
        kinds = sorted({r["kind"] for r in self.ok})
        classes = sorted({r["class"] for r in self.ok if r["class"]})
        splits = sorted({r["split"] for r in self.ok if r["split"]})
        what = "/".join(kinds) or "empty"
        parts = [f"{self.out.name}: {what} dataset, {len(self.ok)} files"]
        if classes:
            parts.append(f"{len(classes)} classes")
        if splits:
            parts.append("splits " + ", ".join(splits))
        return " - ".join(parts) + " (mediasynth report)"

    def summary(self) -> str:
        status = Counter(r["status"] for r in self.rows)
        kinds = Counter(r["kind"] for r in self.ok)
        cells = "".join(f'<div class="stat"><b data-total="{k}">{v}</b><span>{_esc(k)}</span></div>'
                        for k, v in (("outputs", status.get("ok", 0)),
                                     ("skipped", status.get("skipped", 0)),
                                     ("failed", status.get("failed", 0)), *sorted(kinds.items())))
        return f"<h1>{_esc(self.title())}</h1><div class='stats'>{cells}</div>"

    def counts(self) -> str:
        sources: dict[tuple, set] = defaultdict(set)
        outputs: Counter = Counter()
        for r in self.ok:
            key = (r["split"] or "all", r["class"] or "-")
            sources[key].add(r["source"] or r["id"])
            outputs[key] += 1
        splits = sorted({k[0] for k in outputs}, key=lambda s: ("train", "val", "test").index(s)
                        if s in ("train", "val", "test") else 9)
        classes = sorted({k[1] for k in outputs})
        charts, table = [], ["<table class='counts'><tr><th>split</th><th>class</th>"
                             "<th>sources (before)</th><th>outputs (after)</th></tr>"]
        top = max([*outputs.values(), *(len(v) for v in sources.values()), 1])
        for split in splits:
            before = [len(sources.get((split, c), ())) for c in classes]
            after = [outputs.get((split, c), 0) for c in classes]
            charts.append(gfx.bar_chart(classes, {"sources (before)": before,
                                                  "outputs (after)": after},
                                        title=f"{split}: per class (one scale for all splits)",
                                        top=top))
            for c, b, a in zip(classes, before, after):
                if b or a:
                    table.append(f"<tr><td>{_esc(split)}</td><td>{_esc(c)}</td><td>{b}</td>"
                                 f"<td data-count='{_esc(split)}/{_esc(c)}'>{a}</td></tr>")
        table.append("</table>")
        return ("<h2>Counts per split and class</h2><div class='charts'>" + "".join(charts)
                + "</div>" + "".join(table))

    def problems(self) -> str:
        bad = [r for r in self.rows if r["status"] != "ok"]
        if not bad:
            return "<h2>Skipped and failed files</h2><p>None.</p>"
        lines = ["<h2>Skipped and failed files</h2><table class='problems'><tr><th>status</th>"
                 "<th>reason</th><th>file</th><th>message</th></tr>"]
        for r in bad:
            reason = r.get("reason") or {}
            lines.append(f"<tr><td>{_esc(r['status'])}</td><td>{_esc(reason.get('code'))}</td>"
                         f"<td>{_esc(r['source'])}</td><td>{_esc(reason.get('message'))}</td></tr>")
        return "".join(lines) + "</table>"

    def samples(self) -> str:
        by_source: dict[str, list[dict]] = defaultdict(list)
        for r in self.ok:
            by_source[r["source"] or r["id"]].append(r)
        chosen = {}
        for kind in report_kinds(self.ok):
            keys = sample_keys(k for k, rs in by_source.items() if rs[0]["kind"] == kind)
            if keys:
                chosen[kind] = keys
        parts = []
        with _progress(sum(len(v) for v in chosen.values())) as bar:
            for kind, keys in chosen.items():
                blocks = []
                for k in keys:
                    blocks.append(self._sample_block(
                        kind, k, sorted(by_source[k], key=lambda r: r["variant"])))
                    bar.update(1)
                parts.append(f"<h2>{kind.title()} samples</h2>" + "".join(blocks))
        return "".join(parts)

    def _sample_block(self, kind: str, source: str, rows: list[dict]) -> str:
        tiles = []
        original = self.src / source if self.src is not None and rows[0]["source"] else None
        if original is not None and original.is_file() and not any(r["variant"] == -1 for r in rows):
            tiles.append(self._tile(kind, self.preview_copy(original), "original", None,
                                    rows[0].get("source_sha256")))
        partners: list[str] = []
        for r in rows[: VARIANTS_SHOWN + 1]:
            label = "original" if r["variant"] == -1 else f"variant {r['variant']}"
            if r.get("mix"):
                label += f" ({r['mix']['method']} with {', '.join(r['mix']['partners'])})"
                partners += [p for p in r["mix"]["partners"] if p not in partners]
            tiles.append(self._tile(kind, self.media(r), label, r))
        for partner in partners[:PARTNERS_SHOWN]:  # what the mixed outputs were made from
            path = self.src / partner if self.src is not None else None
            if path is not None and path.is_file():
                tiles.append(self._tile(kind, self.preview_copy(path), f"partner {partner}",
                                        None))
        head = f"<h3>{_esc(source)} <small>({_esc(rows[0]['class'])}, {_esc(rows[0]['split'])})</small></h3>"
        return f"<div class='sample'>{head}<div class='tiles'>{''.join(tiles)}</div></div>"

    def _tile(self, kind: str, path: Path, label: str, row: dict | None,
              sha256: str | None = None) -> str:
        params = _describe(row["record"]) if row and row.get("record") else ""
        full = json.dumps(row["record"], indent=1) if row and row.get("record") else label
        sha256 = sha256 or (row or {}).get("output_sha256")
        try:
            visual = self._visual(kind, path, row, sha256)
        except Exception as exc:  # noqa: BLE001 - one unreadable file must not sink the report
            visual = f"<p class='warn'>cannot show: {_esc(exc)}</p>"
        return (f"<figure title='{_esc(full)}'>{visual}<figcaption><b>{_esc(label)}</b>"
                f"<br>{_esc(params)}</figcaption></figure>")

    def _visual(self, kind: str, path: Path, row: dict | None, sha256: str | None) -> str:
        """The tile the file's modality draws (core/report_tile.py), its picture written
        among the assets, with a player when it asks for one; a link for a kind that draws
        none."""
        if kind not in self._renderers:
            try:
                self._renderers[kind] = modality.get(kind).tile_renderer()
            except KeyError:  # a kind no modality of this process knows: a link
                self._renderers[kind] = None
        renderer = self._renderers[kind]
        if renderer is None:
            return f"<p><a href='{_esc(self._href(path))}'>{_esc(path.name)}</a></p>"
        made = preview_path(self.out, sha256) if sha256 else None
        tile = renderer(path, row, made)
        dest, rel = self.asset(tile.stem)
        dest.write_bytes(tile.png)
        html_ = f"<img src='{rel}' alt='{_esc(tile.alt)}'>"
        if tile.player == "audio":
            html_ += f"<audio controls preload='none' src='{_esc(self._href(path))}'></audio>"
        elif tile.player == "video":
            html_ += (f"<video controls preload='none' width='240' "
                      f"src='{_esc(self._href(path))}'></video>")
        return html_

    def preview_copy(self, path: Path) -> Path:
        """A source shown in the report is copied into its assets (small files only; the
        report must not point into SRC, which may not travel with OUT)."""
        if path.stat().st_size > PREVIEW_COPY_MAX_BYTES:
            return path
        self._n += 1
        dest = self.assets / "sources" / f"{self._n:05d}-{path.name}"
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, dest)
        return dest

    def media(self, row: dict) -> Path:
        """The file of an output: in OUT, or for a packed format's row (a webdataset shard
        member) its bytes copied into the report's assets (the shard is no media file)."""
        fmt = output_format.of_row(row)
        if fmt.loose:
            return self.out / row["output"]
        dest = self.assets / "media" / (row.get("member") or Path(row["output"]).name)
        if not dest.is_file():
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(fmt.output_bytes(self.out, row))
        return dest

    def _href(self, path: Path) -> str:
        try:  # percent-encoded from the name's bytes: a browser finds a non-UTF-8 name too
            return urllib.parse.quote(os.fsencode(path.relative_to(self.out).as_posix()))
        except ValueError:
            return path.resolve().as_uri()

    def parameters(self) -> str:
        values: dict[str, list[float]] = defaultdict(list)
        for r in self.ok:
            if r.get("record"):
                _collect(r["record"], values)
        charts = [gfx.histogram(v, title=f"{k} (n={len(v)})") for k, v in sorted(values.items())
                  if len(v) >= 2 and not k.endswith("seed")]
        if not charts:
            return ""
        return "<h2>Sampled parameters</h2><div class='charts'>" + "".join(charts) + "</div>"

    def statistics(self) -> str:
        return output_statistics(self, STATS_LIMIT)

    def settings(self) -> str:
        pipeline = self.out / "pipeline.yaml"
        text = pipeline.read_text() if pipeline.exists() else "(no pipeline.yaml)"
        first = self.rows[0]
        versions = json.dumps(first.get("versions", {}), indent=1)
        return (f"<h2>Run settings</h2><p>pipeline sha256 <code>{_esc(first.get('pipeline_sha256'))}"
                f"</code></p><pre>{_esc(text)}</pre><h3>Versions</h3><pre>{_esc(versions)}</pre>")


def _collect(record: dict, values: dict[str, list[float]]) -> None:
    if not record.get("applied"):
        return
    for child in record.get("children", []):
        _collect(child, values)
    for key, value in record.get("params", {}).items():
        if isinstance(value, (int, float)) and not isinstance(value, bool) and "seed" not in key:
            values[f"{record['name']}.{key}"].append(float(value))


def _describe(record: dict) -> str:
    """Short text of the applied leaf operations and their scalar params."""
    parts = []

    def walk(rec):
        if not rec.get("applied") or (rec["name"] in COMPOSITES and not rec.get("children")):
            return
        if rec.get("children"):
            for c in rec["children"]:
                walk(c)
            return
        scal = {k: (round(v, 3) if isinstance(v, float) else v)
                for k, v in rec.get("params", {}).items()
                if isinstance(v, (int, float, str)) and "seed" not in k}
        args = ", ".join(f"{k}={v}" for k, v in scal.items())
        parts.append(f"{rec['name'].split('.', 1)[-1]}({args})")

    walk(record)
    return "; ".join(parts) or "no change"


_TEMPLATE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #222; }}
h1 {{ margin: 0 0 12px; }} h2 {{ margin-top: 32px; border-bottom: 1px solid #ddd; }}
.stats {{ display: flex; gap: 16px; flex-wrap: wrap; }}
.stat {{ background: #f3f5f8; padding: 8px 14px; border-radius: 6px; }}
.stat b {{ font-size: 20px; display: block; }}
.charts {{ display: flex; flex-wrap: wrap; gap: 12px; }}
table {{ border-collapse: collapse; margin: 8px 0; }}
td, th {{ border: 1px solid #ddd; padding: 3px 8px; text-align: left; }}
.tiles {{ display: flex; flex-wrap: wrap; gap: 8px; }}
figure {{ margin: 0; width: 330px; }} figure img {{ max-width: 320px; display: block; }}
figcaption {{ font-size: 11px; color: #555; word-break: break-word; }}
.warn {{ color: #b00; }} pre {{ background: #f6f6f6; padding: 8px; overflow: auto; }}
</style></head><body>
{body}
</body></html>
"""
