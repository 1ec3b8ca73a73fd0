"""The report travels with OUT: nothing points into SRC, its title says what the dataset is,
and count charts share one scale."""

from __future__ import annotations

import re
import shutil

from mediasynth.cli import main
from tests.engine.helpers import make_tree


def test_report_is_portable_and_charts_share_a_scale(tmp_path):
    src = make_tree(tmp_path / "src", images=(("circle", 10), ("square", 3)),
                    tones=(("sine", 3),))
    out = tmp_path / "out"
    assert main(["expand", str(src), str(out), "-n", "2", "-q"]) == 0
    text = (out / "report.html").read_text()
    assert "file://" not in text and str(src) not in text
    title = re.search(r"<title>(.*?)</title>", text).group(1)
    assert "3 classes" in title and "image" in title
    moved = tmp_path / "moved"
    shutil.move(str(out), moved)
    shutil.rmtree(src)
    for ref in re.findall(r"(?:src|href)='([^']+)'", text):
        assert (moved / ref).is_file(), ref
    tops = set(re.findall(r"one scale for all splits", text))
    assert tops


def test_mixed_outputs_are_shown_beside_their_partners(tmp_path):
    src = make_tree(tmp_path / "src", images=(("circle", 4),), tones=())
    pipeline = tmp_path / "p.yaml"
    pipeline.write_text("image: [{type: image.cutmix}]\n")
    out = tmp_path / "out"
    assert main(["expand", str(src), str(out), "-n", "1", "-q", "-p", str(pipeline)]) == 0
    text = (out / "report.html").read_text()
    assert "image.cutmix with circle/" in text and "partner circle/" in text
