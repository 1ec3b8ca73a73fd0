"""Expansion engine: plan (pure) -> run (local pool | dask) -> manifest, with resume."""
