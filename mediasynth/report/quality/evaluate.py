"""`mediasynth evaluate`: does the augmented (or synthetic) data make a model better on real
test data?

Arms, all scored on the same real test set (OUT's test originals, or `--test DIR`):
- an expand OUT: `real` (the train split's originals), `real+augmented` (every train item)
  and `augmented` (variants only);
- a synth OUT (TSTR, train on synthetic, test on real): `synthetic`, and when the real test
  folder has at least MIN_REFERENCE_PER_CLASS items per class it is split in two (stratified,
  seeded) and the first half trains the `real` reference and `real+synthetic`; the second
  half is the test set.

Each arm is trained by a probe (probes.py) for every seed and learning-curve fraction of the
train *sources* (a source's variants follow it); the subsets are drawn per seed and shared
by the arms, so deltas are paired. Scores and intervals: statistics.py; fidelity of the
generated items against the real train items: fidelity.py. Nothing is fitted on test items.
Same settings and data, same JSON.
"""

from __future__ import annotations

import json
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from mediasynth.core.errors import ConfigError, MediaError, MediasynthError
from mediasynth.report.quality import features as F
from mediasynth.report.quality import probes as P
from mediasynth.report.quality.datasets import (
    AUGMENTED,
    REAL,
    Item,
    class_counts,
    read_out,
    read_test_folder,
    single_kind,
    test_fingerprint,
)
from mediasynth.report.quality.fidelity import fidelity
from mediasynth.report.quality.online import ONLINE, ONLINE_EPOCHS, online_pipeline, render, why_not
from mediasynth.report.quality.statistics import GAIN, LOSS, Scorer

EVALUATION = "evaluation.json"
SCHEMA_VERSION = 1
FRACTIONS = (0.25, 0.5, 1.0)
DEFAULT_SEEDS = 5
MIN_REFERENCE_PER_CLASS = 4
SKIPPED_LISTED = 50


@dataclass
class Settings:
    test: str | Path | None = None
    compare: tuple[str | Path, ...] = ()
    probe: str = "linear"
    seeds: int = DEFAULT_SEEDS
    max_seconds: float | None = None
    progress: bool = True


@dataclass
class _Arms:
    """One OUT's arms: name -> train items, and the sources a fraction draws from."""

    arms: dict[str, list[Item]]
    sources: dict[str, str] = field(default_factory=dict)  # source -> class
    pipeline: object | None = None  # what the online arm augments with (cnn probe only)


class _Inputs:
    """Per-item probe inputs and features, computed once per file; files that do not decode
    are recorded with their reason and left out."""

    def __init__(self, kind: str, probe: str, bar):
        self.kind, self.probe, self.bar = kind, probe, bar
        self.features: dict[tuple, np.ndarray] = {}
        self.network: dict[tuple, np.ndarray] = {}
        self.skipped: dict[tuple, dict] = {}

    def load(self, items: list[Item]) -> None:
        for item in items:
            key = item.key
            if key in self.features or key in self.skipped:
                continue
            try:
                self.features[key] = F.features(self.kind, item.path, item.box, item.window_s)
                if P.INPUTS[self.probe] == "network":
                    self.network[key] = F.network_input(self.kind, item.path, item.box,
                                                        item.window_s)
            except (MediaError, OSError, ValueError) as exc:
                self.features.pop(key, None)
                self.skipped[key] = {"path": item.name or str(item.path), "code": getattr(
                    exc, "code", "unreadable"), "message": str(exc)}
            self.bar.update(1)

    def usable(self, items: list[Item]) -> list[Item]:
        return [i for i in items if i.key in self.features]

    def matrix(self, items: list[Item], *, for_probe: bool) -> np.ndarray:
        table = self.network if for_probe and P.INPUTS[self.probe] == "network" else self.features
        return np.stack([table[i.key] for i in items])


def evaluate(out: str | Path, settings: Settings | None = None, **kwargs) -> dict:
    """Evaluate OUT (see the module doc) and return the result that `write` stores as
    OUT/evaluation.json. Keyword arguments override `settings` fields."""
    from threadpoolctl import threadpool_limits

    settings = settings or Settings()
    for key, value in kwargs.items():
        if not hasattr(settings, key):
            raise TypeError(f"evaluate() got an unexpected keyword argument {key!r}")
        setattr(settings, key, value)
    _check(settings)
    # one BLAS thread: the fits are small, and threads fighting over shared cores cost
    # 10-20x (measured); it also keeps every sum in one order
    with threadpool_limits(1):
        return _evaluate(out, settings)


