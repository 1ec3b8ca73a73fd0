"""Pure audio kernels on (channels, frames) float32 arrays: no RNG, never in place."""
