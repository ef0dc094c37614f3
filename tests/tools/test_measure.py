"""The grader's own accuracy of the weights a notebook saves (`grading.grader.measure`).

The oracle preprocesses a small synthetic set itself, from the pickled batches, as the
worksheet describes (rows in NHWC order, the training mean image subtracted, a bias
column of ones), and predicts with the argmax of X W; it imports nothing of data_utils.
A file that is missing, a link, a FIFO, of the wrong shape or dtype, or not a .npy file is
reported and measured nothing. The last tests re-execute small notebooks in the sandbox:
one prints a forged accuracy record and gets the grader's numbers beside it.
"""

import io
import json
import os
import pickle
import re
import shutil

import mistune
import nbformat
import numpy as np
import pytest
from nbformat.v4 import new_code_cell, new_notebook, new_output

import data_utils
from grading import report, tasks
from grading.grader import measure, nbgrade
from grading.grader.workspace import Workspace
from grading.isolation import sandbox

from grading_fixtures import BUNDLE, small_synthetic

SIZES = {"num_training": 400, "num_validation": 100, "num_test": 100, "num_dev": 50}


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    return small_synthetic(tmp_path_factory.mktemp("data") / "cifar-10-synthetic", 500, 100)


def oracle_splits(folder, num_training, num_validation, num_test):
    """(X_train, y_train, X_val, y_val, X_test, y_test) preprocessed by hand from the batches."""
    def batch(name):
        with open(folder / name, "rb") as f:
            found = pickle.load(f, encoding="latin1")
        rows = found["data"].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1).reshape(-1, 3072)
        return rows.astype(np.float64), np.array(found["labels"])

    parts = [batch(f"data_batch_{b}") for b in range(1, 6)]
    X, y = np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])
    X_test, y_test = batch("test_batch")
    X, y = X[:num_training + num_validation], y[:num_training + num_validation]
    X_test, y_test = X_test[:num_test], y_test[:num_test]
    mean = X[:num_training].mean(axis=0)
    X, X_test = (np.hstack([part - mean, np.ones((len(part), 1))]) for part in (X, X_test))
    return X[:num_training], y[:num_training], X[num_training:], y[num_training:], X_test, y_test


def oracle_accuracy(W, folder):
    """{"val", "test"}: the fraction of argmax(X W) equal to y on the hand-made splits."""
    _, _, X_val, y_val, X_test, y_test = oracle_splits(
        folder, SIZES["num_training"], SIZES["num_validation"], SIZES["num_test"])
    return {"val": float(np.mean(np.argmax(X_val @ W, axis=1) == y_val)),
            "test": float(np.mean(np.argmax(X_test @ W, axis=1) == y_test))}


def fitted_W(folder):
    """Least-squares weights on the training split: well above chance, so a wrong split shows."""
    X, y = oracle_splits(folder, SIZES["num_training"], 0, 0)[:2]
    return np.linalg.lstsq(X, np.eye(10)[y], rcond=None)[0]


def saved(folder, W):
    """The weights file in folder, holding W as np.save writes it."""
    path = folder / measure.WEIGHTS
    path.parent.mkdir(parents=True, exist_ok=True)
    np.save(path, W)
    return path


def test_the_measure_equals_the_argmax_on_the_worksheets_preprocessing(data, tmp_path):
    W = fitted_W(data)
    expected = oracle_accuracy(W, data)
    assert expected["val"] > 0.2  # the weights are better than chance: the splits matter
    found, note = measure.measure(saved(tmp_path, W), data, SIZES)
    assert found == expected, note
    assert note.startswith(f"measured by the grader from {measure.WEIGHTS} on 100 validation")
    # float32, as a classifier trained on float32 data saves it, is measured in float64
    found, _ = measure.measure(saved(tmp_path, W.astype(np.float32)), data, SIZES)
    assert found == oracle_accuracy(W.astype(np.float32).astype(np.float64), data)


def test_the_split_sizes_are_the_notebooks(monkeypatch, data, tmp_path):
    """Without sizes, the measure uses data_utils.SPLIT_SIZES, get_CIFAR10_data's defaults."""
    defaults = data_utils.get_CIFAR10_data.__defaults__[:4]
    assert tuple(data_utils.SPLIT_SIZES.values()) == defaults == (49000, 1000, 1000, 500)
    monkeypatch.setattr(data_utils, "SPLIT_SIZES", SIZES)
    W = fitted_W(data)
    assert measure.measure(saved(tmp_path, W), data)[0] == oracle_accuracy(W, data)


