"""mediasynth: augment and synthesize labelled image, audio and video datasets.

Importing the package is cheap; heavy libraries (OpenCV, librosa, PyAV) load on first use.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
