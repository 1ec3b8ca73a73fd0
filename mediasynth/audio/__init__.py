"""Audio kernels (`functional/`), transforms (`transforms/`) and spectrogram helpers."""
