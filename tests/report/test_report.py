"""The report of a generated expansion, rendered in headless Chromium."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

import pytest

from mediasynth.cli import main
from tests.engine.helpers import make_tree
from tests.video.helpers import encode_frames, red_blue, tone

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def expanded(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("report")
    src = make_tree(root / "src", images=(("circle", 6), ("square", 2)), tones=(("sine", 3),))
    (src / "clips").mkdir()
    encode_frames(src / "clips" / "a.mp4", red_blue(n=25), audio=tone(1.0))
    (src / "square" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 10)
    out = root / "out"
    assert main(["expand", str(src), str(out), "-n", "2", "--split", "0.7,0.3",
                 "--balance", "oversample", "-q"]) == 3
    return out


def test_report_is_written_offline_and_counts_match(expanded):
    page = (expanded / "report.html").read_text()
    import re

    assert not re.search(r"(src|href)=['\"]?(https?:)?//", page), "no network fetches"
    assert "http://" not in page and "https://" not in page
    rows = [json.loads(x) for x in (expanded / "manifest.jsonl").read_text().splitlines()]
    counts = Counter((r["split"], r["class"]) for r in rows if r["status"] == "ok")
    for (split, cls), n in counts.items():
        assert f"data-count='{split}/{cls}'>{n}<" in page
    assert "square/broken.png" in page and "unreadable" in page


def test_report_in_headless_chromium(expanded, tmp_path):
    if CHROMIUM is None:
        pytest.skip("chromium is not installed (.ci/run installs it)")
    playwright = pytest.importorskip("playwright.sync_api")
    rows = [json.loads(x) for x in (expanded / "manifest.jsonl").read_text().splitlines()]
    expected = Counter(f"{r['split']}/{r['class']}" for r in rows if r["status"] == "ok")
    errors: list[str] = []
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync"])
        page = browser.new_page(viewport={"width": 1300, "height": 2000})
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto((expanded / "report.html").as_uri(), wait_until="load")
        images = page.evaluate("""() => Array.from(document.images).map(
            i => [i.getAttribute('src'), i.complete, i.naturalWidth])""")
        shown = page.evaluate("""() => Object.fromEntries(Array.from(
            document.querySelectorAll('td[data-count]')).map(
            td => [td.dataset.count, Number(td.textContent)]))""")
        page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
        browser.close()
    assert errors == []
    assert len(images) > 10
    assert all(complete and width > 0 for _, complete, width in images), images
    assert shown == dict(expected)
    assert (tmp_path / "report.png").stat().st_size > 10_000
