"""engine/dask_executor.py: `DaskPool.map` on a LocalCluster gives what the local pool
gives, item for item; a raising item is an error row; a file that kills its worker costs
that item only. (End-to-end byte identity of whole OUTs is tests/engine/test_dask.py.)"""

from __future__ import annotations

import pytest

pytest.importorskip("distributed")

from mediasynth.engine.dask_executor import DaskPool  # noqa: E402
from mediasynth.engine.pool import WorkerPool, make_pool  # noqa: E402
from tests.engine import pool_tasks  # noqa: E402
from tests.engine.helpers import results_by_index


@pytest.fixture(scope="module")
def dask_pool():
    with DaskPool(2, None).start_async() as pool:
        yield pool


def test_results_equal_the_local_pool_on_a_small_job(dask_pool):
    items = list(range(150))  # several tasks of several items each
    context = {"seed": 3}
    with WorkerPool(2) as local:
        expected = results_by_index(local.map(pool_tasks.draw, items, context, timeout_s=60))
    got = results_by_index(dask_pool.map(pool_tasks.draw, items, context, timeout_s=60))
    assert got == expected
    assert sorted(got) == items and {s for s, _ in got.values()} == {"ok"}


def test_a_raising_item_is_an_error_for_that_item_only(dask_pool):
    items = ["a", "raise", *[f"x{i}" for i in range(30)]]
    got = results_by_index(dask_pool.map(pool_tasks.misbehave, items, {}, timeout_s=60))
    assert got[1][0] == "error" and isinstance(got[1][1], ValueError)
    assert all(got[i] == ("ok", item.upper()) for i, item in enumerate(items) if i != 1)


def test_an_item_that_kills_its_worker_costs_that_item_only(dask_pool):
    items = [f"x{i}" for i in range(24)]
    items[5] = "kill"  # in a batch with others: the batch is retried one item per task
    got = results_by_index(dask_pool.map(pool_tasks.misbehave, items, {}, timeout_s=60))
    assert sorted(got) == list(range(24))
    assert got[5][0] == "error"  # KilledWorker once Dask gave up on it
    assert all(got[i] == ("ok", item.upper()) for i, item in enumerate(items) if i != 5)


def test_make_pool_picks_dask():
    pool = make_pool("dask", 3, "tcp://127.0.0.1:8786")  # nothing is contacted before map
    assert isinstance(pool, DaskPool) and pool.size == 3
    assert pool.address == "tcp://127.0.0.1:8786"
    pool.close()
