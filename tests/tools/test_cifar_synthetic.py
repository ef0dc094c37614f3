"""cifar_synthetic: the offline dataset is deterministic to the byte, in CIFAR-10's exact
python format, spread like CIFAR-10, and readable by data_utils. The format is checked with
the standard library's pickle and pickletools, not with the bundle's loader."""

import hashlib
import inspect
import pickle
import pickletools
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import cifar_pickle
import cifar_synthetic
import data_utils

import cifar_fixtures

BUNDLE = Path(__file__).resolve().parents[2]
FILES = [f"data_batch_{b}" for b in range(1, 6)] + ["test_batch", "batches.meta", "SYNTHETIC"]

# SHA-256 of `python -m cifar_synthetic --num-train 500 --num-test 100` (seed 0). Image i of a
# split does not depend on the set's size, so these also pin the first images of the full set.
SMALL_SET_SHA256 = {
    "data_batch_1": "75b9ad702cda6a3239ee71a0c76b9ec93ab91566f7a5c2f26fd71042e6c7ac5f",
    "data_batch_2": "ffeb3c6a160d1a88f3f7b1dd2f5be8460d1626e17695922945d672404ca4a3af",
    "data_batch_3": "a53aa9e10b7f371c2bf3ce8a3a49b4c7c4c883a3685bf05eb7782cb69f429817",
    "data_batch_4": "ec5691fb8a3f74f24cf1c9de2c57f19d7a5d81cfa5bcf58f79f17146846108b4",
    "data_batch_5": "ecef89535f0a97841b9219572a83dfed5d3bb82bc624c0c6c3c4a7dc2a07bf33",
    "test_batch": "a2267e8a067fa98cd80f62844d4146cb3a29aa59d745fd6e8b9a541590321c37",
    "batches.meta": "7e763b27d6df1cd9fef3e7b62812fb65c0c30a700122917ead7e06abfd75795f",
    "SYNTHETIC": "58afaab398fe618848cfd28507117731fb518f569b2ef6380a8633b65c15098c",
}


