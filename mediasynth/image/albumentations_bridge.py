"""albumentations 2.0 transforms as pipeline steps, and files of `albumentations.save`.

A step `{type: albumentations.CLAHE, clip_limit: 2.0, p: 0.5}` takes albumentations' own
parameter names and defaults (`p` included: 0.5 for most transforms, as in albumentations).
Contract of a bridged step:

- randomness: the apply coin and one seed per output come from our numpy Generator; the
  albumentations transform is a fresh instance built with p=1 inside
  `A.Compose([t], seed=seed)`, which seeds its `random_generator` and `py_random` (the
  noise kernels that use OpenCV's RNG seed it from `random_generator`). No global random
  state is read, so a record replays bit for bit.
- record: `{"seed": s, "applied": [{"name", "params", "omitted"}...]}`, the params
  albumentations sampled (`save_applied_params`), reduced to JSON-safe scalars and small
  arrays (larger ones, such as displacement maps, are named in `omitted`). Replay re-seeds.
- targets: the mask, boxes (N x 4 pascal_voc xyxy) and keypoints (x, y of N x K) go through
  albumentations (`BboxParams(format="pascal_voc", clip=True, filter_invalid_bboxes=True)`,
  `KeypointParams(format="xy", remove_invisible=False)`), each with its row index as a label
  field, and come back in our layout: boxes albumentations drops are dropped from
  `meta["box_ids"]` too; every keypoint row is kept, its extra columns untouched (the
  visibility column, when named, is zeroed outside the frame). albumentations' mask-based
  keypoint remapping (ElasticTransform, GridDistortion... with keypoint_remapping_method
  "mask") loses points outside the frame and points that collide; a lost point gets the
  displacement of its nearest surviving neighbour (left in place when none survives).
  Pixel-only transforms (`ImageOnlyTransform`) see the pixels alone; the targets stay
  exactly as they were.
- pixels: uint8 and float32 go as they are, uint16 as float32 in [0, 1]; the result comes
  back in the input's dtype and channel count. RGBA: a pixel-only transform sees RGB and
  alpha is kept, other transforms see all four channels. Gray: a transform that refuses one
  channel sees it three times and its result is turned back to gray (ITU-R 601 luma).

Files written by `albumentations.save` are read by image/albumentations_files.py.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import json
import math
import warnings
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from mediasynth.core.errors import ConfigError
from mediasynth.core.media import Image
from mediasynth.core.registry import did_you_mean
from mediasynth.core.transform import OpRecord, seed_param
from mediasynth.image.functional.targets import with_moved_xy
from mediasynth.image.transforms.base import ImageTransform

PREFIX = "albumentations."
SUPPORTED_SERIES = "2.0."
# albumentations __init__ arguments that a step does not take: ours decide seeding and records
_NOT_PARAMETERS = frozenset({"self", "strict", "seed", "save_applied_params", "p"})
# parameter containers and abstract bases albumentations registers as serializable
_NOT_STEPS = frozenset({"BboxParams", "KeypointParams", "BasicTransform", "DualTransform",
                        "ImageOnlyTransform", "NoOp3D", "Transform3D"})
_MAX_RECORDED_NUMBERS = 16  # an applied param with more numbers than this is only named
_LUMA_601 = np.array([0.299, 0.587, 0.114], np.float32)
_CV2_MASK_DTYPES = (np.uint8, np.uint16, np.int16, np.float32, np.float64)


def _albumentations():
    """The albumentations module, checked to be a 2.0.x release (ConfigError otherwise)."""
    try:
        import albumentations
    except ImportError:
        raise ConfigError("albumentations steps need albumentations 2.0: "
                          "pip install 'albumentations>=2.0,<2.1'") from None
    version = str(getattr(albumentations, "__version__", ""))
    if not version.startswith(SUPPORTED_SERIES):
        raise ConfigError(f"albumentations steps need albumentations 2.0.x, found {version!r}")
    return albumentations


def _albumentations_class(short_name: str) -> type:
    """The albumentations transform class serialized as `short_name` (ConfigError if none)."""
    _albumentations()
    from albumentations.core.serialization import SERIALIZABLE_REGISTRY
    from albumentations.core.transforms_interface import Transform3D

    cls = SERIALIZABLE_REGISTRY.get(short_name)
    if cls is None or short_name in _NOT_STEPS or issubclass(cls, Transform3D):
        valid = [n for n, c in SERIALIZABLE_REGISTRY.items()
                 if n not in _NOT_STEPS and not issubclass(c, Transform3D)]
        raise ConfigError(f"unknown transform {PREFIX + short_name!r}"
                          f"{did_you_mean(short_name, valid)} (albumentations 2.0 image "
                          "transforms are accepted)")
    return cls


def _init_parameters(albu_cls: type) -> dict[str, inspect.Parameter]:
    """Named __init__ parameters of `albu_cls` and its bases (the subclass's default wins)."""
    out: dict[str, inspect.Parameter] = {}
    for klass in reversed(albu_cls.__mro__):
        init = klass.__dict__.get("__init__")
        if init is None or klass is object:
            continue
        for name, param in inspect.signature(init).parameters.items():
            if param.kind in (param.POSITIONAL_OR_KEYWORD, param.KEYWORD_ONLY):
                out[name] = param
    return out


def _albumentations_default_p(albu_cls: type) -> float:
    param = _init_parameters(albu_cls).get("p")
    default = None if param is None else param.default
    return float(default) if isinstance(default, (int, float)) else 1.0


@dataclass(frozen=True, kw_only=True)
class AlbumentationsStep(ImageTransform):
    """Base of the bridged steps; `step_class(name)` makes the class of one transform.

    Fields:
        args_json: albumentations keyword arguments other than `p`, as canonical JSON.
        p: probability that the step applies (albumentations' own default).
    """

    albu_name: ClassVar[str] = ""
    albu_parameters: ClassVar[tuple[str, ...]] = ()
    changes_size: ClassVar[bool] = True
    args_json: str = "{}"

    # --- configuration ------------------------------------------------------------------
    @property
    def args(self) -> dict[str, Any]:
        """The albumentations keyword arguments (a fresh dict)."""
        return json.loads(self.args_json)

    @classmethod
    def config_fields(cls) -> list[str]:
        return [*cls.albu_parameters, "p"]

    @classmethod
    def parameter_defaults(cls) -> dict[str, Any]:
        """albumentations' parameter names and defaults (`inspect.Parameter.empty` when
        required), `p` last."""
        params = _init_parameters(_albumentations_class(cls.albu_name))
        out = {n: params[n].default for n in cls.albu_parameters}
        return {**out, "p": cls.__dataclass_fields__["p"].default}

    @classmethod
    def from_config(cls, cfg: dict[str, Any], build=None) -> AlbumentationsStep:
        args = {k: v for k, v in cfg.items() if k not in ("type", "p")}
        kwargs = {"p": cfg["p"]} if "p" in cfg else {}
        return cls(args_json=_canonical_json(args, cls.name), **kwargs)

    def to_config(self) -> dict[str, Any]:
        return {"type": self.name, **self.args, "p": self.p}

    def __reduce__(self):
        return _rebuild, (self.albu_name, self.args_json, self.p)

    def validate(self) -> None:
        """Build the albumentations transform once, so bad values fail at load time."""
        try:
            self._albumentations_transform(quiet=False)
        except (ValueError, TypeError) as exc:
            message = str(exc).strip().splitlines()
            raise ConfigError(f"{self.name}: {message[0] if message else exc!r}") from None

    def _albumentations_transform(self, *, quiet: bool = True):
        """A fresh albumentations instance with p=1 (our coin decides whether it applies)."""
        from albumentations.core.serialization import from_dict

        spec = {"__class_fullname__": self.albu_name, **self.args, "p": 1.0}
        with warnings.catch_warnings():
            if quiet:
                warnings.simplefilter("ignore")
            return from_dict({"transform": spec})

    # --- the transform contract ---------------------------------------------------------
    def get_params(self, rng: np.random.Generator, media: Any) -> dict[str, Any]:
        return {"seed": seed_param(rng)}

    def run(self, media: Image, rng: np.random.Generator) -> tuple[Image, OpRecord]:
        """As Transform.run, with the params albumentations applied added to the record."""
        record = self.sample(media, rng)
        if not record.applied:
            return media, record
        out, applied = self._run_albumentations(media, record.params["seed"])
        return out, OpRecord(self.name, True, {**record.params, "applied": applied})

    def apply(self, media: Image, params: dict[str, Any]) -> Image:
        return self._run_albumentations(media, int(params["seed"]))[0]

    def _run_albumentations(self, media: Image, seed: int) -> tuple[Image, list[dict]]:
        transform = self._albumentations_transform()
        from albumentations.core.transforms_interface import ImageOnlyTransform

        pixel_only = isinstance(transform, ImageOnlyTransform)
        pixels = media.pixels
        if pixel_only and media.channels == 4:
            out, applied = _run_gray_safe(transform, media.replace(pixels=pixels[:, :, :3]),
                                          seed, pixel_only)
            alpha = pixels[:, :, 3:]
            return out.replace(pixels=np.concatenate([out.pixels, alpha], axis=2)), applied
        return _run_gray_safe(transform, media, seed, pixel_only)


# --- running ---------------------------------------------------------------------------


def _run_gray_safe(transform, media: Image, seed: int, pixel_only: bool):
    """Run on `media`; a gray image that the transform refuses goes as RGB and comes back
    as luma."""
    try:
        return _run_once(transform, media, seed, pixel_only)
    except (ValueError, TypeError) as exc:
        if media.channels != 1 or "channel" not in str(exc):
            raise
    rgb = media.replace(pixels=np.repeat(media.pixels, 3, axis=2))
    out, applied = _run_once(transform, rgb, seed, pixel_only)
    return out.replace(pixels=_to_gray(out.pixels)), applied


def _run_once(transform, media: Image, seed: int, pixel_only: bool):
    """One seeded albumentations call on `media`; (our Image, applied params summary)."""
    import albumentations as A

    data: dict[str, Any] = {"image": _pixels_in(media.pixels)}
    bbox_params = keypoint_params = None
    if not pixel_only:
        if media.mask is not None:
            data["mask"] = _mask_in(media.mask)
        if media.boxes is not None:
            data["bboxes"] = np.asarray(media.boxes, np.float64).reshape(-1, 4)
            data["box_index"] = np.arange(len(media.boxes))
            bbox_params = A.BboxParams(format="pascal_voc", label_fields=["box_index"],
                                       clip=True, filter_invalid_bboxes=True)
        if media.keypoints is not None:
            data["keypoints"] = np.asarray(media.keypoints[:, :2], np.float64)
            data["keypoint_index"] = np.arange(len(media.keypoints))
            keypoint_params = A.KeypointParams(format="xy", label_fields=["keypoint_index"],
                                               remove_invisible=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        compose = A.Compose([transform], bbox_params=bbox_params,
                            keypoint_params=keypoint_params, seed=seed, p=1.0,
                            save_applied_params=True)
    result = compose(**data)
    return _image_out(media, result), _applied_summary(result.get("applied_transforms", []))


def _image_out(media: Image, result: dict[str, Any]) -> Image:
    """Our Image from albumentations' result dict (dtype, channels and targets mapped back)."""
    pixels = _pixels_out(result["image"], media.pixels)
    height, width = pixels.shape[:2]
    changes: dict[str, Any] = {"pixels": pixels}
    if "mask" in result:
        changes["mask"] = np.asarray(result["mask"]).astype(media.mask.dtype, copy=False)
    if "bboxes" in result:
        kept = np.asarray(result["box_index"], np.int64).reshape(-1)
        changes["boxes"] = np.asarray(result["bboxes"], np.float64).reshape(-1, 4)
        if "box_ids" in media.meta:
            changes["meta"] = {**media.meta, "box_ids": np.asarray(media.meta["box_ids"])[kept]}
    if "keypoints" in result:
        kept = np.asarray(result["keypoint_index"], np.int64).reshape(-1)
        moved = np.asarray(result["keypoints"], np.float64)
        moved = moved.reshape(len(kept), -1)[:, :2] if len(kept) else np.zeros((0, 2))
        xy = _with_lost_points(np.asarray(media.keypoints[:, :2], np.float64), kept, moved)
        changes["keypoints"] = with_moved_xy(
            media.keypoints, xy, width=width, height=height,
            visibility_column=media.meta.get("keypoint_visibility_column"))
    return media.replace(**changes)


def _with_lost_points(before: np.ndarray, kept: np.ndarray, moved: np.ndarray) -> np.ndarray:
    """N x 2 positions after a step: rows `kept` at `moved`, every other row shifted by
    the displacement of the kept point nearest to it before the step (unmoved when no point
    was kept)."""
    after = before.copy()
    after[kept] = moved
    lost = np.setdiff1d(np.arange(len(before)), kept)
    if len(lost) and len(kept):
        from scipy.spatial import cKDTree

        _, nearest = cKDTree(before[kept]).query(before[lost])
        after[lost] = before[lost] + (moved[nearest] - before[kept[nearest]])
    return after


def _pixels_in(pixels: np.ndarray) -> np.ndarray:
    """uint8 and float32 as they are; uint16 as float32 in [0, 1]."""
    if pixels.dtype == np.uint16:
        return pixels.astype(np.float32) / np.float32(65535)
    return pixels


def _pixels_out(out: np.ndarray, like: np.ndarray) -> np.ndarray:
    """albumentations' output in `like`'s dtype and channel count (H x W x C)."""
    out = np.asarray(out)
    if out.ndim == 2:
        out = out[:, :, None]
    if out.shape[2] != like.shape[2]:
        out = _to_gray(out) if like.shape[2] == 1 else np.repeat(out[:, :, :1], like.shape[2], 2)
    if out.dtype == like.dtype:
        return np.ascontiguousarray(out)
    unit = out.astype(np.float32) / 255 if out.dtype == np.uint8 else out.astype(np.float32)
    unit = np.clip(unit, 0.0, 1.0)
    if like.dtype == np.float32:
        return unit
    full = 65535 if like.dtype == np.uint16 else 255
    return np.rint(unit * full).astype(like.dtype)


def _to_gray(pixels: np.ndarray) -> np.ndarray:
    """H x W x 3 -> H x W x 1 luma, same dtype."""
    luma = pixels[:, :, :3].astype(np.float32) @ _LUMA_601
    if pixels.dtype.kind == "f":
        return luma[:, :, None].astype(pixels.dtype)
    return np.rint(luma)[:, :, None].astype(pixels.dtype)


def _mask_in(mask: np.ndarray) -> np.ndarray:
    """The mask in a dtype OpenCV warps (bool as uint8, other integers as float64, which
    holds every label below 2**53 exactly); the caller casts back."""
    if mask.dtype in _CV2_MASK_DTYPES:
        return mask
    return mask.astype(np.uint8 if mask.dtype == np.bool_ else np.float64)


# --- records ---------------------------------------------------------------------------


def _applied_summary(applied: list) -> list[dict[str, Any]]:
    """albumentations' (class name, params) pairs as JSON-safe rows."""
    rows = []
    for name, params in applied:
        kept, omitted = {}, []
        for key, value in params.items():
            safe = _json_safe(value)
            if safe is _OMIT:
                omitted.append(str(key))
            else:
                kept[str(key)] = safe
        rows.append({"name": str(name), "params": kept, "omitted": omitted})
    return rows


_OMIT = object()


def _json_safe(value: Any, budget: list[int] | None = None) -> Any:
    """A JSON value equal to its own round trip, or _OMIT (objects, and containers holding
    more than _MAX_RECORDED_NUMBERS values, such as displacement maps)."""
    budget = [_MAX_RECORDED_NUMBERS] if budget is None else budget
    if isinstance(value, np.ndarray):
        if value.size > budget[0] or value.dtype.kind not in "biuf":
            return _OMIT
        value = value.tolist()
    if isinstance(value, (list, tuple, dict)):
        items = value.items() if isinstance(value, dict) else enumerate(value)
        out = {} if isinstance(value, dict) else []
        for key, item in items:
            safe = _json_safe(item, budget)
            if safe is _OMIT:
                return _OMIT
            if isinstance(out, dict):
                out[str(key)] = safe
            else:
                out.append(safe)
        return out
    budget[0] -= 1
    if budget[0] < 0:
        return _OMIT
    return _json_scalar(value)


def _json_scalar(value: Any) -> Any:
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value) if math.isfinite(value) else str(float(value))
    return _OMIT


# --- classes per albumentations name ---------------------------------------------------


def _canonical_json(args: dict[str, Any], owner: str) -> str:
    try:
        return json.dumps(args, sort_keys=True, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{owner}: parameters must be plain data (numbers, strings, lists, "
                          f"mappings): {exc}") from None


def _doc(albu_cls: type, name: str) -> str:
    own = inspect.cleandoc(albu_cls.__doc__ or "")
    return (f"albumentations {albu_cls.__name__} as a mediasynth step ({name}); seeded per "
            f"output, see mediasynth/image/albumentations_bridge.py.\n\n{own}")


@functools.cache
def step_class(short_name: str) -> type[AlbumentationsStep]:
    """The step class of albumentations transform `short_name` (e.g. "CLAHE"), registered
    under no name: `registry.lookup("albumentations.CLAHE")` resolves it through `resolve`."""
    albu_cls = _albumentations_class(short_name)
    from albumentations.core.transforms_interface import ImageOnlyTransform

    parameters = tuple(n for n in _init_parameters(albu_cls) if n not in _NOT_PARAMETERS)
    namespace = {
        "__doc__": _doc(albu_cls, PREFIX + short_name),
        "albu_name": short_name,
        "albu_parameters": parameters,
        "changes_size": not issubclass(albu_cls, ImageOnlyTransform),
        "__module__": __name__,
    }
    p_field = dataclasses.field(default=_albumentations_default_p(albu_cls))
    cls = dataclasses.make_dataclass(f"Albumentations{short_name}", [("p", float, p_field)],
                                     bases=(AlbumentationsStep,), namespace=namespace,
                                     frozen=True, kw_only=True)
    cls.name = PREFIX + short_name
    return cls


def resolve(name: str) -> type[AlbumentationsStep]:
    """Registry fallback for `albumentations.<Name>` (ConfigError for unknown names)."""
    return step_class(name.removeprefix(PREFIX))


def albumentations_step(short_name: str, **kwargs: Any) -> AlbumentationsStep:
    """`albumentations_step("CLAHE", clip_limit=2.0, p=1.0)`: a step built from
    albumentations' keyword arguments (checked as a pipeline step's keys are)."""
    from mediasynth.core.registry import build

    return build({"type": PREFIX + short_name, **kwargs})


def _rebuild(short_name: str, args_json: str, p: float) -> AlbumentationsStep:
    return step_class(short_name)(args_json=args_json, p=p)
