"""engine/previews.py: which sources the report shows (evenly spaced, per kind), where a
preview lives (named by the sha256 of what it shows) and pruning the stale ones."""

from __future__ import annotations

from types import SimpleNamespace

from mediasynth.engine.previews import (
    FOLDER,
    SAMPLES_PER_KIND,
    preview_path,
    prune,
    sample_keys,
    shown_sources,
)


def test_samples_are_evenly_spaced_in_sorted_order():
    keys = [f"k{i:03d}" for i in range(120)]
    shown = sample_keys(reversed(keys))
    assert shown == [f"k{i:03d}" for i in range(0, 120, 20)]
    assert len(shown) == SAMPLES_PER_KIND
    assert sample_keys(["b", "a"]) == ["a", "b"] and sample_keys([]) == []
    assert len(sample_keys([f"x{i}" for i in range(13)])) == SAMPLES_PER_KIND


def test_shown_sources_are_chosen_per_kind_among_jobs_with_outputs():
    def job(source, kind, outputs=1, problem=None):
        return SimpleNamespace(source=source, kind=kind, outputs=[0] * outputs,
                               problem=problem)

    jobs = [job(f"img/{i:02d}.png", "image") for i in range(30)]
    jobs += [job(f"snd/{i}.wav", "audio") for i in range(3)]
    jobs += [job("bad.png", "image", problem=("damaged", "x")), job("none.png", "image", 0),
             job("unknown.bin", None)]
    shown = shown_sources(jobs)
    assert shown == {f"img/{i:02d}.png" for i in range(0, 30, 5)} | {
        f"snd/{i}.wav" for i in range(3)}


def test_previews_are_named_by_sha256_and_pruned_when_no_longer_listed(tmp_path):
    keep, stale = "a" * 64, "b" * 64
    for sha in (keep, stale):
        path = preview_path(tmp_path, sha)
        assert path == tmp_path / FOLDER / f"{sha}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"png")
    (tmp_path / FOLDER / "notes.txt").write_text("not a preview")
    assert prune(tmp_path, {keep}) == 1
    assert sorted(p.name for p in (tmp_path / FOLDER).iterdir()) == [f"{keep}.png", "notes.txt"]
    assert prune(tmp_path / "elsewhere", set()) == 0