def sha256(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def plain_load(path):
    with open(path, "rb") as f:
        return pickle.load(f, encoding="latin1")


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """The small set, written through the command line as a user would."""
    out = tmp_path_factory.mktemp("synthetic") / "cifar-10-synthetic"
    subprocess.run([sys.executable, "-m", "cifar_synthetic", "--out", str(out),
                    "--num-train", "500", "--num-test", "100"], cwd=BUNDLE, check=True,
                   capture_output=True)
    return out


def test_files_are_pinned(small):
    assert sorted(p.name for p in small.iterdir()) == sorted(FILES)
    assert {name: sha256(small / name) for name in FILES} == SMALL_SET_SHA256


def test_python_api_writes_the_same_bytes(small, tmp_path):
    out = cifar_synthetic.write_dataset(tmp_path / "again", num_train=500, num_test=100)
    assert {name: sha256(out / name) for name in FILES} == SMALL_SET_SHA256
    assert sorted(p.name for p in tmp_path.iterdir()) == ["again"]       # no temporary left


def test_numpy_integer_arguments_write_the_same_bytes(tmp_path):
    out = cifar_synthetic.write_dataset(tmp_path / "np", seed=np.int64(0),
                                        num_train=np.int64(500), num_test=np.int32(100))
    assert {name: sha256(out / name) for name in FILES} == SMALL_SET_SHA256


def test_pickle_writer_round_trips_through_the_standard_unpickler():
    # Every opcode branch: ints of each width, short and long strings, bytes, tuples of 0 to
    # 4 items, a list of more than one batch of 1000, a dict with a batch of one.
    obj = {"ints": [0, 255, 256, 65535, 65536, -1, -2**31], "none": None, "false": False,
           "strings": ["", "é" * 300, b"\x00\xff"], "tuples": [(), (1,), (1, 2), (1, 2, 3),
                                                                (1, 2, 3, 4)],
           "long": list(range(2500)), "one": {"k": "v"}}
    expected = dict(obj, strings=["", "é" * 300, "\x00\xff"])      # 8-bit strings read as str
    chunks = cifar_pickle.py2_pickle(obj)
    assert pickle.loads(b"".join(chunks), encoding="latin1") == expected
    with pytest.raises(TypeError, match="cannot pickle float"):
        cifar_pickle.py2_pickle([1.5])


def test_images_do_not_depend_on_the_set_size(small, tmp_path):
    bigger = cifar_synthetic.write_dataset(tmp_path / "bigger", num_train=1000, num_test=200)
    for name, rows in [("data_batch_1", 100), ("test_batch", 100)]:
        a, b = plain_load(small / name), plain_load(bigger / name)
        np.testing.assert_array_equal(a["data"], b["data"][:rows])
        assert a["labels"] == b["labels"][:rows]


def test_defaults_are_the_full_size_set_in_the_bundle():
    parameters = inspect.signature(cifar_synthetic.write_dataset).parameters
    defaults = {name: p.default for name, p in parameters.items()}
    assert defaults == {"out_dir": BUNDLE / "datasets" / "cifar-10-synthetic", "seed": 0,
                        "num_train": 50000, "num_test": 10000}
    assert cifar_synthetic.DEFAULT_DIR == data_utils.DATASETS_DIR / "cifar-10-synthetic"


def test_another_seed_gives_other_images(small, tmp_path):
    other = cifar_synthetic.write_dataset(tmp_path / "other", seed=1, num_train=500, num_test=100)
    same = plain_load(other / "data_batch_1")["data"] == plain_load(small / "data_batch_1")["data"]
    assert np.mean(same) < 0.1


def test_batches_have_cifar10s_keys_types_and_shapes(small):
    for k, name in enumerate(FILES[:6]):
        batch = plain_load(small / name)
        n = 100
        assert list(batch) == ["batch_label", "labels", "data", "filenames"]
        assert batch["batch_label"] == ("testing batch 1 of 1" if name == "test_batch"
                                        else f"training batch {k + 1} of 5")
        assert batch["data"].dtype == np.uint8 and batch["data"].shape == (n, 3072)
        assert batch["data"].flags.c_contiguous
        assert len(batch["labels"]) == n
        assert all(type(v) is int and 0 <= v <= 9 for v in batch["labels"])
        assert len(batch["filenames"]) == n and all(f.endswith(".png") for f in batch["filenames"])
    meta = plain_load(small / "batches.meta")
    assert meta == {"num_cases_per_batch": 100, "label_names": cifar_fixtures.LABEL_NAMES,
                    "num_vis": 3072}


@pytest.mark.parametrize("name", ["data_batch_1", "batches.meta"])
def test_pickles_are_in_python2s_form(small, name):
    ops = list(pickletools.genops((small / name).read_bytes()))
    assert ops[0][0].name == "PROTO" and ops[0][1] == 2
    names = {op.name for op, _, _ in ops}
    assert "SHORT_BINSTRING" in names
    assert not names & {"BINUNICODE", "SHORT_BINUNICODE", "BINBYTES", "SHORT_BINBYTES",
                        "STACK_GLOBAL", "FRAME"}
    if name == "data_batch_1":
        assert "BINSTRING" in names        # the 307200 pixel bytes
        globals_ = [arg for op, arg, _ in ops if op.name == "GLOBAL"]
        assert globals_ == ["numpy.core.multiarray _reconstruct", "numpy ndarray", "numpy dtype"]


def test_labels_cycle_through_every_class(small):
    for name in FILES[:6]:
        labels = np.array(plain_load(small / name)["labels"]).reshape(-1, 10)
        np.testing.assert_array_equal(np.sort(labels, axis=1), np.tile(np.arange(10), (10, 1)))


def test_pixels_are_spread_like_cifar10(small):
    data = np.concatenate([plain_load(small / name)["data"] for name in FILES[:6]])
    data = data.reshape(-1, 3, 1024)
    mean, std = data.mean(axis=(0, 2)), data.std(axis=(0, 2))
    assert np.all((mean > 105) & (mean < 135)), mean                    # CIFAR-10: 125, 123, 114
    assert np.all((std > 50) & (std < 75)), std                         # CIFAR-10: 63, 62, 67
    assert data.min() == 0 and data.max() == 255


def test_a_linear_model_learns_the_classes_but_not_perfectly(tmp_path):
    """Ridge regression on one-hot labels, written out with numpy (5000 training images):
    well above chance on the test batch, well below perfect, and fitting the training set
    better than the test set. The full-size numbers are in datasets/README.md."""
    out = cifar_synthetic.write_dataset(tmp_path / "s", num_train=5000, num_test=1000)
    batches = [plain_load(out / name) for name in FILES[:6]]
    X = np.concatenate([b["data"] for b in batches[:5]]).astype(float)
    y = np.concatenate([b["labels"] for b in batches[:5]])
    X_test, y_test = batches[5]["data"].astype(float), np.array(batches[5]["labels"])
    mean_image = X.mean(axis=0)
    X, X_test = (np.hstack([A - mean_image, np.ones((len(A), 1))]) for A in (X, X_test))
    W = np.linalg.solve(X.T @ X + 1e4 * len(X) * np.eye(3073), X.T @ np.eye(10)[y])
    train_accuracy = np.mean(np.argmax(X @ W, axis=1) == y)
    test_accuracy = np.mean(np.argmax(X_test @ W, axis=1) == y_test)
    assert 0.3 <= test_accuracy <= 0.6 and train_accuracy >= test_accuracy + 0.1


def test_marker_makes_the_loader_say_synthetic(small):
    assert data_utils.locate_cifar10(small) == (small, "synthetic")
    assert "not photographs" in (small / cifar_synthetic.MARKER).read_text()
    Xtr, Ytr, Xte, Yte = data_utils.load_CIFAR10(small)
    assert Xtr.shape == (500, 32, 32, 3) and Xte.shape == (100, 32, 32, 3)
    X_train, y_train = data_utils.get_CIFAR10_data(400, 90, 100, 50, cifar10_dir=small)[:2]
    assert X_train.shape == (400, 3073) and y_train.shape == (400,)
    assert data_utils.load_class_names(small) == list(cifar_synthetic.LABEL_NAMES)


def test_rewriting_replaces_a_synthetic_set(tmp_path):
    out = cifar_synthetic.write_dataset(tmp_path / "s", num_train=50, num_test=10)
    cifar_synthetic.write_dataset(out, num_train=100, num_test=10)
    assert len(plain_load(out / "data_batch_1")["labels"]) == 20
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s"]


def test_refuses_to_replace_another_folder(tmp_path):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep me")
    with pytest.raises(FileExistsError, match=r"mine exists and holds no SYNTHETIC file"):
        cifar_synthetic.write_dataset(tmp_path / "mine", num_train=50, num_test=10)
    assert sorted(p.name for p in (tmp_path / "mine").iterdir()) == ["notes.txt"]


@pytest.mark.parametrize("kwargs, message", [
    (dict(num_train=52), r"num_train must be a multiple of 5 \(five equal batches\), got 52"),
    (dict(num_train=0), r"num_train must be an integer >= 1, got 0"),
    (dict(num_train=50.0), r"num_train must be an integer >= 1, got 50\.0"),
    (dict(num_test=0), r"num_test must be an integer >= 1, got 0"),
    (dict(num_test=True), r"num_test must be an integer >= 1, got True"),
    (dict(seed=-1), r"seed must be an integer in \[0, 16777216\), got -1"),
    (dict(seed=2**24), r"seed must be an integer in \[0, 16777216\), got 16777216"),
    (dict(seed=np.int64(-1)), r"seed must be an integer in \[0, 16777216\), got np.int64\(-1\)"),
])
def test_bad_arguments_are_named(tmp_path, kwargs, message):
    with pytest.raises(ValueError, match=message):
        cifar_synthetic.write_dataset(tmp_path / "s", **{"num_train": 50, "num_test": 10, **kwargs})
    assert not (tmp_path / "s").exists()


def test_command_line_reports_bad_arguments(tmp_path):
    result = subprocess.run([sys.executable, "-m", "cifar_synthetic", "--out", str(tmp_path / "s"),
                             "--num-train", "7"], cwd=BUNDLE, capture_output=True, text=True)
    assert result.returncode == 2
    assert "num_train must be a multiple of 5 (five equal batches), got 7" in result.stderr


def test_keep_keeps_a_set_that_verifies_and_rewrites_one_that_does_not(tmp_path, monkeypatch,
                                                                       capsys):
    # The small set's pinned hashes stand in for the default set's known ones.
    monkeypatch.setitem(cifar_synthetic.KNOWN_SHA256, (0, 500, 100), SMALL_SET_SHA256)
    args = ["--out", str(tmp_path / "set"), "--num-train", "500", "--num-test", "100", "--keep"]
    cifar_synthetic.main(args)
    assert "wrote 500 training" in capsys.readouterr().out
    written = {name: (tmp_path / "set" / name).stat().st_mtime_ns for name in FILES}
    cifar_synthetic.main(args)
    assert "already there and verified" in capsys.readouterr().out
    assert {name: (tmp_path / "set" / name).stat().st_mtime_ns for name in FILES} == written
    with open(tmp_path / "set" / "test_batch", "r+b") as f:
        f.seek(-1, 2)
        f.write(b"\x00")
    cifar_synthetic.main(args)
    assert "wrote 500 training" in capsys.readouterr().out
    assert all(sha256(tmp_path / "set" / name) == digest
               for name, digest in SMALL_SET_SHA256.items())


def test_a_set_of_unknown_hashes_never_verifies(small):
    assert not cifar_synthetic.verifies(small, 0, 500, 100)
