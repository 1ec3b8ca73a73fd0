"""The dataset card of an OUT (`expand`'s and `synth`'s): `README.md` with a Hugging Face
dataset-card YAML header and a body generated from the final manifest, and `croissant.json`
(engine/croissant.py).

Header: `configs` (one per media kind: "default" when OUT holds one kind, else `image`,
`audio`, `video` with the image one the default) whose `data_files` list each split's glob
patterns (`<folder>/*<suffix>` for every folder and suffix the outputs use, the folder's
`metadata.jsonl` for annotated images; `<split>/*.tar` for WebDataset shards; other kinds
sharing a folder with annotated images get `drop_metadata: true`), so
`datasets.load_dataset(OUT, config)` loads exactly those splits; `task_categories` from the kinds
and annotations; `size_categories` from the number of outputs; `license` from
`dataset.license`, else `other` with `license_name` when SRC has a LICENSE file, else
`unknown`.

Body: what OUT is (source, outputs, seed); how to load it; sources and outputs per class and
split (objects per category for annotated outputs); the split method; the pipeline in full
with its seed; library versions; what was skipped or failed and why, and objects or events
the transforms dropped; balancing and mixing; licence and attribution per source; and a
limitations paragraph. Everything comes from the manifest, the pipeline and SRC's top-level
LICENSE/ATTRIBUTION files, so the same run gives the same bytes.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import yaml

from mediasynth.core import output_format
from mediasynth.engine import croissant
from mediasynth.engine import manifest as M
from mediasynth.io.atomic import write_bytes_atomic

CARD = "README.md"
CROISSANT = "croissant.json"
KIND_CONFIG = {"image": "image", "audio": "audio", "video": "video"}
SIZE_CATEGORIES = ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"),
                   (1_000_000, "100K<n<1M"), (10_000_000, "1M<n<10M"),
                   (100_000_000, "10M<n<100M"), (1_000_000_000, "100M<n<1B"))
PARTNER_STEPS = ("mixup", "cutmix", "mosaic", "copy_paste", "audio.mix", "background")


def size_category(count: int) -> str:
    return next((name for limit, name in SIZE_CATEGORIES if count < limit), "n>1B")


def task_categories(rows: list[dict]) -> list[str]:
    """Hugging Face task categories the outputs serve."""
    found = []
    for row in rows:
        kind, ann = row.get("kind"), row.get("annotation") or {}
        objects = ann.get("objects") or []
        if kind == "image":
            if row.get("class"):
                found.append("image-classification")
            if objects:
                found.append("object-detection")
            if any(o.get("polygons") or o.get("rle") for o in objects) or \
                    ann.get("mask_file") or row.get("side_files"):
                found.append("image-segmentation")
            if any(o.get("keypoints") for o in objects):
                found.append("keypoint-detection")
        elif kind == "audio" and (row.get("class") or ann.get("events")):
            found.append("audio-classification")
        elif kind == "video":
            if row.get("class"):
                found.append("video-classification")
            if ann.get("tracks"):
                found.append("object-detection")
    return sorted(set(found))


def configs(out: Path, rows: list[dict], fmt: str = "folder") -> list[dict]:
    """The card's `configs`: per media kind, each split's data file patterns (a packed
    output format names its own files: `OutputFormat.card_files`)."""
    by_kind: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    files_of = output_format.get(fmt).card_files
    for row in rows:
        split = row.get("split") or "train"
        packed = files_of(row)
        if packed is not None:
            by_kind[packed[0]][split].add(packed[1])
            continue
        path = PurePosixPath(row["output"])
        folder = path.parent.as_posix()
        pattern = f"{folder}/*{path.suffix}" if folder != "." else f"*{path.suffix}"
        patterns = by_kind[KIND_CONFIG.get(row.get("kind"), row.get("kind") or "data")][split]
        patterns.add(pattern)
        metadata = f"{folder}/metadata.jsonl" if folder != "." else "metadata.jsonl"
        if row.get("kind") == "image" and (out / metadata).is_file():
            patterns.add(metadata)
    kinds = sorted(by_kind, key=lambda k: (k != "image", k))
    out_configs = []
    for index, kind in enumerate(kinds):
        config = {"config_name": "default" if len(kinds) == 1 else kind,
                  "data_files": [{"split": split, "path": sorted(patterns)}
                                 for split, patterns in sorted(by_kind[kind].items())]}
        if len(kinds) > 1 and index == 0:
            config["default"] = True
        folders = {PurePosixPath(p).parent for v in by_kind[kind].values() for p in v}
        if kind != "image" and any((out / f / "metadata.jsonl").is_file() for f in folders):
            config["drop_metadata"] = True  # the images' metadata beside them is not theirs
        out_configs.append(config)
    return out_configs


@dataclass(frozen=True)
class Recipe:
    """What made an OUT, as its card states it: `expand`'s pipeline (`of_pipeline`) or a
    `synth` generator's settings (`synthesized`: every item generated, no sources)."""

    source_name: str
    seed: int
    config_yaml: str
    split: dict | None = None
    license: str | None = None
    output_format: str = "folder"
    layout: str = "folders"
    variants: int | None = None
    augment_eval: bool = False
    balance: object = "none"
    class_targets: dict | None = None
    synthesized: bool = False

    @classmethod
    def of_pipeline(cls, pipeline, src: Path, layout: str) -> Recipe:
        d = pipeline.dataset
        return cls(source_name=Path(src).resolve().name or "SRC", seed=pipeline.seed,
                   config_yaml=pipeline.to_yaml(), split=d.split, license=d.license,
                   output_format=pipeline.output.format, layout=layout,
                   variants=pipeline.variants, augment_eval=d.augment_eval, balance=d.balance,
                   class_targets=d.class_targets)


