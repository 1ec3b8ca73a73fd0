"""Pure image kernels: array first, keyword-only options, no RNG, never in place."""
