"""Task-level evaluation of augmented and synthetic data (`mediasynth evaluate`): features,
probes, statistics and fidelity. Above the engine; only the CLI and the public API import it."""
