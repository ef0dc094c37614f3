"""data_utils: safe loading of CIFAR-10 batches, locating the dataset, the worksheet's
preprocessing. Oracles: the original course loader (``pickle.load(..., encoding='latin1')``
plus reshape/transpose) and the worksheet's preprocessing written out plainly.
"""

import pickle
import pickletools
import subprocess
import sys

import numpy as np
import pytest

import cifar_synthetic
import data_utils

import cifar_fixtures


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
    assert Xtr.shape == (5 * cifar_fixtures.BATCH_SIZE, 32, 32, 3) and Xte.shape == (
        cifar_fixtures.NUM_TEST, 32, 32, 3)
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
