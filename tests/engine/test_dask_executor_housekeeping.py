"""A LocalCluster started by the Dask executor runs with its periodic housekeeping slowed
down (engine/dask_executor.py QUIET_CLUSTER): the settings reach the worker processes and
the scheduler, and items still come back complete and in their places."""

from __future__ import annotations

import pytest

pytest.importorskip("distributed")

from mediasynth.engine.dask_executor import QUIET_CLUSTER, DaskPool  # noqa: E402


def _settings_in_worker(item: int, keys: tuple[str, ...]) -> tuple[int, tuple]:
    import dask

    return item * item, tuple(dask.config.get(k) for k in keys)


def _settings_on_scheduler(keys: tuple[str, ...]) -> tuple:
    import dask

    return tuple(dask.config.get(k) for k in keys)


def test_local_cluster_workers_and_scheduler_get_the_quiet_settings():
    keys = tuple(QUIET_CLUSTER)
    want = tuple(QUIET_CLUSTER[k] for k in keys)
    with DaskPool(2, None) as pool:
        results = sorted(pool.map(_settings_in_worker, list(range(300)), keys, timeout_s=60))
        on_scheduler = pool.client.run_on_scheduler(_settings_on_scheduler, keys)
    assert [index for index, _, _ in results] == list(range(300))
    assert all(status == "ok" for _, status, _ in results)
    assert [value[0] for _, _, value in results] == [i * i for i in range(300)]
    assert {value[1] for _, _, value in results} == {want}
    assert on_scheduler == want
    assert QUIET_CLUSTER["distributed.scheduler.work-stealing"] is False