def _evaluate(out: str | Path, settings: Settings) -> dict:
    started = time.monotonic()
    main = read_out(out)
    notes = list(main.notes)
    test_skipped: list[dict] = []
    if settings.test is not None:
        test, test_skipped = read_test_folder(settings.test)
        test_label = {"from": "folder", "folder": Path(settings.test).name}
    elif main.synthetic:
        raise ConfigError(f"{out} is a synth OUT: it has no real test items; pass --test "
                          "REAL_DIR (train on synthetic, test on real)")
    else:
        test = main.test
        test_label = {"from": "OUT test split (copied originals)"}
        if not test:
            raise MediasynthError(f"{out} has no test originals: expand with --split "
                                  "TRAIN,VAL,TEST, or pass --test DIR")
    others = [read_out(o) for o in settings.compare]
    for other in others:
        _check_comparable(main, other, settings)
    kind = single_kind([*main.train, *test, *(i for o in others for i in o.train)])
    reference: list[Item] = []
    if main.synthetic:
        reference, test, note = _reference_split(test)
        if note:
            notes.append(note)
    all_items = [*main.train, *reference, *test, *(i for o in others for i in o.train)]
    bar = _bar(len({i.key for i in all_items}), "features", settings.progress)
    inputs = _Inputs(kind, settings.probe, bar)
    inputs.load(test)
    inputs.load(reference)
    inputs.load(main.train)
    for other in others:
        inputs.load(other.train)
    bar.close()
    test = inputs.usable(test)
    if not test:
        first = next(iter(inputs.skipped.values()), {"path": "?", "message": "?"})
        raise MediasynthError(f"no test item decodes (first: {first['path']}: "
                              f"{first['message']}); nothing to score on")
    classes = sorted({i.cls for i in test})
    arm_sets = [_arms_of(main, inputs.usable(reference), inputs, settings, notes)]
    arm_sets += [_arms_of(o, [], inputs, settings, notes) for o in others]
    for arms in arm_sets:
        _check_classes(arms, classes)
    seeds, predictions = _train_all(arm_sets, test, classes, inputs, settings, started, notes)
    scorer = Scorer(np.array([classes.index(i.cls) for i in test]), classes, len(seeds))
    result = _result(kind, settings, seeds, test, test_label, classes, arm_sets[0],
                     predictions[0], scorer, notes, main.synthetic)
    if others:
        result["compare"] = _compare(main, others, arm_sets, predictions, scorer)
        for block in result["compare"].values():
            for label, delta in block.pop("cross_deltas").items():
                result["deltas"][label] = delta
    result["fidelity"] = _fidelity(kind, arm_sets[0], inputs)
    skipped = sorted([*test_skipped, *inputs.skipped.values()], key=lambda s: s["path"])
    result["skipped"] = {"count": len(skipped), "items": skipped[:SKIPPED_LISTED]}
    result["summary"] = summary_lines(result)
    return result


def _check(settings: Settings) -> None:
    P.check_probe(settings.probe)
    if settings.seeds < 1:
        raise ConfigError("--seeds must be >= 1")
    if settings.max_seconds is not None and settings.max_seconds <= 0:
        raise ConfigError("--max-seconds must be > 0")


def _check_comparable(main, other, settings: Settings) -> None:
    if other.synthetic != main.synthetic:
        raise ConfigError(f"--compare {other.out}: cannot compare a synth OUT with an expand OUT")
    if settings.test is None and not main.synthetic \
            and test_fingerprint(main.test) != test_fingerprint(other.test):
        raise ConfigError(f"--compare {other.out}: its test split is not {main.out}'s (the "
                          "test originals' sha256s differ); compare OUTs of the same SRC "
                          "and split, or pass one --test DIR")


