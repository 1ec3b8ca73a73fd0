"""A source's annotation on its way through a worker: made ready for the handler (pixel
coordinates, absolute mask path), recorded in rows, and the side files (segmentation masks)
written beside outputs with the same temp-and-rename rule as outputs."""

from __future__ import annotations

import hashlib
from pathlib import Path


def source_annotation(job, src_root: str, loaded) -> dict | None:
    """The job's annotation in pixels of the loaded media, its mask path made absolute;
    None when the layout gave none."""
    annotation = (job.info or {}).get("annotation")
    if annotation is None or loaded is None:
        return annotation
    annotation = dict(annotation)
    if annotation.get("mask_file"):
        annotation["mask_file"] = str(Path(src_root) / annotation["mask_file"])
    width, height = getattr(loaded, "width", None), getattr(loaded, "height", None)
    if width is not None and height is not None:
        from mediasynth.image.annotations import denormalized

        annotation = denormalized(annotation, width, height)
    return annotation


def recorded(annotation: dict | None) -> dict | None:
    """The annotation as a row keeps it (no absolute paths)."""
    if annotation is None:
        return None
    return {k: v for k, v in annotation.items() if k not in ("mask_file", "normalized")}


def original_fields(annotation: dict | None, side: dict) -> dict:
    fields = {}
    if annotation is not None:
        fields["annotation"] = recorded(annotation)
    if side:
        fields["side_files"] = side
    return fields


def row_fields(info: dict, side: dict) -> dict:
    fields = {}
    if "annotation" in info:
        fields["annotation"] = recorded(info.pop("annotation"))
        fields["dropped_objects"] = info.pop("dropped_objects", 0)
    if side:
        fields["side_files"] = side
    return fields


def lost_every_object(annotation: dict | None, info: dict) -> bool:
    """Whether an output lost all the objects its source had."""
    key = next((k for k in ("objects", "events", "tracks") if (annotation or {}).get(k)), None)
    if key is None:
        return False
    return not (info.get("annotation") or {}).get(key)


def write_side_files(output, blobs, out: Path, temp_beside, commit) -> dict[str, str]:
    """Write each blob to its planned side path; {path: sha256}."""
    written = {}
    for rel, data in zip(output.side, blobs):
        dest = out / rel
        with temp_beside(dest) as tmp:
            tmp.write_bytes(data)
            commit(tmp, dest)
        written[rel] = hashlib.sha256(data).hexdigest()
    return written


def copy_side_files(output, annotation: dict | None, out: Path, copy) -> dict[str, str]:
    """For a copied original: its mask, byte for byte."""
    if not output.side or not annotation or not annotation.get("mask_file"):
        return {}
    return {output.side[0]: copy(Path(annotation["mask_file"]), out / output.side[0])}
