"""The built-in balancing strategies (contract: core/balance.py `BalanceStrategy`):

- `none`: every train source gets `variants`.
- `oversample` / `undersample`: each class's count comes from imbalanced-learn's
  `check_sampling_strategy` (engine/sampler.py); by default every class reaches the largest,
  or is cut to the smallest.
- `synthesize`: SMOTE for media. Plain variants as `none`, then each minority class's gap is
  filled with outputs made from a source and one of its k nearest same-class neighbours;
  classes without neighbours fill their gap with plain variants instead.
"""

from __future__ import annotations

from mediasynth.core.balance import BalanceSpec, register_balance_strategy
from mediasynth.core.errors import ConfigError
from mediasynth.engine.sampler import class_targets, synthesized


class _Resampling:
    """Plain variants to the sampler's targets, nothing on top."""

    name = ""
    summary = ""
    sampling: str | None = None
    needs_neighbours = False

    def check(self, spec: BalanceSpec) -> None:
        return None

    def variant_targets(self, totals: dict, spec: BalanceSpec, explicit: dict | None) -> dict:
        return class_targets(totals, spec, explicit)

    def extra_outputs(self, by_class, counts, spec, pipeline, neighbours):
        return counts, {}


class NoBalance(_Resampling):
    name = "none"
    summary = "every train source gets `variants` outputs"


class Oversample(_Resampling):
    name = "oversample"
    summary = "minority classes get more variants (imbalanced-learn's over-sampling targets)"
    sampling = "over-sampling"


class Undersample(_Resampling):
    name = "undersample"
    summary = "majority classes get fewer variants (imbalanced-learn's under-sampling targets)"
    sampling = "under-sampling"


class Synthesize(_Resampling):
    name = "synthesize"
    summary = ("SMOTE for media: new minority outputs blend a source with one of its k "
               "nearest same-class sources")
    sampling = "over-sampling"
    needs_neighbours = True

    def check(self, spec: BalanceSpec) -> None:
        if spec.count == "objects":
            raise ConfigError("dataset.balance.count: objects works with oversample and "
                              "undersample (synthesize blends whole items of one class)")

    def variant_targets(self, totals: dict, spec: BalanceSpec, explicit: dict | None) -> dict:
        return dict(totals)  # the sampler's new outputs come on top (extra_outputs)

    def extra_outputs(self, by_class, counts, spec, pipeline, neighbours):
        """(plain variants per source, partners of each synthesized output per source).
        Classes whose sources have no neighbour (a single source, or a kind without an
        embedding) fill their gap with plain variants instead."""
        totals = {c: sum(counts.get(p, 0) for p in paths)
                  for c, paths in by_class.items() if paths}
        targets = class_targets(totals, BalanceSpec("oversample", spec.sampling_strategy),
                                pipeline.dataset.class_targets)
        near = neighbours(by_class) if neighbours is not None else {}
        partners = synthesized(by_class, counts, targets, near, pipeline.seed)
        counts = dict(counts)
        for cls, paths in by_class.items():
            made = sum(len(partners.get(p, ())) for p in paths)
            gap = targets.get(cls, 0) - totals.get(cls, 0) - made
            if gap > 0 and paths:
                base, extra = divmod(gap, len(paths))
                for i, path in enumerate(sorted(paths)):
                    counts[path] += base + (1 if i < extra else 0)
        return counts, partners


for _strategy in (NoBalance(), Oversample(), Undersample(), Synthesize()):
    register_balance_strategy(_strategy)
