"""The Dask executor gives the local executor's bytes: LocalCluster, a real
`dask scheduler` + `dask worker` pair on loopback, and a worker killed mid-run."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

pytest.importorskip("distributed")

from mediasynth.cli import main  # noqa: E402
from tests.engine.helpers import make_tree, tree_digest  # noqa: E402

DASK = str(Path(sys.executable).parent / "dask")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def source(tmp_path_factory) -> tuple[Path, dict]:
    root = tmp_path_factory.mktemp("dask")
    src = make_tree(root / "src", images=(("circle", 24), ("square", 12)), tones=(("sine", 6),),
                    size=256)
    (src / "square" / "zero.png").write_bytes(b"")
    ref = root / "ref"
    assert main(["expand", str(src), str(ref), "-n", "3", "--split", "0.8,0.2", "-q",
                 "--no-report"]) == 3
    return src, tree_digest(ref)


def _assert_same_tree(out: Path, reference: dict) -> None:
    got = tree_digest(out)
    assert got == reference


def test_local_cluster_matches_the_local_pool(source, tmp_path):
    src, reference = source
    out = tmp_path / "out"
    assert main(["expand", str(src), str(out), "-n", "3", "--split", "0.8,0.2", "-q",
                 "--no-report", "--executor", "dask", "--workers", "2"]) == 3
    _assert_same_tree(out, reference)


@pytest.fixture
def cluster(tmp_path):
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    procs = [subprocess.Popen([DASK, "scheduler", "--host", "127.0.0.1", "--port", str(port),
                               "--no-dashboard"], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, env=env, start_new_session=True)]
    procs.append(subprocess.Popen([DASK, "worker", address, "--nworkers", "2", "--nthreads", "1",
                                   "--no-dashboard", "--local-directory", str(tmp_path / "dw")],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
                                  start_new_session=True))
    from distributed import Client

    deadline = time.monotonic() + 60
    while True:
        try:
            with Client(address, timeout="5s") as client:
                client.wait_for_workers(2, timeout=60)
            break
        except (OSError, TimeoutError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)
    yield address
    for p in procs:
        os.killpg(p.pid, signal.SIGTERM)
    for p in procs:
        try:
            p.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)


def test_scheduler_and_workers_on_loopback(source, cluster, tmp_path):
    src, reference = source
    out = tmp_path / "out"
    assert main(["expand", str(src), str(out), "-n", "3", "--split", "0.8,0.2", "-q",
                 "--no-report", "--executor", "dask", "--scheduler", cluster]) == 3
    _assert_same_tree(out, reference)


def test_a_worker_killed_mid_run_changes_nothing(source, cluster, tmp_path):
    from distributed import Client

    src, reference = source
    with Client(cluster) as client:
        pids = list(client.run(os.getpid).values())

    out = tmp_path / "out"
    rows_at_kill = []

    def kill_one_when_work_is_under_way():
        manifest = out / "manifest.jsonl"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if manifest.exists() and manifest.read_text().count("\n") >= 2:
                break
            time.sleep(0.01)
        rows_at_kill.append(manifest.read_text().count("\n") if manifest.exists() else 0)
        os.kill(pids[0], signal.SIGKILL)

    killer = threading.Thread(target=kill_one_when_work_is_under_way)
    killer.start()
    code = main(["expand", str(src), str(out), "-n", "3", "--split", "0.8,0.2", "-q",
                 "--no-report", "--executor", "dask", "--scheduler", cluster])
    killer.join()
    assert code == 3
    total = (out / "manifest.jsonl").read_text().count("\n")
    assert rows_at_kill and rows_at_kill[0] < total, "the kill must land mid-run"
    _assert_same_tree(out, reference)


def test_unreachable_scheduler_is_a_clear_error(source, tmp_path, capsys):
    src, _ = source
    address = f"tcp://127.0.0.1:{_free_port()}"
    assert main(["expand", str(src), str(tmp_path / "o"), "-q", "--executor", "dask",
                 "--scheduler", address]) == 1
    assert address in capsys.readouterr().err


def test_a_file_that_kills_its_worker_costs_one_source(tmp_path):
    """Tasks carry several sources; when Dask gives up on one (KilledWorker), its sources
    are retried one per task, so only the culprit fails."""
    import json

    import numpy as np
    from PIL import Image as PILImage

    src = tmp_path / "src"
    (src / "c").mkdir(parents=True)
    for i in range(12):
        value = 10 if i == 5 else 100 + i
        PILImage.fromarray(np.full((16, 16, 3), value, np.uint8)).save(src / "c" / f"{i:02d}.png")
    pipeline = tmp_path / "p.yaml"
    pipeline.write_text("version: 1\nvariants: 1\nimage:\n  - {type: image.test_crash_on_dark}\n")
    out = tmp_path / "out"
    root = Path(__file__).resolve().parents[2]
    code = subprocess.run([sys.executable, "-c",
                           "import sys, tests.engine.crashy; from mediasynth.cli import main; "
                           f"sys.exit(main(['expand', {str(src)!r}, {str(out)!r}, '-p', "
                           f"{str(pipeline)!r}, '-q', '--no-report', '--executor', 'dask', "
                           "'--workers', '2']))"],
                          env={**os.environ, "PYTHONPATH": str(root)}, cwd=root,
                          timeout=300).returncode
    assert code == 3
    rows = [json.loads(line) for line in (out / "manifest.jsonl").read_text().splitlines()]
    status = {r["source"]: r["status"] for r in rows}
    assert status.pop("c/05.png") == "failed"
    assert len(status) == 11 and set(status.values()) == {"ok"}


def test_a_local_cluster_does_not_import_pandas_into_the_client(source, tmp_path):
    """distributed preloads pandas and lz4 into a fork server it starts; ours runs already,
    so the client must not pay for importing them (0.3 s of its start-up)."""
    src, _ = source
    script = ("import sys; from mediasynth.cli import main; "
              "code = main(['expand', sys.argv[1], sys.argv[2], '-n', '1', '-q', '--no-report', "
              "'--executor', 'dask', '--workers', '1']); "
              "print(code, 'pandas' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", script, str(src), str(tmp_path / "out")],
                          capture_output=True, text=True, timeout=300,
                          cwd=Path(__file__).resolve().parents[2])
    assert done.stdout.split()[-2:] == ["3", "False"], done.stderr[-2000:]


SYNTH_ARGS = {"shapes": ["--count", "120", "--split", "0.8,0.1,0.1", "--set", "width=48",
                         "--set", "height=48"],
              "tones": ["--count", "30", "--split", "0.5,0.5", "--set",
                        "duration_s_range=[0.2, 0.4]", "--set", "sample_rate=8000"],
              "video": ["--count", "6", "--set", "duration_s=0.5", "--set", "width=48",
                        "--set", "height=32"]}


def _synth_tree(out: Path) -> dict:
    return {k: v for k, v in tree_digest(out).items() if not k.endswith(".mediasynth/lock")}


@pytest.fixture(scope="module")
def synth_reference(tmp_path_factory) -> dict[str, dict]:
    """Each generator's OUT made by the local pool."""
    root = tmp_path_factory.mktemp("synth-local")
    trees = {}
    for name, args in SYNTH_ARGS.items():
        assert main(["synth", name, str(root / name), "-q", "--no-report", "--workers", "2",
                     *args]) == 0
        trees[name] = _synth_tree(root / name)
    return trees


