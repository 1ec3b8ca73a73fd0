"""What a run did: its counts, exit code and the CLI's summary table (expand and synth)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from mediasynth.engine import manifest as M
from mediasynth.engine.plan import Plan
from mediasynth.engine.run_warnings import RunWarning
from mediasynth.engine.worker import MAX_ATTEMPTS


@dataclass
class ExpandResult:
    """Counts of a run (rows themselves are in OUT/manifest.jsonl: `rows` reads them)."""

    plan: Plan
    out: Path | None = None
    status_counts: Counter = field(default_factory=Counter)
    ok_counts: Counter = field(default_factory=Counter)  # (split, class, kind) -> outputs
    problems: list[dict] = field(default_factory=list)
    resumed: int = 0
    removed: int = 0  # stale outputs of earlier runs deleted
    warnings: list[str] = field(default_factory=list)

    def note_rows(self, rows: list[dict]) -> None:
        """Warnings carried by rows (duplicates that could not be made distinct...)."""
        for row in rows:
            if row.get("info", {}) and row["info"].get("duplicate_of_earlier_output"):
                self.warnings.append(RunWarning(
                    f"{row['output']}: same bytes as an earlier output of {row['source']} "
                    f"after {MAX_ATTEMPTS} draws", "duplicate_output",
                    f"{{n}} outputs have the same bytes as an earlier output of their source "
                    f"after {MAX_ATTEMPTS} draws (info.duplicate_of_earlier_output in "
                    f"{M.MANIFEST})"))

    @property
    def rows(self) -> list[dict]:
        return M.read_manifest(self.out) if self.out is not None else []

    @property
    def exit_code(self) -> int:
        counts = self.status_counts
        return 3 if counts.get("skipped", 0) or counts.get("failed", 0) else 0


def summary_table(result) -> str:
    """Text table of outputs per split/class/kind plus problems, of an `ExpandResult` or
    a synth run's result (engine/synth_runner.SynthRunResult): the same attributes."""
    counts = result.ok_counts
    lines = [f"{'split':8s} {'class':20s} {'kind':6s} {'outputs':>8s}"]
    for (split, cls, kind), n in sorted(counts.items()):
        lines.append(f"{split:8s} {cls[:20]:20s} {kind:6s} {n:8d}")
    status = result.status_counts
    lines.append(f"ok {status.get('ok', 0)}, skipped {status.get('skipped', 0)}, "
                 f"failed {status.get('failed', 0)}"
                 + (f" (resumed {result.resumed} outputs already done)" if result.resumed else "")
                 + (f"; removed {result.removed} stale outputs of earlier runs"
                    if result.removed else ""))
    problems = result.problems
    if problems:
        lines.append("problems:")
        seen = set()
        for r in problems:
            what = r.get("source") or r.get("output") or f"item {r.get('variant')}"
            key = (what, r["reason"]["code"])
            if key in seen:
                continue
            seen.add(key)
            lines.append(f"  {r['status']:7s} {r['reason']['code']:11s} {what}: "
                         f"{r['reason']['message'][:120]}")
    return "\n".join(lines)