def _reference_split(real: list[Item]) -> tuple[list[Item], list[Item], str | None]:
    """Split a real folder into reference-train and test halves of its files (stratified,
    by a hash of each file's path, so the split does not move with the seed), when every
    class has at least MIN_REFERENCE_PER_CLASS items; else everything is test."""
    import hashlib

    by_class: dict[str, list[Item]] = defaultdict(list)
    for item in real:
        by_class[item.cls].append(item)
    small = sorted(c for c, v in by_class.items() if len(v) < MIN_REFERENCE_PER_CLASS)
    if small:
        return [], real, (f"no train-real reference: class(es) {', '.join(small[:5])} have "
                          f"fewer than {MIN_REFERENCE_PER_CLASS} real items to split")
    # whole sources change sides (an image's object crops stay together), stratified by
    # each source's first item's class, ordered by a hash of the source's path
    sources: dict[str, list[Item]] = defaultdict(list)
    for item in real:
        sources[item.source].append(item)
    by_stratum: dict[str, list[str]] = defaultdict(list)
    for source, members in sources.items():
        by_stratum[members[0].cls].append(source)
    ref_sources: set[str] = set()
    for stratum in sorted(by_stratum):
        ordered = sorted(by_stratum[stratum], key=lambda s: hashlib.sha256(
            s.encode("utf-8", "surrogateescape")).hexdigest())
        ref_sources.update(ordered[: len(ordered) // 2])
    ref = [Item(i.path, i.cls, f"reference:{i.source}", REAL, i.kind, name=i.name, box=i.box,
                window_s=i.window_s)
           for i in real if i.source in ref_sources]
    test = [i for i in real if i.source not in ref_sources]
    return ref, test, None


def _arms_of(out_items, reference: list[Item], inputs: _Inputs, settings: Settings,
             notes: list[str]) -> _Arms:
    """An OUT's arms; with the cnn probe an expand OUT also gets the online arm (its real
    train items, augmented on the fly by its pipeline: online.py), or a note saying why not."""
    train = inputs.usable(out_items.train)
    if out_items.synthetic:
        arms = {"synthetic": train}
        if reference:
            arms = {"real": reference, "real+synthetic": reference + train, **arms}
    else:
        real = [i for i in train if i.origin == REAL]
        augmented = [i for i in train if i.origin == AUGMENTED]
        if not augmented:
            raise MediasynthError(f"{out_items.out} has no augmented train items: nothing to "
                                  "compare with the originals")
        arms = {"real": real, "real+augmented": real + augmented, "augmented": augmented}
    sources = {i.source: i.cls for items in arms.values() for i in items}
    pipeline = None
    if settings.probe == "cnn" and not out_items.synthetic:
        pipeline = online_pipeline(out_items.out)
        reason = why_not(arms["real"], pipeline)
        if reason:
            pipeline = None
            notes.append(f"{out_items.out.name}: {reason}")
        else:
            arms[ONLINE] = arms["real"]
    return _Arms(arms, dict(sorted(sources.items())), pipeline)


def _check_classes(arms: _Arms, classes: list[str]) -> None:
    for name, items in arms.arms.items():
        have = {i.cls for i in items}
        missing = [c for c in classes if c not in have]
        if missing:
            raise MediasynthError(f"the test set has class(es) {', '.join(missing[:5])} that "
                                  f"the {name} training items lack")
        extra = sorted(have - set(classes))
        if extra:
            raise MediasynthError(f"the {name} training items have class(es) "
                                  f"{', '.join(extra[:5])} that the test set lacks; evaluate "
                                  "needs the same classes on both sides")


def subset_sources(sources: dict[str, str], fraction: float, seed: int) -> set[str]:
    """`fraction` of each class's sources (at least one), drawn with `seed`."""
    if fraction >= 1.0:
        return set(sources)
    by_class: dict[str, list[str]] = defaultdict(list)
    for source, cls in sources.items():
        by_class[cls].append(source)
    rng = np.random.default_rng(np.random.SeedSequence([seed, round(fraction * 1000)]))
    chosen: set[str] = set()
    for cls in sorted(by_class):
        members = sorted(by_class[cls])
        n = max(1, round(fraction * len(members)))
        chosen.update(members[i] for i in rng.permutation(len(members))[:n])
    return chosen


def _train_all(arm_sets: list[_Arms], test: list[Item], classes: list[str], inputs: _Inputs,
               settings: Settings, started: float, notes: list[str]):
    """Predictions[out][arm][fraction] = (seeds, test items) class indices."""
    test_x = inputs.matrix(test, for_probe=True)
    index = {c: k for k, c in enumerate(classes)}
    fits = settings.seeds * len(FRACTIONS) * sum(len(a.arms) for a in arm_sets)
    bar = _bar(fits, f"train ({settings.probe})", settings.progress)
    predictions = [{arm: {f: [] for f in FRACTIONS} for arm in a.arms} for a in arm_sets]
    seeds = []
    for seed in range(settings.seeds):
        for arms, preds in zip(arm_sets, predictions):
            renders = None
            if ONLINE in arms.arms:  # this seed's loader epochs of the real train items
                renders = render(arms.arms[ONLINE], arms.pipeline, inputs.kind, seed)
            for fraction in FRACTIONS:
                chosen = subset_sources(arms.sources, fraction, seed)
                for name, items in arms.arms.items():
                    positions = [k for k, i in enumerate(items) if i.source in chosen]
                    picked = [items[k] for k in positions]
                    if name == ONLINE:
                        train_x = renders[:, positions]
                    else:
                        train_x = inputs.matrix(picked, for_probe=True)
                    train_y = np.array([index[i.cls] for i in picked])
                    per_source = Counter(i.source for i in picked)
                    weights = np.array([1.0 / per_source[i.source] for i in picked])
                    preds[name][fraction].append(P.predict(
                        settings.probe, train_x, train_y, weights, test_x,
                        n_classes=len(classes), seed=seed))
                    bar.update(1)
        seeds.append(seed)
        elapsed = time.monotonic() - started
        if settings.max_seconds and elapsed > settings.max_seconds and seed + 1 < settings.seeds:
            notes.append(f"stopped after {len(seeds)} of {settings.seeds} seeds: --max-seconds "
                         f"{settings.max_seconds:g} reached")
            break
    bar.close()
    return seeds, [{arm: {f: np.array(v) for f, v in by_f.items()} for arm, by_f in p.items()}
                   for p in predictions]


def _deltas_of(arm_names: list[str]) -> list[tuple[str, str]]:
    if "augmented" in arm_names:
        pairs = [("real+augmented", "real"), ("augmented", "real")]
        if ONLINE in arm_names:
            pairs += [(ONLINE, "real"), (ONLINE, "real+augmented")]
        return pairs
    if "real" in arm_names:
        return [("synthetic", "real"), ("real+synthetic", "real")]
    return []


def _arm_block(arms: _Arms, preds: dict, scorer: Scorer) -> tuple[dict, dict, dict]:
    scored = {name: scorer.score(preds[name][1.0]) for name in arms.arms}
    curves = {}
    for name in arms.arms:
        points = []
        for fraction in FRACTIONS:
            score = scorer.score(preds[name][fraction])
            points.append({"fraction": fraction,
                           "sources": _sources_at(arms, name, fraction),
                           "macro_f1": score["macro_f1"], "accuracy": score["accuracy"]})
        curves[name] = points
    deltas = {f"{a} vs {b}": scorer.delta(preds[a][1.0], preds[b][1.0])
              for a, b in _deltas_of(list(arms.arms))}
    return scored, curves, deltas


def _sources_at(arms: _Arms, name: str, fraction: float) -> int:
    """Sources an arm trains on at `fraction` (seed 0's draw; the count is the same for
    every seed)."""
    chosen = subset_sources(arms.sources, fraction, 0)
    return len({i.source for i in arms.arms[name] if i.source in chosen})


def _result(kind, settings, seeds, test, test_label, classes, arms, preds, scorer, notes,
            synthetic) -> dict:
    scored, curves, deltas = _arm_block(arms, preds, scorer)
    return {
        "schema_version": SCHEMA_VERSION,
        "mode": "tstr" if synthetic else "augmentation",
        "kind": kind,
        "settings": {"probe": settings.probe, "seeds": seeds, "fractions": list(FRACTIONS),
                     "bootstrap_replicates": len(scorer.reps.seed_index),
                     "interval": "95 % percentile bootstrap over test items and seeds, paired",
                     "features": F.feature_set(kind),
                     "max_seconds": settings.max_seconds,
                     **({"online": {
                         "epochs": ONLINE_EPOCHS, "pipeline": "OUT/pipeline.yaml",
                         "how": "the real train items through MediaDataset(pipeline, seed="
                                "the evaluation seed), epochs 0..epochs-1; training pass p "
                                "reads epoch p mod epochs"}} if ONLINE in arms.arms else {})},
        "test_set": {**test_label, "items": len(test), "classes": class_counts(test),
                     "sha256": test_fingerprint(test)},
        "train": {name: {"items": len(items), "sources": len({i.source for i in items}),
                         "classes": class_counts(items)} for name, items in arms.arms.items()},
        "arms": scored,
        "learning_curves": curves,
        "deltas": deltas,
        "notes": notes,
    }


def _compare(main, others, arm_sets, predictions, scorer) -> dict:
    main_name = main.out.name
    out = {}
    for other, arms, preds in zip(others, arm_sets[1:], predictions[1:]):
        name = other.out.name if other.out.name != main_name else str(other.out)
        scored, curves, deltas = _arm_block(arms, preds, scorer)
        cross = {}
        for arm in arms.arms:
            if arm == "real":
                continue  # the same originals on both sides
            cross[f"{name}: {arm} vs {main_name}: {arm}"] = scorer.delta(
                preds[arm][1.0], predictions[0][arm][1.0])
        out[name] = {"arms": scored, "learning_curves": curves, "deltas": deltas,
                     "cross_deltas": cross}
    return out


def _fidelity(kind: str, arms: _Arms, inputs: _Inputs) -> dict | None:
    generated_name = "augmented" if "augmented" in arms.arms else "synthetic"
    real = arms.arms.get("real") or []
    generated = arms.arms.get(generated_name) or []
    if not real:
        return {"features": F.feature_set(kind), "note": "no real train items to compare "
                "the generated ones with (the real test items are never used)"}
    return fidelity(inputs.matrix(real, for_probe=False), inputs.matrix(generated, for_probe=False),
                    real_groups=np.array([i.source for i in real]),
                    fake_groups=np.array([i.source for i in generated]),
                    feature_set=F.feature_set(kind))


def _bar(total: int, desc: str, enabled: bool):
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, leave=False, file=sys.stderr,
                disable=not enabled or not sys.stderr.isatty())


# --- words -------------------------------------------------------------------------------

_MEANING = {GAIN: "helps", LOSS: "hurts"}


def summary_lines(result: dict) -> list[str]:
    """The verdicts in plain language, one line per delta."""
    lines = []
    for label, delta in result["deltas"].items():
        d = delta["macro_f1"]
        lo, hi = d["ci95"]
        what = label.split(" vs ")
        verdict = delta["verdict"]
        if verdict in _MEANING:
            words = f"{what[0]} {_MEANING[verdict]} compared with {what[1]}"
        else:
            words = f"no detectable change between {what[0]} and {what[1]}"
        lines.append(f"{label}: macro-F1 {_signed(d['mean'])} (95 % CI {_signed(lo)} to "
                     f"{_signed(hi)}): {verdict}, {words}")
    for name, score in result["arms"].items():
        f1 = score["macro_f1"]
        lines.append(f"{name}: macro-F1 {f1['mean']:.3f} [{f1['ci95'][0]:.3f}, "
                     f"{f1['ci95'][1]:.3f}], accuracy {score['accuracy']['mean']:.3f}")
    return lines


def _signed(x: float | None) -> str:
    return "n/a" if x is None else f"{x:+.3f}"


def write(out: str | Path, result: dict) -> Path:
    """OUT/evaluation.json, atomically (sorted keys nowhere: the order is the schema's)."""
    from mediasynth.io.atomic import write_bytes_atomic

    dest = Path(out) / EVALUATION
    text = json.dumps(result, indent=1, ensure_ascii=True, allow_nan=False) + "\n"
    write_bytes_atomic(dest, text.encode("ascii"))
    return dest


def exit_code(result: dict) -> int:
    """3 when some items were left out (each with its reason in `skipped`), else 0."""
    return 3 if result["skipped"]["count"] else 0


__all__ = ["EVALUATION", "Settings", "evaluate", "exit_code", "summary_lines", "write"]
