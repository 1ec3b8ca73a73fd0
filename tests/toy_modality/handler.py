"""The toy modality's engine interface (the handler protocol of engine/handlers.py)."""

from __future__ import annotations

from pathlib import Path

from mediasynth.core.compose import run_chain
from mediasynth.core.handler import HandlerDefaults
from tests.toy_modality.media import read_sequence, write_sequence


class SequenceHandler(HandlerDefaults):
    kind = "toyseq"

    def output_extension(self, source_format, output) -> str:
        return ".seq"

    def check(self, path: Path, budgets) -> None:
        read_sequence(path)

    def verify(self, path: Path, budgets) -> None:
        read_sequence(path)

    def load(self, path: Path, budgets):
        return read_sequence(path)

    def describe(self, seq) -> dict:
        return {"length": int(seq.values.size),
                "mean": round(float(seq.values.mean()), 3) if seq.values.size else 0.0}

    def render(self, seq, pipeline, rng, dest: Path, annotation=None):
        out, record = run_chain(pipeline.chain("toyseq"), seq, rng)
        write_sequence(out, dest)
        return record, {"length": int(out.values.size), "stats": self.describe(out)}

    def replay(self, seq, pipeline, record, dest: Path, annotation=None):
        out, _ = run_chain(pipeline.chain("toyseq"), seq, record=record)
        write_sequence(out, dest)
        return {"length": int(out.values.size)}

    def sample(self, item, pipeline, rng, dataset):
        seq, record = self.load(item.path, dataset.budgets), None
        chain = pipeline.chain("toyseq") if pipeline is not None else None
        if chain is not None:
            seq, record = chain.run(seq, rng)
        return {"values": seq.values}, record
