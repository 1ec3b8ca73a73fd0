"""mediasynth: augment and synthesize labelled image, audio and video datasets.

The public Python surface (`import mediasynth as ms`); everything else is internal:

- runs: `expand`, `synthesize`, `replay`, `write_report` and their results
  (`ExpandResult`, `SynthResult`, `ReplayResult`, `Problem`), see mediasynth/api.py;
  `evaluate` (does a pipeline help a model? the evaluation.json structure) and `audit`
  (leakage between splits);
- pipelines: `load_pipeline` (a file or bundled name; `Pipeline.save` writes one back),
  `Compose`, `OneOf`, `SomeOf`, `RandomApply`, `Transform`, `OpRecord` (what a run applied,
  which `replay` reproduces), the media containers `Image`, `Audio`, `Video`;
- transforms by class in the modality namespaces `ms.image`, `ms.audio`, `ms.video`
  (`ms.image.Rotate(angle_deg_range=(-15, 15))`, `from mediasynth.audio import Gain`);
- `MediaDataset`, the data loaders' dataset;
- the exceptions: `MediasynthError` and below it `ConfigError` (`KindMismatchError`),
  `FatalError` (`SourceNotFound`, `OutLocked`), `MediaError`, `FFmpegError`.

(`ms.synth` and `ms.report` are the generator and report packages, so the functions are
`synthesize` and `write_report`; `ms.synth.scenes(out, objects=..., backgrounds=...)` runs the
pasted-object scene generator.)

Importing the package is cheap (no NumPy, OpenCV, librosa or PyAV: the CLI starts its
worker processes before those load); every name above loads on first use (PEP 562).
"""

import importlib

__version__ = "0.1.0"

_EXPORTS = {
    "expand": ("mediasynth.api", "expand"),
    "synthesize": ("mediasynth.api", "synth"),
    "replay": ("mediasynth.api", "replay"),
    "write_report": ("mediasynth.api", "report"),
    "evaluate": ("mediasynth.api", "evaluate"),
    "audit": ("mediasynth.api", "audit"),
    "load_pipeline": ("mediasynth.api", "load_pipeline"),
    "ExpandResult": ("mediasynth.api", "ExpandResult"),
    "SynthResult": ("mediasynth.api", "SynthResult"),
    "ReplayResult": ("mediasynth.api", "ReplayResult"),
    "Problem": ("mediasynth.api", "Problem"),
    "Pipeline": ("mediasynth.core.config", "Pipeline"),
    "Compose": ("mediasynth.core.compose", "Compose"),
    "OneOf": ("mediasynth.core.compose", "OneOf"),
    "SomeOf": ("mediasynth.core.compose", "SomeOf"),
    "RandomApply": ("mediasynth.core.compose", "RandomApply"),
    "Transform": ("mediasynth.core.transform", "Transform"),
    "OpRecord": ("mediasynth.core.transform", "OpRecord"),
    "Image": ("mediasynth.core.media", "Image"),
    "Audio": ("mediasynth.core.media", "Audio"),
    "Video": ("mediasynth.core.media", "Video"),
    "MediaDataset": ("mediasynth.loaders.dataset", "MediaDataset"),
    **{name: ("mediasynth.core.errors", name) for name in (
        "MediasynthError", "ConfigError", "KindMismatchError", "FatalError", "SourceNotFound",
        "OutLocked", "MediaError", "FFmpegError")},
}
_NAMESPACES = ("api", "image", "audio", "video", "synth")

__all__ = ["__version__", *_EXPORTS, *_NAMESPACES]


def __getattr__(name: str):
    if name in _EXPORTS:
        module, attribute = _EXPORTS[name]
        value = getattr(importlib.import_module(module), attribute)
    elif name in _NAMESPACES:
        value = importlib.import_module(f"{__name__}.{name}")
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
