"""Transforms that build one image from several: mixup, cutmix, mosaic, copy-paste.

A partner transform declares how many partner sources it needs (`partners_needed`) and where
they come from (`partners_from`: same_class | any_class, always from the same split); the
engine plans the partners per output (`neighbours`: among the source's
`dataset.balance.k_neighbors` nearest train sources of its class, in the embedding
`balance: synthesize` uses), loads them and hands
them over in
`media.meta["partners"]` as (Image, annotation or None) pairs. It must be the first step of
its chain (what follows augments the mixed image). Parameters (lambda, the cut box, the
mosaic centre) are drawn from the output's generator and recorded, so replay with the same
partners is exact. `label_weights(params)` gives each input's share of the label (source
first), from which rows get soft labels when partners come from other classes.

With annotations (`meta["annotation"]` set by image/annotations.run_annotated) the step
merges the inputs' objects in pixel coordinates and packs the result for the rest of the
chain: mixup keeps every object of both; cutmix clips the partner's objects to the pasted
box and removes the pasted box from the source's objects (polygons keep what stays visible);
mosaic resamples each input's object masks into its quarter as the pixels are (area
averaging, a pixel counted when at least half covered) and traces them again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from mediasynth.core.media import Image
from mediasynth.core.params import param
from mediasynth.core.registry import register
from mediasynth.image.transforms.base import ImageTransform

PARTNER_SOURCES = ("same_class", "any_class", "neighbours")


@dataclass(frozen=True, kw_only=True)
class PartnerTransform(ImageTransform):
    """Base of transforms with partner images (see the module doc)."""

    partners_needed: ClassVar[int] = 1
    partners_from: str = param("same_class", "source of the partner images",
                               choices=PARTNER_SOURCES)

    def partners(self, media: Image) -> list[tuple[Image, dict | None]]:
        found = list(media.meta.get("partners") or ())
        if len(found) < self.partners_needed:
            raise ValueError(f"{self.name} needs {self.partners_needed} partner image(s) in "
                             "media.meta['partners'] (mediasynth expand provides them)")
        return found[: self.partners_needed]

    def apply(self, media: Image, params: dict[str, Any]) -> Image:
        partners = self.partners(media)
        pixels = self.mix_pixels(media, [_fit(p, media) for p, _ in partners], params)
        out = media.replace(pixels=pixels)
        if media.meta.get("annotation") is None:
            return out
        if media.meta.get("semantic_mask"):
            raise ValueError(f"{self.name} does not mix segmentation masks (mask pairs); "
                             "use it on classification or object annotations")
        from mediasynth.image.annotations import pack

        scaled = [_scaled(a, p, media) for p, a in partners]
        merged = self.mix_annotations(media.meta["annotation"], scaled, params,
                                      media.width, media.height)
        packed, slots = pack(out, merged)
        return packed.replace(meta={**media.meta, "annotation": merged, "slots": slots})

    def mix_pixels(self, media: Image, partners: list[np.ndarray], params) -> np.ndarray:
        raise NotImplementedError

    def mix_annotations(self, source: dict, partners: list[dict], params, width: int,
                        height: int) -> dict:
        raise NotImplementedError

    def label_weights(self, params: dict[str, Any]) -> list[float]:
        raise NotImplementedError


def _fit(partner: Image, media: Image) -> np.ndarray:
    """The partner's pixels at the source's size, channel count and dtype."""
    from mediasynth.image.mixing import interpolate

    return interpolate(media, partner, 0.0).pixels


def _scaled(annotation: dict | None, partner: Image, media: Image) -> dict:
    """A partner's annotation in the source's pixel frame (the partner is resized to it)."""
    from mediasynth.image.annotations import denormalized
    from mediasynth.image.object_edits import scale_annotation

    if annotation is None:
        return {"objects": []}
    annotation = denormalized(annotation, partner.width, partner.height)
    return scale_annotation(annotation, media.width / partner.width,
                            media.height / partner.height, 0.0, 0.0, media.width, media.height)


def _objects(annotation: dict) -> list[dict]:
    return list(annotation.get("objects", []))


@register("image.mixup")
@dataclass(frozen=True, kw_only=True)
class MixUp(PartnerTransform):
    """mixup: lambda * image + (1 - lambda) * partner, lambda ~ Beta(alpha, alpha); the
    objects of both are kept. Soft labels: {a: lambda, b: 1 - lambda}."""

    alpha: float = param(0.4, "Beta distribution parameter (small values keep one image "
                         "dominant)", low=1e-3, high=100.0)

    def get_params(self, rng, media) -> dict[str, Any]:
        return {"lambda": float(rng.beta(self.alpha, self.alpha))}

    def mix_pixels(self, media, partners, params):
        lam = params["lambda"]
        mixed = lam * media.pixels.astype(np.float32) + (1 - lam) * partners[0].astype(
            np.float32)
        return _cast(mixed, media.pixels.dtype)

    def mix_annotations(self, source, partners, params, width, height):
        return {**source, "objects": _objects(source) + _objects(partners[0])}

    def label_weights(self, params):
        return [params["lambda"], 1.0 - params["lambda"]]


@register("image.cutmix")
@dataclass(frozen=True, kw_only=True)
class CutMix(PartnerTransform):
    """cutmix: a box of the partner pasted over the image; the box's area share is
    1 - lambda, lambda ~ Beta(alpha, alpha). Objects: the partner's clipped to the box, the
    image's with the box removed (dropped when nothing stays visible). Soft labels by area."""

    alpha: float = param(1.0, "Beta distribution parameter", low=1e-3, high=100.0)

    def get_params(self, rng, media) -> dict[str, Any]:
        lam = float(rng.beta(self.alpha, self.alpha))
        w, h = media.width, media.height
        cut_w, cut_h = int(round(w * np.sqrt(1 - lam))), int(round(h * np.sqrt(1 - lam)))
        cx, cy = int(rng.integers(0, w)), int(rng.integers(0, h))
        x0, x1 = max(cx - cut_w // 2, 0), min(cx + cut_w - cut_w // 2, w)
        y0, y1 = max(cy - cut_h // 2, 0), min(cy + cut_h - cut_h // 2, h)
        return {"box": [x0, y0, x1, y1], "lambda": 1.0 - (x1 - x0) * (y1 - y0) / (w * h)}

    def mix_pixels(self, media, partners, params):
        x0, y0, x1, y1 = params["box"]
        out = media.pixels.copy()
        out[y0:y1, x0:x1] = partners[0][y0:y1, x0:x1]
        return out

    def mix_annotations(self, source, partners, params, width, height):
        from mediasynth.image.object_edits import clip_object, subtract_box

        box = [float(v) for v in params["box"]]
        kept = [o for o in (subtract_box(obj, box, width, height) for obj in _objects(source))
                if o]
        pasted = [o for o in (clip_object(obj, box, width, height)
                              for obj in _objects(partners[0])) if o]
        return {**source, "objects": kept + pasted}

    def label_weights(self, params):
        return [params["lambda"], 1.0 - params["lambda"]]


@register("image.mosaic")
@dataclass(frozen=True, kw_only=True)
class Mosaic(PartnerTransform):
    """mosaic: the image and three partners in the four quarters around a centre drawn
    within `center_range` (shares of the size); each input is resized to its quarter and
    its objects are scaled, moved and clipped with it. The output keeps the image's size.
    Soft labels by area."""

    partners_needed: ClassVar[int] = 3
    center_range: tuple[float, float] = param(
        (0.3, 0.7), "[low, high] share of the width/height where the centre may fall, within "
        "[0.05, 0.95]", checked=False)

    def validate(self) -> None:
        lo, hi = self.center_range
        if not 0.05 <= lo <= hi <= 0.95:
            raise ValueError(f"{self.name}: center_range must lie within [0.05, 0.95]")

    def get_params(self, rng, media) -> dict[str, Any]:
        lo, hi = self.center_range
        return {"cx": int(round(media.width * rng.uniform(lo, hi))),
                "cy": int(round(media.height * rng.uniform(lo, hi))),
                "width": media.width, "height": media.height}

    def _cells(self, params, width, height) -> list[tuple[int, int, int, int]]:
        cx, cy = params["cx"], params["cy"]
        return [(0, 0, cx, cy), (cx, 0, width, cy), (0, cy, cx, height), (cx, cy, width, height)]

    def mix_pixels(self, media, partners, params):
        import cv2

        out = np.empty_like(media.pixels)
        inputs = [media.pixels, *partners]
        for (x0, y0, x1, y1), pixels in zip(self._cells(params, media.width, media.height),
                                           inputs):
            cell = cv2.resize(pixels, (x1 - x0, y1 - y0), interpolation=cv2.INTER_AREA)
            out[y0:y1, x0:x1] = cell.reshape(y1 - y0, x1 - x0, -1)
        return out

    def mix_annotations(self, source, partners, params, width, height):
        from mediasynth.image.object_edits import resample_object

        objects = []
        for cell, ann in zip(self._cells(params, width, height), [source, *partners]):
            objects += [o for o in (resample_object(obj, width, height, cell)
                                    for obj in _objects(ann)) if o]
        return {**source, "objects": objects}

    def label_weights(self, params):
        cx, cy, w, h = params["cx"], params["cy"], params["width"], params["height"]
        areas = [cx * cy, (w - cx) * cy, cx * (h - cy), (w - cx) * (h - cy)]
        return [a / (w * h) for a in areas]


def _cast(mixed: np.ndarray, dtype) -> np.ndarray:
    if np.dtype(dtype).kind in "ui":
        info = np.iinfo(dtype)
        return np.clip(np.rint(mixed), info.min, info.max).astype(dtype)
    return mixed.astype(dtype)


@register("image.copy_paste")
@dataclass(frozen=True, kw_only=True)
class CopyPaste(PartnerTransform):
    """Simple copy-paste: instances of the partner (its objects with a polygon or mask,
    each kept with probability `instance_p`, at least one) cut out by their masks and pasted
    onto the image where they are in the partner (resized to the image). The pasted objects
    keep their annotations; the image's objects lose what the paste covers (traced again
    from their pixels; box-only objects are dropped only when covered whole). Without
    annotations there is nothing to cut and the image is unchanged. Soft labels by pasted
    area."""

    instance_p: float = param(0.5, "probability that each partner instance is pasted",
                              low=0.0, high=1.0)

    def get_params(self, rng, media) -> dict[str, Any]:
        found = list(media.meta.get("partners") or ())
        objects = _objects(found[0][1] or {}) if found else []
        cut = [i for i, o in enumerate(objects) if o.get("polygons") or o.get("rle")]
        chosen = [i for i in cut if rng.random() < self.instance_p]
        if cut and not chosen:
            chosen = [cut[int(rng.integers(len(cut)))]]
        share = float(self._paste_mask(media, {"pasted": chosen}).mean()) if chosen else 0.0
        return {"pasted": chosen, "pasted_share": round(share, 6)}

    def _paste_mask(self, media: Image, params) -> np.ndarray:
        from mediasynth.image.object_edits import object_mask

        partner_image, annotation = self.partners(media)[0]
        scaled = _scaled(annotation, partner_image, media)
        mask = np.zeros((media.height, media.width), bool)
        for i in params["pasted"]:
            region = object_mask(scaled["objects"][i], media.width, media.height)
            if region is not None:
                mask |= region
        return mask

    def mix_pixels(self, media, partners, params):
        out = media.pixels.copy()
        if params["pasted"]:
            mask = self._paste_mask(media, params)
            out[mask] = partners[0][mask]
        return out

    def mix_annotations(self, source, partners, params, width, height):
        from mediasynth.image.object_edits import object_mask, occlude_object

        pasted = [partners[0]["objects"][i] for i in params["pasted"]]
        covered = np.zeros((height, width), bool)
        for obj in pasted:
            region = object_mask(obj, width, height)
            if region is not None:
                covered |= region
        kept = [o for o in (occlude_object(obj, covered) for obj in _objects(source)) if o]
        return {**source, "objects": kept + pasted}

    def label_weights(self, params):
        return [1.0 - params["pasted_share"], params["pasted_share"]]
