"""data_utils: safe loading of CIFAR-10 batches, locating the dataset, the worksheet's
preprocessing. Oracles: the original course loader (``pickle.load(..., encoding='latin1')``
plus reshape/transpose) and the worksheet's preprocessing written out plainly."""

import pickle
import pickletools
import subprocess
import sys

import numpy as np
import pytest

import cifar_fixtures
import cifar_synthetic
import data_utils

BATCH_SIZE, NUM_TEST = 40, 30          # 200 training images, 30 test images


@pytest.fixture(scope="module")
def batches():
    return cifar_fixtures.random_batches(seed=3, batch_size=BATCH_SIZE, num_test=NUM_TEST)


@pytest.fixture(scope="module")
def folder(tmp_path_factory, batches):
    folder = tmp_path_factory.mktemp("cifar") / "cifar-10-batches-py"
    return cifar_fixtures.write_folder(folder, batches)


@pytest.fixture
def bundle(tmp_path, monkeypatch):
    """A stand-in for the bundle's datasets/ folder, with CIFAR10_DIR unset."""
    monkeypatch.setattr(data_utils, "DATASETS_DIR", tmp_path / "datasets")
    monkeypatch.delenv("CIFAR10_DIR", raising=False)
    return tmp_path / "datasets"


# ----------------------------------------------------------------- loading one batch

def test_python2_batch_loads_in_nhwc_order(tmp_path):
    data = np.zeros((3, 3072), dtype=np.uint8)
    channel, row, col = 1, 5, 7
    data[2, channel * 1024 + row * 32 + col] = 200          # one green pixel of image 2
    blob = cifar_fixtures.py2_batch_pickle(data, [4, 0, 9])
    opcodes = {op.name for op, _, _ in pickletools.genops(blob)}
    assert {"SHORT_BINSTRING", "BINSTRING"} <= opcodes and "BINUNICODE" not in opcodes
    assert b"cnumpy.core.multiarray\n_reconstruct\n" in blob
    (tmp_path / "data_batch_1").write_bytes(blob)

    X, Y = data_utils.load_CIFAR_batch(tmp_path / "data_batch_1")

    assert X.shape == (3, 32, 32, 3) and X.dtype == np.float64 and X.flags.c_contiguous
    assert Y.shape == (3,) and Y.dtype.kind == "i" and Y.tolist() == [4, 0, 9]
    assert X[2, row, col, channel] == 200 and X.sum() == 200


@pytest.mark.parametrize("python3_batches", [False, True], ids=["python2", "python3"])
def test_load_CIFAR10_matches_the_original_loader(tmp_path, batches, python3_batches):
    root = cifar_fixtures.write_folder(tmp_path / "c", batches, python3_batches=python3_batches)
    Xtr, Ytr, Xte, Yte = data_utils.load_CIFAR10(root)
    expected = cifar_fixtures.reference_load(root)
    assert Xtr.shape == (5 * BATCH_SIZE, 32, 32, 3) and Xte.shape == (NUM_TEST, 32, 32, 3)
    assert Xtr.dtype == Xte.dtype == np.float64
    for got, want in zip((Xtr, Ytr, Xte, Yte), expected):
        np.testing.assert_array_equal(got, want)


def malicious_pickles(marker):
    """Pickles that create marker if anything executes them."""
    command = f"touch {marker}".encode()
    via_global = b"\x80\x02cos\nsystem\n" + cifar_fixtures.py2_string(command) + b"\x85R."
    via_stack_global = pickle.dumps(_Touch(str(marker)), protocol=4)
    in_a_batch = (b"\x80\x02}(" + cifar_fixtures.py2_string(b"data")
                  + b"cposix\nsystem\n" + cifar_fixtures.py2_string(command) + b"\x85Ru.")
    return {"os.system": via_global, "subprocess.call": via_stack_global,
            "posix.system": in_a_batch}


class _Touch:
    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return subprocess.call, (["touch", self.path],)


@pytest.mark.parametrize("name", ["os.system", "subprocess.call", "posix.system"])
def test_malicious_pickle_is_refused_and_never_runs(tmp_path, name):
    marker = tmp_path / "pwned"
    (tmp_path / "data_batch_1").write_bytes(malicious_pickles(marker)[name])
    message = rf"data_batch_1 is not a readable .*refusing to load {name}"
    with pytest.raises(ValueError, match=message):
        data_utils.load_CIFAR_batch(tmp_path / "data_batch_1")
    assert not marker.exists()


def test_the_malicious_pickles_are_real(tmp_path):
    """The plain unpickler does run them: the refusal above is what keeps the marker away."""
    for name, blob in malicious_pickles(tmp_path / "pwned").items():
        code = "import pickle, sys; pickle.loads(sys.stdin.buffer.read())"
        subprocess.run([sys.executable, "-c", code], input=blob, check=True)
        assert (tmp_path / "pwned").exists(), name
        (tmp_path / "pwned").unlink()


