"""On-the-fly augmentation for data loaders: `MediaDataset` (no torch needed) and, in
`mediasynth.loaders.torch`, tensor conversion, collation and a clip sampler."""

from mediasynth.loaders.dataset import MediaDataset

__all__ = ["MediaDataset"]
