"""engine/pool.py: a crashing, raising or hanging task costs its item only; every item is
reported once; results do not depend on the worker count or completion order; workers serve
several phases and die when the caller stops."""

from __future__ import annotations

import os
import time

import pytest

from mediasynth.engine.pool import WorkerPool, make_pool, run_pool
from tests.engine import pool_tasks
from tests.engine.helpers import results_by_index


@pytest.fixture(scope="module")
def pool():
    with WorkerPool(2) as p:
        yield p


def test_every_item_is_reported_once_with_fn_of_item_and_context(pool):
    items = list(range(400))
    got = results_by_index(pool.map(pool_tasks.draw, items, {"seed": 5}, timeout_s=30))
    assert sorted(got) == items
    assert all(status == "ok" for status, _ in got.values())
    assert got == {i: ("ok", pool_tasks.draw(i, {"seed": 5})) for i in items}
    assert got[0][1] != pool_tasks.draw(0, {"seed": 6})  # the context reaches the worker


def test_results_do_not_depend_on_worker_count_or_completion_order():
    items = list(range(30))
    runs = {}
    for workers, sleep_s in ((1, 0.0), (3, 0.02)):  # with three, items sleep 0, 20 or 40 ms
        context = {"seed": 11, "sleep_s": sleep_s}  # (the sleep does not change the values)
        order = list(run_pool(pool_tasks.draw, items, context, workers=workers, timeout_s=30))
        runs[workers] = (results_by_index(order), [i for i, _, _ in order])
    assert runs[1][0] == runs[3][0]
    assert runs[1][1] == items  # one worker: plan order
    assert runs[3][1] != items  # three: they finish out of order, the values are the same


def test_a_raising_task_is_an_error_row_and_the_rest_go_on(pool):
    items = ["a", "raise", "b", "raise", "c"]
    got = results_by_index(pool.map(pool_tasks.misbehave, items, {}, timeout_s=30))
    assert [got[i][0] for i in range(5)] == ["ok", "error", "ok", "error", "ok"]
    assert isinstance(got[1][1], ValueError) and "bad item raise" in str(got[1][1])
    assert [got[i][1] for i in (0, 2, 4)] == ["A", "B", "C"]


def test_a_worker_that_dies_costs_its_item_only_and_is_replaced(pool):
    items = ["a", "kill", "b", "exit", "c", "kill", *[f"x{i}" for i in range(50)]]
    got = results_by_index(pool.map(pool_tasks.misbehave, items, {}, timeout_s=30))
    assert got[1] == ("crashed", -9) and got[5] == ("crashed", -9)
    assert got[3] == ("crashed", 7)
    assert all(got[i] == ("ok", item.upper()) for i, item in enumerate(items)
               if item not in ("kill", "exit"))
    # the pool still has its two workers for the next phase
    pids = {pid for _, _, (_, pid, _) in pool.map(pool_tasks.pid_and_context, list(range(40)),
                                                   None, timeout_s=30)}
    assert 1 <= len(pids) <= 2


def test_a_hanging_task_times_out_and_its_worker_is_killed(pool, tmp_path):
    pid_file = tmp_path / "pid"
    items = ["hang", *[f"x{i}" for i in range(20)]]
    start = time.monotonic()
    got = results_by_index(pool.map(pool_tasks.misbehave, items, {"pid_file": str(pid_file)},
                             timeout_s=1.0))
    elapsed = time.monotonic() - start
    assert got[0] == ("timeout", 1.0)
    assert all(got[i] == ("ok", f"X{i - 1}") for i in range(1, 21))
    assert elapsed < 10
    _gone(int(pid_file.read_text()))


def test_one_pool_serves_phases_with_their_own_context_on_the_same_workers(pool):
    first = list(pool.map(pool_tasks.pid_and_context, list(range(30)), "headers", timeout_s=30))
    second = list(pool.map(pool_tasks.pid_and_context, list(range(30)), {"work": 1},
                           timeout_s=30))
    assert {v[2] for _, _, v in first} == {"headers"}
    assert {str(v[2]) for _, _, v in second} == {"{'work': 1}"}
    pids = {v[1] for _, _, v in first + second}
    assert len(pids) <= pool.size and os.getpid() not in pids


def test_no_items_start_no_workers():
    p = WorkerPool(4)
    start = time.monotonic()
    assert list(p.map(pool_tasks.draw, [], {"seed": 1}, timeout_s=1)) == []
    p.close()
    assert time.monotonic() - start < 0.5


def test_a_caller_that_stops_kills_the_busy_workers(tmp_path):
    pid_file = tmp_path / "pid"
    p = WorkerPool(2)
    results = p.map(pool_tasks.misbehave, ["hang", "a"], {"pid_file": str(pid_file)},
                    timeout_s=600)
    assert next(results) == (1, "ok", "A")
    while not (pid_file.exists() and pid_file.read_text()):
        time.sleep(0.01)
    results.close()  # the caller stops (Ctrl-C, an error) while "hang" runs
    _gone(int(pid_file.read_text()))
    p.close()


def test_make_pool_gives_a_local_pool_of_the_requested_size():
    p = make_pool("local", 3)
    assert isinstance(p, WorkerPool) and p.size == 3
    assert WorkerPool(0).size == 1


def _gone(pid: int, wait_s: float = 5.0) -> None:
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.02)
    pytest.fail(f"worker {pid} still runs")