def npy_header(shape, descr="<f8"):
    """The bytes of a .npy header declaring an array of shape, as np.save writes one."""
    stream = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        stream, {"descr": descr, "fortran_order": False, "shape": shape})
    return stream.getvalue()


def write_bad(path, kind):
    """Write the weights file of one kind of bad submission at path."""
    W = np.zeros((3073, 10))
    writers = {
        "transposed": lambda: np.save(path, W.T),
        "one dimension": lambda: np.save(path, W.ravel()),
        "integers": lambda: np.save(path, W.astype(np.int64)),
        "objects": lambda: np.save(path, np.array([{"W": W}], dtype=object), allow_pickle=True),
        "nan": lambda: np.save(path, np.where(np.eye(3073, 10) > 0, np.nan, 0.0)),
        "pickle": lambda: path.write_bytes(pickle.dumps(W)),
        "npz": lambda: np.savez(open(path, "wb"), W=W),
        "empty": lambda: path.write_bytes(b""),
        "truncated": lambda: path.write_bytes(npy_header((3073, 10)) + b"\0" * 800),
        "huge header": lambda: path.write_bytes(npy_header((10 ** 12, 10))),
        "too large": lambda: np.save(path, np.zeros((3073, 100))),
    }
    writers[kind]()


@pytest.mark.parametrize("kind, reason", [
    ("transposed", r"W must have shape \(3073, 10\), got \(10, 3073\)"),
    ("one dimension", r"W must be a float32 or float64 array of 2 dimensions, got float64 "
                      r"\(30730,\)"),
    ("integers", r"W must be a float32 or float64 array of 2 dimensions, got int64"),
    ("objects", r"W must be a float32 or float64 array of 2 dimensions, got object"),
    ("nan", r"W must be finite"),
    ("pickle", r"must be a \.npy file as np\.save writes it"),
    ("npz", r"must be a \.npy file as np\.save writes it"),
    ("empty", r"must be a \.npy file as np\.save writes it"),
    ("truncated", r"header declares \(3073, 10\) float64, 245840 bytes, but the file holds 800 "),
    ("huge header", r"header declares \(1000000000000, 10\) float64, 80000000000000 bytes, but "),
    ("too large", r"the file must hold at most 1048576 bytes"),
])
def test_a_bad_weights_file_is_reported_and_not_trusted(monkeypatch, data, tmp_path, kind,
                                                        reason):
    monkeypatch.setattr(data_utils, "SPLIT_SIZES", SIZES)
    path = tmp_path / measure.WEIGHTS
    path.parent.mkdir(parents=True)
    write_bad(path, kind)
    entry = measure.entry(tmp_path, nbgrade.plain_file(tmp_path, measure.WEIGHTS), data)
    assert entry["accuracy_measured"] is None
    assert entry["weights"].startswith(f"{measure.WEIGHTS} not trusted: ")
    assert re.search(reason, entry["weights"]), entry["weights"]


@pytest.mark.parametrize("kind", ["missing", "link", "link above", "fifo", "folder"])
def test_weights_not_read_back_as_a_plain_file_are_reported(data, tmp_path, kind):
    """A file the child left that is not a plain file reached through no link is never read."""
    good = saved(tmp_path / "elsewhere", fitted_W(data))
    path = tmp_path / "nb" / measure.WEIGHTS
    path.parent.mkdir(parents=True)
    if kind == "link":
        path.symlink_to(good)
    elif kind == "link above":
        path.parent.rmdir()
        path.parent.symlink_to(good.parent)
    elif kind == "fifo":
        os.mkfifo(path)  # reading it would wait for a writer that never comes
    elif kind == "folder":
        path.mkdir()
    plain = nbgrade.plain_file(tmp_path / "nb", measure.WEIGHTS)
    assert plain is None
    entry = measure.entry(tmp_path / "nb", plain, data)
    assert entry["accuracy_measured"] is None
    expected = "is missing" if kind == "missing" else "is not a regular file reached through no"
    assert entry["weights"].startswith(f"{measure.WEIGHTS} {expected}")