@pytest.mark.parametrize("keep", [0, 10, 0.5, -1], ids=["empty", "header", "half", "last-byte"])
def test_truncated_batch_names_the_file(tmp_path, batches, keep):
    blob = cifar_fixtures.py2_batch_pickle(*batches[0])
    keep = int(keep * len(blob)) if isinstance(keep, float) else keep
    (tmp_path / "data_batch_2").write_bytes(blob[:keep])
    with pytest.raises(ValueError, match=r"data_batch_2 is not a readable CIFAR-10 file"):
        data_utils.load_CIFAR_batch(tmp_path / "data_batch_2")


DATA_SHAPE = r"'data' must be a uint8 array of shape \(n, 3072\), got "
LABELS = r"'labels' must be 4 integers in 0..9"


@pytest.mark.parametrize("data, labels, message", [
    (np.zeros((4, 3071), np.uint8), [0] * 4, DATA_SHAPE + r"uint8 \(4, 3071\)"),
    (np.zeros((4, 3072), np.int16), [0] * 4, DATA_SHAPE + r"int16 \(4, 3072\)"),
    (np.zeros((4, 3072), np.uint8), [0] * 3, LABELS + r", got int64 \(3,\)"),
    (np.zeros((4, 3072), np.uint8), [0, 1, 2, 10], LABELS),
    (np.zeros((4, 3072), np.uint8), [0, 1, 2, -1], LABELS),
])
def test_wrongly_shaped_batch_names_the_file(tmp_path, data, labels, message):
    path = tmp_path / "test_batch"
    path.write_bytes(pickle.dumps({"data": data, "labels": labels}, protocol=4))
    with pytest.raises(ValueError, match=rf"test_batch: {message}"):
        data_utils.load_CIFAR_batch(path)


def test_missing_folder_names_it_and_the_fetch_command(tmp_path):
    message = r"nowhere not found: run ./get_datasets.sh .*--synthetic"
    with pytest.raises(FileNotFoundError, match=message):
        data_utils.load_CIFAR10(tmp_path / "nowhere")


def test_missing_batch_names_it(tmp_path, batches):
    root = cifar_fixtures.write_folder(tmp_path / "c", batches)
    (root / "data_batch_3").unlink()
    with pytest.raises(FileNotFoundError, match=r"data_batch_3 not found: run ./get_datasets.sh"):
        data_utils.load_CIFAR10(root)


def test_class_names(folder):
    assert data_utils.load_class_names(folder) == cifar_fixtures.LABEL_NAMES


# ----------------------------------------------------------------- locating the dataset

def write_small_synthetic(path, write_dataset=cifar_synthetic.write_dataset):
    write_dataset(path, num_train=50, num_test=10)


def test_cifar10_dir_names_the_dataset(tmp_path, folder, bundle, monkeypatch):
    monkeypatch.setenv("CIFAR10_DIR", str(folder))
    assert data_utils.locate_cifar10() == (folder, "cifar10")
    write_small_synthetic(tmp_path / "syn")
    monkeypatch.setenv("CIFAR10_DIR", str(tmp_path / "syn"))
    assert data_utils.locate_cifar10() == (tmp_path / "syn", "synthetic")
    assert data_utils.locate_cifar10(folder) == (folder, "cifar10")        # the argument wins
    assert not bundle.exists()


def test_default_is_the_bundles_verified_download(bundle, batches, tmp_path, monkeypatch):
    real = cifar_fixtures.write_folder(bundle / "cifar-10-batches-py", batches)
    (real / data_utils.COMPLETE_MARKER).touch()
    monkeypatch.chdir(tmp_path)              # resolved from the bundle, not the working folder
    monkeypatch.setenv("CIFAR10_DIR", "")    # empty counts as unset
    assert data_utils.locate_cifar10() == (real, "cifar10")


def test_default_falls_back_to_generating_the_full_synthetic_set(bundle, monkeypatch):
    calls = []

    def spy(out_dir, **sizes):
        calls.append(sizes)
        write_small_synthetic(out_dir)
    monkeypatch.setattr(cifar_synthetic, "write_dataset", spy)

    path, name = data_utils.locate_cifar10()
    assert (path, name) == (bundle / "cifar-10-synthetic", "synthetic")
    assert calls == [{}]                     # the defaults: the full 50000 + 10000 images
    assert data_utils.locate_cifar10() == (path, name) and len(calls) == 1
    assert data_utils.load_CIFAR10(path)[0].shape == (50, 32, 32, 3)


def test_unverified_download_is_passed_over_with_a_warning(bundle, batches, monkeypatch):
    cifar_fixtures.write_folder(bundle / "cifar-10-batches-py", batches)
    write_small_synthetic(bundle / "cifar-10-synthetic")
    with pytest.warns(UserWarning, match=r"no completion marker.*get_datasets.sh --verify"):
        assert data_utils.locate_cifar10() == (bundle / "cifar-10-synthetic", "synthetic")


def test_default_datasets_folder_is_beside_the_module():
    assert data_utils.DATASETS_DIR == cifar_synthetic.DEFAULT_DIR.parent
    assert data_utils.DATASETS_DIR.is_absolute() and data_utils.DATASETS_DIR.name == "datasets"


# ----------------------------------------------------------------- get_CIFAR10_data

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
