"""Quality commands above the engine: `audit` (leakage of split datasets)."""
