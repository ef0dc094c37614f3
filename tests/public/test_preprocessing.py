"""get_CIFAR10_data: the worksheet's preprocessing, its splits, its dev draw and its checks."""

import numpy as np
import pytest

import data_utils

import cifar_fixtures


def worksheet_preprocessing(folder, num_training, num_validation, num_test):
    """The worksheet's get_CIFAR10_data written out plainly (without the dev set)."""
    Xtr, Ytr, Xte, Yte = cifar_fixtures.reference_load(folder)
    val = slice(num_training, num_training + num_validation)
    X_val, y_val = Xtr[val], Ytr[val]
    X_train, y_train = Xtr[:num_training], Ytr[:num_training]
    X_test, y_test = Xte[:num_test], Yte[:num_test]
    X_train, X_val, X_test = (np.reshape(X, (X.shape[0], -1)) for X in (X_train, X_val, X_test))
    mean_image = np.mean(X_train, axis=0)
    parts = [np.hstack([X - mean_image, np.ones((X.shape[0], 1))])
             for X in (X_train, X_val, X_test)]
    return parts[0], y_train, parts[1], y_val, parts[2], y_test, mean_image


SIZES = dict(num_training=150, num_validation=50, num_test=20, num_dev=25)


def test_get_CIFAR10_data_is_the_worksheets_preprocessing(folder):
    got = data_utils.get_CIFAR10_data(**SIZES, cifar10_dir=folder)
    want = worksheet_preprocessing(folder, 150, 50, 20)
    for name, g, w in zip(["X_train", "y_train", "X_val", "y_val", "X_test", "y_test"], got, want):
        assert g.shape == w.shape, name
        np.testing.assert_array_equal(g, w, err_msg=name)
    X_dev, y_dev = got[6:]
    assert X_dev.shape == (25, 3073) and y_dev.shape == (25,)
    assert all(X.dtype == np.float64 for X in got[0:8:2])
    assert all(y.dtype == np.int64 for y in got[1:8:2])


def test_mean_image_is_numpys_mean(folder):
    X_train, _, X_val = data_utils.get_CIFAR10_data(**SIZES, cifar10_dir=folder)[:3]
    raw_train = cifar_fixtures.reference_load(folder)[0][:150].reshape(150, -1)
    mean_image = raw_train.mean(axis=0)
    assert np.max(np.abs((raw_train - X_train[:, :-1]) - mean_image)) <= 1e-12
    assert np.max(np.abs(X_train[:, :-1].mean(axis=0))) <= 1e-12          # centred
    raw_val = cifar_fixtures.reference_load(folder)[0][150:200].reshape(50, -1)
    assert np.max(np.abs(X_val[:, :-1] - (raw_val - mean_image))) <= 1e-12


def test_splits_do_not_overlap_and_carry_the_bias_column(folder):
    splits = data_utils.get_CIFAR10_data(**SIZES, cifar10_dir=folder)
    X_train, X_val, X_test, X_dev = splits[0::2]
    train_rows = {row.tobytes() for row in X_train}
    assert not train_rows & {row.tobytes() for row in X_val}
    assert {row.tobytes() for row in X_dev} <= train_rows
    for X in (X_train, X_val, X_test, X_dev):
        assert np.all(X[:, -1] == 1.0)


def test_dev_draw_is_repeatable(folder):
    def dev(seed):
        return data_utils.get_CIFAR10_data(**SIZES, seed=seed, cifar10_dir=folder)[6:]
    first, again, other = dev(0), dev(0), dev(1)
    np.testing.assert_array_equal(first[0], again[0])
    np.testing.assert_array_equal(first[1], again[1])
    assert not np.array_equal(first[0], other[0])
    np.random.seed(7)
    global_first = dev(None)
    np.random.seed(7)
    np.testing.assert_array_equal(global_first[0], dev(None)[0])


def test_numpy_integer_sizes_and_seed_are_accepted(folder):
    sizes = {name: np.int64(value) for name, value in SIZES.items()}
    got = data_utils.get_CIFAR10_data(**sizes, seed=np.int64(0), cifar10_dir=folder)
    expected = data_utils.get_CIFAR10_data(**SIZES, seed=0, cifar10_dir=folder)
    for a, b in zip(got, expected):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("sizes, message", [
    (dict(num_training=150, num_validation=51),
     r"num_training \+ num_validation must be <= 200, .* got 201"),
    (dict(num_test=31), r"num_test must be <= 30, the test images in .*, got 31"),
    (dict(num_training=10, num_dev=11), r"num_dev must be <= num_training = 10, got 11"),
    (dict(num_training=0), r"num_training must be an integer >= 1, got 0"),
    (dict(num_validation=-1), r"num_validation must be an integer >= 0, got -1"),
    (dict(num_test=2.5), r"num_test must be an integer >= 0, got 2.5"),
    (dict(num_dev=True), r"num_dev must be an integer >= 0, got True"),
    (dict(seed=-1), r"seed must be an integer >= 0, got -1"),
])
def test_bad_sizes_are_named(folder, sizes, message):
    with pytest.raises(ValueError, match=message):
        data_utils.get_CIFAR10_data(**{**SIZES, **sizes}, cifar10_dir=folder)
