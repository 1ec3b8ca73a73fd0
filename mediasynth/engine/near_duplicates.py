"""Near-duplicate sources: signatures cached across runs, pairs found per kind, and what
the user is told about them.

Signatures are made by each modality's handler during the header check (engine/worker.py
`check_source`); they are cached in OUT/.mediasynth/signatures.json by source sha256 (a
source the sink recorded as unchanged since it was hashed is not read again), so a re-run
decodes nothing for them. Pairs are found by the
handler's `near_pairs` among sources of the same kind; the splitter (engine/split.py)
groups them unless `dataset.near_duplicates` is `warn` or `off`.
"""

from __future__ import annotations

import dataclasses
import json
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from mediasynth.engine.handlers import handler_for
from mediasynth.io.atomic import write_bytes_atomic
from mediasynth.io.discover import Found

CACHE = Path(".mediasynth") / "signatures.json"
PAIRS = Path(".mediasynth") / "near_duplicates.json"


@dataclass(frozen=True)
class NearPair:
    a: str  # source path relative to SRC, a < b
    b: str
    kind: str
    distance: float  # 0: identical signatures (the kind's own measure, see its module)
    class_a: str | None = None
    class_b: str | None = None

    @property
    def conflict(self) -> bool:
        """Near-identical content filed under two different labels."""
        return self.class_a != self.class_b


def with_cached(found: list[Found], out: Path) -> list[Found]:
    """`found` with the signatures an earlier run cached for unchanged sources: a source's
    sha256 comes from the sink's record of it (`sink.source_stamp`: size, mtime, inode and
    ctime unchanged since it was hashed), its signature from the cache by that sha256."""
    from mediasynth.engine.sink import FolderSink, source_stamp

    try:
        cache = json.loads((out / CACHE).read_text(encoding="ascii"))
    except (OSError, ValueError):
        return found
    if not isinstance(cache, dict):
        return found
    recorded = FolderSink(out).load_sources()
    result = []
    for f in found:
        state = recorded.get(f.rel_path)
        entry = None
        if f.kind is not None and isinstance(state, list) and len(state) == 5:
            stamp = source_stamp(f.path)
            entry = cache.get(state[-1]) if stamp and state[:-1] == stamp else None
        if isinstance(entry, list) and len(entry) == 2 and entry[0] == f.kind and _is_hex(
                entry[1]):
            f = dataclasses.replace(f, signature=bytes.fromhex(entry[1]))
        result.append(f)
    return result


def _is_hex(text) -> bool:
    return isinstance(text, str) and len(text) % 2 == 0 and all(
        c in "0123456789abcdef" for c in text)


def save_cache(signatures: dict[str, tuple[str, bytes]], sha256_of: dict[str, str],
               out: Path) -> None:
    """Cache {source sha256: [kind, signature]} for the sources whose sha256 this run knows
    (`sha256_of`: path -> sha256; `signatures`: path -> (kind, signature))."""
    cache = {sha256_of[rel]: [kind, signature.hex()]
             for rel, (kind, signature) in signatures.items() if rel in sha256_of}
    text = json.dumps(cache, sort_keys=True, ensure_ascii=True)
    write_bytes_atomic(out / CACHE, text.encode("ascii"))


def signatures_of(found: list[Found]) -> dict[str, tuple[str, bytes]]:
    """path -> (kind, signature) of the usable sources that have one."""
    return {f.rel_path: (f.kind, f.signature) for f in found
            if f.problem is None and f.kind and f.signature is not None}


def find_pairs(found: list[Found]) -> list[NearPair]:
    """Near-duplicate pairs among usable sources with signatures, per kind, sorted."""
    by_kind: dict[str, dict[str, bytes]] = defaultdict(dict)
    classes = {}
    for f in found:
        if f.problem is None and f.kind and f.signature is not None:
            by_kind[f.kind][f.rel_path] = f.signature
            classes[f.rel_path] = f.stratum
    pairs = []
    for kind, signatures in sorted(by_kind.items()):
        for a, b, distance in handler_for(kind).near_pairs(signatures):
            pairs.append(NearPair(a, b, kind, distance, classes[a], classes[b]))
    return sorted(pairs, key=lambda p: (p.a, p.b))


def save_pairs(pairs: list[NearPair], out: Path) -> None:
    rows = [dataclasses.asdict(p) | {"conflict": p.conflict} for p in pairs]
    write_bytes_atomic(out / PAIRS, json.dumps(rows, indent=1, ensure_ascii=True).encode())


def load_pairs(out: Path) -> list[NearPair]:
    try:
        rows = json.loads((Path(out) / PAIRS).read_text())
    except (OSError, ValueError):
        return []
    return [NearPair(r["a"], r["b"], r["kind"], r["distance"], r.get("class_a"),
                     r.get("class_b")) for r in rows]


def warnings_of(pairs: list[NearPair], mode: str) -> list[str]:
    """One summary line, plus one line per label conflict (at most 3, then a count)."""
    if not pairs or mode == "off":
        return []
    lines = [f"{len(pairs)} near-duplicate pair(s) among the sources: "
             + ("each kept within one split" if mode == "group" else
                "not grouped (near_duplicates: warn), they may straddle splits")
             + " (listed in the report)"]
    conflicts = [p for p in pairs if p.conflict]
    for p in conflicts[:3]:
        lines.append(f"label conflict: {p.a} ({p.class_a}) and {p.b} ({p.class_b}) are "
                     f"near-identical {p.kind} files with different labels")
    if len(conflicts) > 3:
        lines.append(f"... and {len(conflicts) - 3} more label conflicts (listed in the report)")
    return lines
