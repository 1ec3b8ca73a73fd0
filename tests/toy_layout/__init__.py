"""A toy dataset layout, to show that a new layout is one module plus registration: a
`boxes.tsv` at SRC's top lists `path<TAB>category<TAB>x0,y0,x1,y1` (pixels), one object a
line. Importing it registers the layout `boxes` (also an annotation format); `expand` then
detects it, moves the boxes with the pixels, and writes `boxes/<split>.tsv` in OUT.
docs/architecture.md shows this module as its worked example.
"""

from __future__ import annotations

from pathlib import Path

from mediasynth.io.atomic import write_bytes_atomic
from mediasynth.io.layouts import register_layout, unregister_layout
from mediasynth.io.layouts.base import LayoutRead
from mediasynth.io.layouts.contract import LayoutBase

TABLE = "boxes.tsv"


class BoxesLayout(LayoutBase):
    name = "boxes"

    def detect(self, src: Path) -> list[str]:
        return [TABLE] if (src / TABLE).is_file() else []

    def media_folder(self, split: str | None, meta: dict) -> str:
        return f"images/{split or 'all'}"

    def read(self, src: Path) -> LayoutRead:
        """Every listed image with its objects (images listed without a box have none)."""
        from PIL import Image

        result = LayoutRead(meta={"format": "boxes"}, consumed={TABLE})
        for line in (src / TABLE).read_text(encoding="utf-8").splitlines():
            path, category, box = line.split("\t")
            if not (src / path).is_file():
                result.missing.append(path)
                continue
            if path not in result.items:
                with Image.open(src / path) as im:
                    width, height = im.size
                result.items[path] = {"label": None, "name": Path(path).name, "annotation": {
                    "width": width, "height": height, "objects": []}}
            if box:
                result.items[path]["annotation"]["objects"].append(
                    {"category": category, "bbox": [float(v) for v in box.split(",")]})
        return result

    def export(self, out: Path, splits: dict[str, list[dict]], meta: dict, *,
               primary: bool) -> list[str]:
        """`boxes/<split>.tsv` from the final rows (`{"file", "annotation"}` entries)."""
        written = []
        for split, entries in sorted(splits.items()):
            lines = [f"{e['file']}\t{o['category']}\t{','.join(f'{v:g}' for v in o['bbox'])}"
                     for e in entries for o in e["annotation"]["objects"]]
            dest = f"boxes/{split}.tsv"
            write_bytes_atomic(out / dest, "".join(f"{line}\n" for line in lines).encode())
            written.append(dest)
        return written


LAYOUT = BoxesLayout()


def register() -> None:
    register_layout("boxes", __name__, exporter=True)


def unregister() -> None:
    unregister_layout("boxes")


register()
