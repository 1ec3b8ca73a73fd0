"""The toy modality's media: an immutable integer sequence."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from mediasynth.core.errors import MediaError

MAGIC = b"TOYSEQ1\n"


@dataclass(frozen=True, eq=False)
class Sequence:
    values: np.ndarray
    meta: dict[str, Any] = field(default_factory=dict)
    kind: ClassVar[str] = "toyseq"

    def replace(self, **changes: Any) -> Sequence:
        return dataclasses.replace(self, **changes)


def read_sequence(path: Path) -> Sequence:
    data = Path(path).read_bytes()
    if not data.startswith(MAGIC):
        raise MediaError("unreadable", "not a TOYSEQ1 file", path=str(path))
    try:
        values = [int(line) for line in data[len(MAGIC):].split()]
    except ValueError:
        raise MediaError("damaged", "a line is not an integer", path=str(path)) from None
    return Sequence(np.array(values, np.int64))


def write_sequence(seq: Sequence, path: Path) -> None:
    Path(path).write_bytes(MAGIC + "".join(f"{v}\n" for v in seq.values.tolist()).encode())