def license_fields(recipe: Recipe, provenance: dict) -> dict:
    if recipe.license:
        return {"license": recipe.license}
    if provenance.get("license"):
        return {"license": "other", "license_name": provenance["license"][:100]}
    return {"license": "unknown"}


def write_dataset_card(out: Path, pipeline, *, src: Path, layout: str, provenance: dict,
                       annotation_files: list[str]) -> list[str]:
    """Write README.md and croissant.json of an expanded OUT; return their paths."""
    return write_card(out, Recipe.of_pipeline(pipeline, src, layout), provenance=provenance,
                      annotation_files=annotation_files)


def write_card(out: Path, recipe: Recipe, *, provenance: dict | None = None,
               annotation_files: list[str] = ()) -> list[str]:
    """Write README.md and croissant.json from OUT's final manifest; return their paths."""
    out = Path(out)
    provenance = provenance or {}
    rows = card_rows(out, recipe)
    ok = [r for r in rows if r.get("status") == "ok" and r.get("output")]
    header = {**license_fields(recipe, provenance),
              "task_categories": task_categories(ok) or ["other"],
              "size_categories": [size_category(len(ok))],
              "tags": ["mediasynth", "synthetic"] + ([] if recipe.synthesized
                                                     else ["data-augmentation"]),
              "pretty_name": f"{recipe.source_name} (mediasynth)",
              "configs": configs(out, ok, recipe.output_format)}
    body = _body(rows, ok, recipe, provenance, list(annotation_files), header)
    text = "---\n" + yaml.safe_dump(header, sort_keys=False, allow_unicode=True) + "---\n\n" \
        + body
    write_bytes_atomic(out / CARD, text.encode("utf-8", "backslashreplace"))  # non-UTF-8 names
    version = _versions(ok).get("mediasynth", "")
    doc = croissant.croissant(
        out, name=header["pretty_name"], description=_summary(ok, recipe),
        license_id=header.get("license_name") or header["license"],
        keywords=header["task_categories"] + header["tags"], configs=header["configs"],
        version=version or "0.0.0")
    write_bytes_atomic(out / CROISSANT,
                       croissant.write_text(doc).encode("utf-8", "backslashreplace"))
    return [CARD, CROISSANT]


def card_rows(out: Path, recipe: Recipe) -> list[dict]:
    """OUT's manifest rows without the fields the card never reads (what rendering reported,
    source statistics; a generator's parameters), read one row at a time: the card of a
    200,000-item OUT holds the few fields it counts, not every row whole."""
    unused = {"info", "source_stats", "id", "output_sha256", "source_sha256",
              "pipeline_sha256", *(("record",) if recipe.synthesized else ())}
    shared: dict[tuple, dict] = {}  # rows of one run share their versions: one dict for all
    rows = []
    for row, _, _ in M.scan(out):
        row = {k: v for k, v in row.items() if k not in unused}
        if row.get("seed") is not None:
            row["seed"] = True  # the card asks only whether an output was drawn
        if isinstance(row.get("versions"), dict):
            versions = row["versions"]
            row["versions"] = shared.setdefault(tuple(sorted(versions.items())), versions)
        rows.append(row)
    return rows


def _summary(ok: list[dict], recipe: Recipe) -> str:
    if recipe.synthesized:
        return (f"{len(ok)} items generated by mediasynth's `{recipe.source_name}` "
                f"generator, seed {recipe.seed}.")
    originals = sum(1 for r in ok if r.get("variant") == -1 or r.get("seed") is None)
    sources = len({r.get("source") for r in ok if r.get("source")})
    return (f"{len(ok)} outputs made by mediasynth from {sources} sources of "
            f"`{recipe.source_name}` ({originals} copied originals, {len(ok) - originals} "
            f"augmented or synthesized), seed {recipe.seed}.")


