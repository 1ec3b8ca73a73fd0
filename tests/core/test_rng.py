import subprocess
import sys

import numpy as np

from mediasynth.core.rng import output_rng, rng_from_record, seed_record, stable_hash


def test_stable_hash_is_the_same_in_another_process():
    code = "from mediasynth.core.rng import stable_hash; print(stable_hash('cats/a b.jpg'))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={"PYTHONHASHSEED": "123", "PATH": ""})
    assert int(out.stdout) == stable_hash("cats/a b.jpg")


def test_output_streams_depend_only_on_seed_path_variant():
    a = output_rng(7, "cats/1.jpg", 0).random(4)
    assert np.array_equal(a, output_rng(7, "cats/1.jpg", 0).random(4))
    assert not np.array_equal(a, output_rng(7, "cats/1.jpg", 1).random(4))
    assert not np.array_equal(a, output_rng(7, "cats/2.jpg", 0).random(4))
    assert not np.array_equal(a, output_rng(8, "cats/1.jpg", 0).random(4))


def test_seed_record_rebuilds_the_generator():
    rec = seed_record(3, "dogs/x.png", 5)
    assert np.array_equal(rng_from_record(rec).random(3), output_rng(3, "dogs/x.png", 5).random(3))
