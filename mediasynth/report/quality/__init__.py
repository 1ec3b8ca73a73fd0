"""Quality commands above the engine: `audit` (leakage of split datasets) and `evaluate`
(task-level evaluation of augmented and synthetic data: features, probes, statistics and
fidelity). Only the CLI and the public API import it."""