def _table(header: list[str], lines: list[list]) -> str:
    text = "| " + " | ".join(header) + " |\n| " + " | ".join("---" for _ in header) + " |\n"
    def cell(value) -> str:
        return " ".join(str(value).split()).replace("|", "\\|")  # one line, pipes escaped

    return text + "".join("| " + " | ".join(cell(c) for c in line) + " |\n" for line in lines)


def _versions(ok: list[dict]) -> dict:
    counts: Counter = Counter()
    for row in ok:
        counts.update((k, v) for k, v in (row.get("versions") or {}).items())
    out: dict[str, str] = {}
    for (key, value), _ in counts.most_common():
        out.setdefault(key, value)
    return dict(sorted(out.items()))


def _body(rows, ok, recipe: Recipe, provenance, annotation_files, header) -> str:
    parts = [f"# {header['pretty_name']}\n", _summary(ok, recipe) + "\n"]
    parts.append(_loading(header))
    parts.append(_composition(ok))
    parts.append(_split_method(recipe))
    what = "generator settings" if recipe.synthesized else "pipeline"
    variants = "" if recipe.variants is None else \
        f"; variants per train source: {recipe.variants}"
    layout = "" if recipe.synthesized else f"; source layout: {recipe.layout}"
    parts.append(f"## {what.capitalize()}\n\nEvery output's seed (and applied parameters) "
                 "are in `manifest.jsonl`; `mediasynth replay` remakes any output byte for "
                 f"byte. Seed: {recipe.seed}{variants}{layout}.\n\n"
                 f"```yaml\n{recipe.config_yaml}```\n")
    parts.append("## Library versions\n\n" + _table(["library", "version"], [
        [k, v] for k, v in _versions(ok).items()]))
    parts.append(_problems(rows, ok))
    if not recipe.synthesized:
        parts.append(_balance_and_mixing(ok, recipe))
    parts.append(_licences(ok, provenance, header))
    if annotation_files:
        parts.append("## Annotation files\n\n" + "".join(f"- `{p}`\n" for p in sorted(
            annotation_files)))
    parts.append(_limitations(ok, recipe))
    return "\n".join(parts)


def _loading(header: dict) -> str:
    names = [c["config_name"] for c in header["configs"]]
    lines = ["## Loading\n", "```python", "from datasets import load_dataset", ""]
    for name in names:
        option = "" if name == "default" else f', "{name}"'
        lines.append(f'ds = load_dataset("path/to/this/folder"{option})')
    return "\n".join(lines) + "\n```\n"


def _composition(ok: list[dict]) -> str:
    sources: dict = defaultdict(set)
    outputs: Counter = Counter()
    objects: Counter = Counter()
    for row in ok:
        key = (row.get("class") or "-", row.get("split") or "-", row.get("kind") or "-")
        outputs[key] += 1
        if row.get("source"):
            sources[key].add(row["source"])
        ann = row.get("annotation") or {}
        for thing, name in (("objects", "category"), ("events", "label"),
                            ("tracks", "category")):
            for item in ann.get(thing) or []:
                objects[(str(item.get(name)), row.get("split") or "-")] += 1
    text = "## Sources and outputs per class and split\n\n" + _table(
        ["class", "split", "kind", "sources", "outputs"],
        [[*key, len(sources[key]), outputs[key]] for key in sorted(outputs)])
    if objects:
        text += "\nAnnotated objects (events, track boxes) per category and split:\n\n" + \
            _table(["category", "split", "count"],
                   [[*key, n] for key, n in sorted(objects.items())])
    return text


def _split_method(recipe: Recipe) -> str:
    split = recipe.split
    if not split:
        return "## Split\n\nNo split: every output is in one set (`train`).\n"
    fractions = ", ".join(f"{k} {v:g}" for k, v in split.items())
    if recipe.synthesized:
        return (f"## Split\n\nFractions: {fractions}, drawn per item from the seed and "
                "the item's index, within each class.\n")
    evaluated = "augmented too" if recipe.augment_eval else \
        "copied as originals, never augmented"
    return (f"## Split\n\nFractions: {fractions}. Splitting is per source, by a stable hash "
            f"of the seed and the source's path (adding or removing sources moves no "
            f"other source); every output of a source, and every partner it is mixed with, "
            f"stays in the source's split, so no source contributes to two splits. "
            f"Annotated sources are stratified by their rarest category. Evaluation "
            f"sources are {evaluated}.\n")


