"""The HTML report of an output folder (`mediasynth report OUT`)."""