def test_synth_on_a_local_cluster_matches_the_local_pool(synth_reference, tmp_path):
    for name in ("shapes", "tones"):
        out = tmp_path / name
        assert main(["synth", name, str(out), "-q", "--no-report", "--executor", "dask",
                     "--workers", "2", *SYNTH_ARGS[name]]) == 0
        assert _synth_tree(out) == synth_reference[name]


def test_synth_on_scheduler_and_workers_matches_the_local_pool(synth_reference, cluster,
                                                               tmp_path):
    out = tmp_path / "video"
    assert main(["synth", "video", str(out), "-q", "--no-report", "--executor", "dask",
                 "--scheduler", cluster, *SYNTH_ARGS["video"]]) == 0
    assert _synth_tree(out) == synth_reference["video"]


def test_synth_items_that_fail_on_dask_are_reason_rows(synth_reference, tmp_path):
    """A raising item and an item that kills its Dask worker: each is a failed row, the
    other items have the local pool's bytes, exit 3 (in a fresh process, as a user runs
    it: the test generator is registered there)."""
    from mediasynth.engine import manifest as M

    out = tmp_path / "out"
    root = Path(__file__).resolve().parents[2]
    args = ["synth", "test_crashing_shapes", str(out), "-q", "--no-report", "--executor",
            "dask", "--workers", "2", "--set", "crash_at=[3]", "--set", "kill_at=[50]",
            *SYNTH_ARGS["shapes"]]
    code = subprocess.run([sys.executable, "-c",
                           "import sys\nfrom mediasynth.core import registry\n"
                           "from tests.engine.synth_crashy import CrashingShapes\n"
                           "registry._REGISTRY['synth.test_crashing_shapes'] = CrashingShapes\n"
                           "from mediasynth.cli import main\n"
                           "if __name__ == '__main__':\n"
                           f"    sys.exit(main({args!r}))\n"],
                          env={**os.environ, "PYTHONPATH": str(root)}, cwd=root,
                          timeout=300).returncode
    assert code == 3
    rows = M.read_manifest(out)
    failed = {r["variant"]: r["reason"]["code"] for r in rows if r["status"] != "ok"}
    assert failed == {3: "crashed", 50: "crashed"}
    tree = _synth_tree(out)
    same = {k: v for k, v in synth_reference["shapes"].items()
            if k.endswith(".png") and "_000003" not in k and "_000050" not in k}
    assert {k: tree[k] for k in same} == same


def test_asset_generators_on_a_local_cluster_match_the_local_pool(tmp_path):
    """Soundscapes (stems, reverb, no repeated source) and pasted-object scenes draw their
    assets in the workers: a LocalCluster writes the local pool's bytes."""
    from tests.synth.soundscape_material import make_background, make_foreground

    root = Path(__file__).resolve().parents[2]
    fg = make_foreground(tmp_path / "fg", per_label=4)
    bg = make_background(tmp_path / "bg", per_label=1)
    jobs = {"soundscape": ["--foreground", str(fg), "--background", str(bg), "--count", "8",
                           "--stems", "--split", "0.5,0.5", "--set", "duration_s=3",
                           "--set", "reverb=synthetic", "--set", "sample_rate=16000",
                           "--set", "allow_repeated_source=false",
                           "--set", "events_range=[1, 2]"],
            "scenes": ["--objects", str(root / "samples_coco"), "--backgrounds",
                       str(root / "samples" / "circle"), "--count", "8", "--set", "width=96",
                       "--set", "height=72"]}
    for name, args in jobs.items():
        local, dask = tmp_path / f"{name}-local", tmp_path / f"{name}-dask"
        assert main(["synth", name, str(local), "-q", "--no-report", "--workers", "2",
                     *args]) == 0
        assert main(["synth", name, str(dask), "-q", "--no-report", "--executor", "dask",
                     "--workers", "2", *args]) == 0
        assert _synth_tree(dask) == _synth_tree(local), name