def _problems(rows: list[dict], ok: list[dict]) -> str:
    bad = [r for r in rows if r.get("status") != "ok"]
    text = "## Skipped, failed and dropped\n\n"
    if bad:
        reasons: Counter = Counter((r["status"], (r.get("reason") or {}).get("code", "?"))
                                   for r in bad)
        examples = {}
        for r in bad:
            key = (r["status"], (r.get("reason") or {}).get("code", "?"))
            examples.setdefault(key, f"{r.get('source')}: "
                                     f"{(r.get('reason') or {}).get('message', '')}"[:160])
        text += _table(["status", "reason", "rows", "example"],
                       [[*k, n, examples[k]] for k, n in sorted(reasons.items())])
    else:
        text += "Every planned output was made.\n"
    dropped = sum(int(r.get("dropped_objects") or 0) for r in ok)
    if dropped:
        text += (f"\nThe transforms moved {dropped} annotated objects (or events) out of "
                 "their outputs or below the visibility limits; they are left out of those "
                 "outputs' annotations.\n")
    return text


def _balance_and_mixing(ok: list[dict], recipe: Recipe) -> str:
    mixed = Counter((r.get("mix") or {}).get("method") for r in ok if r.get("mix"))
    partner_steps = sorted({leaf for r in ok for leaf in _applied(r.get("record"))
                            if any(s in leaf for s in PARTNER_STEPS)})
    soft = sum(1 for r in ok if r.get("soft_labels"))
    text = (f"## Balancing and mixing\n\nBalance: `{recipe.balance}`"
            + (f"; class targets: {dict(recipe.class_targets)}" if recipe.class_targets
               else "") + ".\n")
    if mixed:
        text += "".join(f"- {n} outputs synthesized by `{m}` from two sources\n"
                        for m, n in sorted(mixed.items()))
    if partner_steps:
        text += f"- steps mixing several sources: {', '.join(partner_steps)}\n"
    if soft:
        text += f"- {soft} outputs carry soft labels (`soft_labels` in the manifest)\n"
    if not (mixed or partner_steps):
        text += "No output mixes several sources.\n"
    return text


def _applied(record) -> list[str]:
    if not isinstance(record, dict):
        return []
    names = [record["name"]] if record.get("applied") and record.get("name") else []
    for child in record.get("children") or []:
        names += _applied(child)
    return names


def _licences(ok: list[dict], provenance: dict, header: dict) -> str:
    text = f"## Licence and attribution\n\nDataset licence: `{header['license']}`"
    if header.get("license_name"):
        text += f" ({header['license_name']})"
    text += ".\n"
    if provenance.get("license_file") or provenance.get("attribution_file"):
        text += "".join(f"\nSRC's `{provenance[f'{k}_file']}`: {provenance[k]}\n"
                        for k in ("license", "attribution") if provenance.get(f"{k}_file"))
    terms: dict = defaultdict(set)
    for row in ok:
        p = row.get("provenance") or {}
        if row.get("source"):
            terms[(p.get("license") or "unknown", p.get("attribution") or "-")].add(
                row["source"])
    if any(k != ("unknown", "-") for k in terms):
        text += "\nPer source (from the labels table or SRC's files; also in each manifest " \
                "row's `provenance`):\n\n" + _table(
                    ["licence", "attribution", "sources"],
                    [[*k, len(v)] for k, v in sorted(terms.items())])
    return text


def _limitations(ok: list[dict], recipe: Recipe) -> str:
    if recipe.synthesized:
        return ("## Limitations\n\nEvery item is drawn by a procedural generator from the "
                "settings above: the data shows what the generator can draw and nothing of "
                "the world; models trained on it alone meet a domain gap on real data, and "
                "its labels are exact only for what the generator models.\n")
    sources = len({r.get("source") for r in ok if r.get("source")})
    augmented = sum(1 for r in ok if r.get("seed") is not None)
    return (
        "## Limitations\n\n"
        f"The {augmented} augmented or synthesized outputs are transformations of "
        f"{sources} sources, not new observations: they carry the sources' content, "
        "biases and labelling errors, and outputs of one source are strongly correlated, "
        "so counts overstate the information the dataset holds. Measure models on "
        "evaluation splits of originals ("
        + ("this run augmented them as well, which makes their scores optimistic" if
           recipe.augment_eval else "which is how this run made them")
        + "). Transforms are drawn from the ranges in the pipeline above and may not match "
        "the conditions a model meets in use; annotations were moved with the media and "
        "objects that left the frame or fell below the visibility limits were dropped. "
        "Check the sources' licences before sharing.\n")
