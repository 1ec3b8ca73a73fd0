"""Quality commands above the engine: `audit` (leakage of split datasets) and `evaluate`
(task-level evaluation of augmented and synthetic data: items (files, object crops, event
windows), features, probes and the cnn probe's online arm, statistics and fidelity). Only the CLI and the public API import it."""
