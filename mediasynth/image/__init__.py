"""Image kernels (`functional/`) and sampling transforms (`transforms/`)."""