def test_a_dataset_the_grader_cannot_load_is_reported(data, tmp_path):
    found, note = measure.measure(saved(tmp_path, fitted_W(data)), data,
                                  {**SIZES, "num_training": 4000})
    assert found is None
    assert note.startswith("the grader could not load its dataset") and "must be <=" in note


# Re-executed in the sandbox: a notebook that loads the small set with the bundle's own
# preprocessing, trains, saves its W where the release's notebook does, and prints a forged
# record of its accuracy.
TRAIN = ["import json, os",
         "import numpy as np",
         "from classifiers import Softmax",
         "from data_utils import get_CIFAR10_data",
         "from grading.tasks import BEST_W_FILE",
         f"splits = get_CIFAR10_data(cifar10_dir=os.environ['CIFAR10_DIR'], **{SIZES!r})",
         "model = Softmax()",
         "model.train(splits[0], splits[1], learning_rate=1e-6, reg=10.0, num_iters=100,",
         "            batch_size=100, seed=0)",
         "np.save(BEST_W_FILE, model.W)"]
FORGED = {"dataset": "synthetic",
          "accuracy": {"softmax, tuned": {"train": 0.99, "val": 0.99, "test": 0.99}}}


def regrade(tmp_path, monkeypatch, data, cells):
    """The notebook entry of a submission (the solution's files) with the notebook of cells."""
    monkeypatch.setenv("CIFAR10_DIR", str(data))
    monkeypatch.setattr(data_utils, "SPLIT_SIZES", SIZES)
    for rel in tasks.SUBMISSION_FILES[:-1]:
        (tmp_path / "submission" / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(BUNDLE / rel, tmp_path / "submission" / rel)
    code = [new_code_cell("\n".join(lines), execution_count=i)
            for i, lines in enumerate(cells, 1)]
    code[-1].outputs = [new_output("stream", name="stdout", text=json.dumps(FORGED))]
    (tmp_path / "submission" / tasks.NOTEBOOK).parent.mkdir(parents=True)
    nbformat.write(new_notebook(cells=code), tmp_path / "submission" / tasks.NOTEBOOK)
    work = Workspace(tmp_path / "work")
    work.prepare(tmp_path / "submission", BUNDLE)
    return nbgrade.regrade(work, BUNDLE, timeout=300, sandboxed=True)


needs_sandbox = pytest.mark.skipif(sandbox.level() != "bubblewrap",
                                   reason="no bubblewrap sandbox on this machine")


@needs_sandbox
def test_a_forged_record_gets_the_graders_numbers_beside_it(tmp_path, monkeypatch, data):
    entry = regrade(tmp_path, monkeypatch, data,
                    [TRAIN, [f"print(json.dumps({FORGED!r}))"]])
    assert entry.status == nbgrade.EXECUTED
    assert entry.accuracy == FORGED["accuracy"]  # what the notebook printed, kept as such
    W = np.load(tmp_path / "work" / "nb" / measure.WEIGHTS, allow_pickle=False)
    expected = oracle_accuracy(W, data)
    assert entry.accuracy_measured == expected and 0.15 < expected["val"] < 0.99
    page = " ".join(mistune.html(report.Report("forger", {}, entry).markdown()).split())
    assert ("<td>measured by the grader</td> <td>tuned softmax, from its saved W</td> "
            f"<td>-</td> <td>{expected['val']:.3f}</td> <td>{expected['test']:.3f}</td>") in page
    assert ("<td>printed by the notebook</td> <td>softmax, tuned</td> <td>0.990</td> "
            "<td>0.990</td> <td>0.990</td>") in page


@needs_sandbox
def test_weights_the_child_links_elsewhere_are_reported_not_read(tmp_path, monkeypatch, data):
    link = ["import pathlib",
            "target = pathlib.Path('elsewhere.npy')",
            "pathlib.Path(BEST_W_FILE).rename(target)",
            "pathlib.Path(BEST_W_FILE).symlink_to(target.absolute())",
            f"print(json.dumps({FORGED!r}))"]
    entry = regrade(tmp_path, monkeypatch, data, [TRAIN, link])
    assert entry.status == nbgrade.EXECUTED and entry.accuracy == FORGED["accuracy"]
    assert entry.accuracy_measured is None
    assert "is not a regular file reached through no link: not read" in entry.weights
