"""Configuration of the public tests: the reproducible hypothesis profile, and a small
CIFAR-format dataset shared by the data tests.
"""

import pytest

import cifar_fixtures
import strategies

strategies.use_profile()

@pytest.fixture(scope="module")
def batches():
    return cifar_fixtures.random_batches(seed=3, batch_size=cifar_fixtures.BATCH_SIZE,
                                        num_test=cifar_fixtures.NUM_TEST)


@pytest.fixture(scope="module")
def folder(tmp_path_factory, batches):
    folder = tmp_path_factory.mktemp("cifar") / "cifar-10-batches-py"
    return cifar_fixtures.write_folder(folder, batches)
