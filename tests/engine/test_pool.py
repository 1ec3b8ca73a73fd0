"""WorkerPool.warm (engine/pool.py): workers import the handlers of the kinds asked for
before their first task, whether warm() comes before or after they start; tasks still get
their own results, in their places."""

from __future__ import annotations

import sys

from mediasynth.engine.pool import WorkerPool

HANDLER_MODULES = {"image": "mediasynth.image.handler", "audio": "mediasynth.audio.handler",
                   "video": "mediasynth.video.handler"}


def _loaded(item: int, names: tuple[str, ...]) -> tuple[int, tuple[bool, ...]]:
    """Which of `names` were imported before this task ran (the task imports nothing)."""
    return item, tuple(name in sys.modules for name in names)


def _run(pool: WorkerPool, items: int) -> list:
    names = tuple(HANDLER_MODULES.values())
    return sorted(pool.map(_loaded, list(range(items)), names, timeout_s=60))


def test_warm_before_start_imports_the_kinds_handlers_before_the_first_task():
    with WorkerPool(2) as pool:
        pool.warm(["video", "audio", "video"])
        pool.start_async()
        results = _run(pool, 200)
    assert [i for i, _, _ in results] == list(range(200))
    assert all(status == "ok" and value[0] == i for i, status, value in results)
    assert {value[1] for _, _, value in results} == {(False, True, True)}  # image not asked


def test_warm_after_the_workers_started_reaches_them_too():
    with WorkerPool(2).start_async() as pool:
        pool.warm(["image"])
        results = _run(pool, 50)
    assert {value[1][0] for _, _, value in results} == {True}


def test_a_pool_not_warmed_imports_no_handler_ahead():
    with WorkerPool(1).start_async() as pool:
        results = _run(pool, 5)
    assert {value[1] for _, _, value in results} == {(False, False, False)}


def test_an_unknown_kind_is_ignored_and_the_worker_still_serves():
    with WorkerPool(1) as pool:
        pool.warm(["no-such-kind", "audio"])
        results = _run(pool, 20)
    assert [i for i, status, _ in results if status == "ok"] == list(range(20))
    assert {value[1][1] for _, _, value in results} == {True}
