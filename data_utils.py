"""CIFAR-10 loading and the worksheet's preprocessing.

Where the data comes from (``locate_cifar10``): the folder named by the environment variable
``CIFAR10_DIR`` if set; else the bundle's ``datasets/cifar-10-batches-py`` once
``./get_datasets.sh`` has downloaded, verified and marked it complete; else the offline
synthetic stand-in ``datasets/cifar-10-synthetic``, written on first use by ``ensure_synthetic``.
``available_datasets`` lists the sets present; every tool finds the data with these two.
Batches are pickles, so they are read with an unpickler that rebuilds numpy arrays and
refuses every other object: loading a file never runs code from it.
"""
import os
import pickle
import warnings
from pathlib import Path

import numpy as np

import cifar_synthetic
from classifiers._validation import check_scalar, make_rng

DATASETS_DIR = Path(__file__).resolve().parent / "datasets"
CIFAR10_NAME = "cifar-10-batches-py"     # get_datasets.sh's folder in DATASETS_DIR
SYNTHETIC_NAME = "cifar-10-synthetic"    # cifar_synthetic's folder in DATASETS_DIR
COMPLETE_MARKER = ".complete"            # written by get_datasets.sh after verification
# get_CIFAR10_data's defaults: the notebook's splits, on which graders measure its weights too.
SPLIT_SIZES = {"num_training": 49000, "num_validation": 1000, "num_test": 1000, "num_dev": 500}
FETCH_HINT = ("run ./get_datasets.sh to download CIFAR-10, ./get_datasets.sh --synthetic "
              "for the offline stand-in, or set CIFAR10_DIR to a folder holding data_batch_*")
_RECONSTRUCT = np.empty(0).__reduce__()[0]     # numpy's _reconstruct, wherever numpy keeps it


class _NumpyOnlyUnpickler(pickle.Unpickler):
    """Unpickler for CIFAR-10 batches: the only globals it resolves are the four that
    numpy 1.x or 2.x name to rebuild an array; everything else (os.system, ...) is refused.
    """

    ALLOWED = {("numpy.core.multiarray", "_reconstruct"): _RECONSTRUCT,
               ("numpy._core.multiarray", "_reconstruct"): _RECONSTRUCT,
               ("numpy", "ndarray"): np.ndarray, ("numpy", "dtype"): np.dtype}

    def find_class(self, module, name):
        if (module, name) not in self.ALLOWED:
            raise pickle.UnpicklingError(f"refusing to load {module}.{name}: a CIFAR-10 batch "
                                         "holds only numpy arrays, lists, strings and numbers")
        return self.ALLOWED[module, name]


def _load_pickle(filename):
    """Unpickle a CIFAR-10 file safely, 8-bit strings read as latin-1 (as written by Python 2)."""
    if not Path(filename).is_file():
        raise FileNotFoundError(f"{filename} not found: {FETCH_HINT}")
    with open(filename, "rb") as f:
        try:
            return _NumpyOnlyUnpickler(f, encoding="latin1").load()
        except Exception as err:        # truncated, corrupt or hostile: say which file
            raise ValueError(f"{filename} is not a readable CIFAR-10 file: {err}") from err


def _read_batch(filename):
    """The raw batch: data (n, 3072) uint8 with channel-major rows, labels (n,) int64."""
    batch = _load_pickle(filename)
    data = batch.get("data") if isinstance(batch, dict) else None
    if not (isinstance(data, np.ndarray) and data.dtype == np.uint8 and data.ndim == 2
            and data.shape[1] == 3072):
        got = f"{data.dtype} {data.shape}" if isinstance(data, np.ndarray) else type(data).__name__
        raise ValueError(f"{filename}: 'data' must be a uint8 array of shape (n, 3072), got {got}")
    labels = np.asarray(batch.get("labels"))
    if (labels.shape != (len(data),) or labels.dtype.kind not in "iu"
            or np.any((labels < 0) | (labels > 9))):
        raise ValueError(f"{filename}: 'labels' must be {len(data)} integers in 0..9, got "
                         f"{labels.dtype} {labels.shape}")
    return data, labels.astype(np.int64)


def _to_nhwc(data):
    """Rows (n, 3072) in channel-major order -> (n, 32, 32, 3) views in NHWC order."""
    return data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)


def _batch_files(ROOT):
    """The five training batch paths and the test batch path; FileNotFoundError without ROOT."""
    root = Path(ROOT)
    if not root.is_dir():
        raise FileNotFoundError(f"CIFAR-10 folder {root} not found: {FETCH_HINT}")
    return [root / f"data_batch_{b}" for b in range(1, 6)], root / "test_batch"


def _name(folder):
    """'synthetic' if the folder holds cifar_synthetic's marker file, else 'cifar10'."""
    return "synthetic" if (Path(folder) / cifar_synthetic.MARKER).is_file() else "cifar10"


def available_datasets():
    """The datasets present, {'cifar10' and/or 'synthetic': folder}; nothing is written.

    In order, the first folder of each name kept: ``CIFAR10_DIR``, the bundle's verified
    download (with its completion marker), the bundle's synthetic set (with its marker).
    A folder counts when it holds ``data_batch_1``; it is synthetic when it holds the marker.
    """
    real, synthetic = DATASETS_DIR / CIFAR10_NAME, DATASETS_DIR / SYNTHETIC_NAME
    folders = [os.environ.get("CIFAR10_DIR") or None,
               real if (real / COMPLETE_MARKER).is_file() else None,
               synthetic if (synthetic / cifar_synthetic.MARKER).is_file() else None]
    found = {}
    for folder in filter(None, folders):
        if (Path(folder) / "data_batch_1").is_file():
            found.setdefault(_name(folder), Path(folder))
    return found


def ensure_synthetic():
    """The bundle's synthetic set's folder (a Path), written first if missing (180 MB)."""
    folder = DATASETS_DIR / SYNTHETIC_NAME
    if not (folder / cifar_synthetic.MARKER).is_file():
        cifar_synthetic.write_dataset(folder)
    return folder


def locate_cifar10(cifar10_dir=None):
    """The dataset to use: ``cifar10_dir`` if given, else ``CIFAR10_DIR`` if set and not
    empty, else the bundle's verified download, else its synthetic set (written if missing).

    Returns
    -------
    path : Path
        The folder holding ``data_batch_1`` .. ``data_batch_5`` and ``test_batch``.
    name : str
        ``'synthetic'`` if the folder holds the ``SYNTHETIC`` marker, else ``'cifar10'``.
    """
    path = cifar10_dir if cifar10_dir is not None else os.environ.get("CIFAR10_DIR") or None
    if path is None:
        real = DATASETS_DIR / CIFAR10_NAME
        if real.exists() and not (real / COMPLETE_MARKER).is_file():
            warnings.warn(f"{real} has no completion marker, so the synthetic set is used; "
                          "run ./get_datasets.sh --verify to check and mark it", stacklevel=2)
        path = available_datasets().get("cifar10") or ensure_synthetic()
    return Path(path), _name(path)


def load_CIFAR_batch(filename):
    """Load one CIFAR-10 batch file (a path).

    Returns
    -------
    X : ndarray of shape (n, 32, 32, 3), float64
        Images in NHWC order, pixel values 0..255 (n = 10000 in the real files).
    Y : ndarray of shape (n,), int64
        Labels in 0..9.
    """
    data, Y = _read_batch(filename)
    return _to_nhwc(data).astype(np.float64, order="C"), Y


def load_CIFAR10(ROOT):
    """Load all of CIFAR-10 from the folder ROOT (a path), as float64 images in NHWC order.

    Returns
    -------
    Xtr : ndarray of shape (50000, 32, 32, 3)
    Ytr : ndarray of shape (50000,)
    Xte : ndarray of shape (10000, 32, 32, 3)
    Yte : ndarray of shape (10000,)
    """
    train_files, test_file = _batch_files(ROOT)
    data, Ytr = zip(*(_read_batch(f) for f in train_files))
    Xtr = _to_nhwc(np.concatenate(data)).astype(np.float64, order="C")
    return (Xtr, np.concatenate(Ytr)) + load_CIFAR_batch(test_file)


def load_class_names(cifar10_dir=None):
    """The ten class names (list of str) from ``batches.meta`` of the dataset
    ``locate_cifar10(cifar10_dir)`` picks, for titles and legends.
    """
    meta_file = locate_cifar10(cifar10_dir)[0] / "batches.meta"
    meta = _load_pickle(meta_file)
    names = meta.get("label_names") if isinstance(meta, dict) else None
    if not (isinstance(names, list) and len(names) == 10
            and all(isinstance(n, str) for n in names)):
        raise ValueError(f"{meta_file}: 'label_names' must be 10 strings, got {names!r:.80}")
    return names


def _rows_with_bias(n):
    """An (n, 3073) float64 array whose last column, the bias feature, is 1."""
    X = np.empty((n, 3073))
    X[:, -1] = 1.0
    return X


def get_CIFAR10_data(num_training=SPLIT_SIZES["num_training"],
                     num_validation=SPLIT_SIZES["num_validation"], num_test=SPLIT_SIZES["num_test"],
                     num_dev=SPLIT_SIZES["num_dev"], seed=0, cifar10_dir=None):
    """Load the dataset ``locate_cifar10`` picks and preprocess it as the worksheet does.

    Train = the first num_training training images, validation = the next num_validation,
    test = the first num_test test images, dev = num_dev train rows drawn without
    replacement. Rows are flattened in NHWC order, the training mean image is subtracted from
    all four, and a bias column of ones is appended (D = 3073). The images are decoded
    straight into one float64 array and centred in place: about 1.3 GiB at full size.

    Parameters
    ----------
    num_training, num_validation, num_test, num_dev : int
        Split sizes, ``SPLIT_SIZES`` by default; on CIFAR-10, num_training + num_validation
        <= 50000, num_test <= 10000 and num_dev <= num_training.
    seed : int or None
        Seed of the dev draw, ``np.random.default_rng(seed)``; None takes one from numpy's
        global generator, so that ``np.random.seed`` makes the draw repeatable.
    cifar10_dir : str or Path, optional
        Dataset folder, passed to ``locate_cifar10``.

    Returns
    -------
    X_train, y_train, X_val, y_val, X_test, y_test, X_dev, y_dev : ndarray
        X_* float64 of shape (N, 3073) and y_* int64 of shape (N,), N the split's size.
    """
    for name, value, minimum in (("num_training", num_training, 1), ("num_test", num_test, 0),
                                 ("num_validation", num_validation, 0), ("num_dev", num_dev, 0)):
        check_scalar(value, name, int, min_val=minimum)
    rng = make_rng(seed)                                      # checks seed before the loading
    if num_dev > num_training:
        raise ValueError(f"num_dev must be <= num_training = {num_training}, got {num_dev}")
    path, _ = locate_cifar10(cifar10_dir)
    train_files, test_file = _batch_files(path)
    X = _rows_with_bias(num_training + num_validation)
    y = np.empty(len(X), dtype=np.int64)
    filled = 0
    for filename in train_files:
        if filled < len(X):
            data, labels = _read_batch(filename)
            take = min(len(data), len(X) - filled)
            X[filled:filled + take, :-1] = _to_nhwc(data[:take]).reshape(take, 3072)
            y[filled:filled + take], filled = labels[:take], filled + take
    if filled < len(X):
        raise ValueError(f"num_training + num_validation must be <= {filled}, the training "
                         f"images in {path}, got {len(X)}")
    data, y_test = _read_batch(test_file)
    if num_test > len(data):
        raise ValueError(f"num_test must be <= {len(data)}, the test images in {path}, "
                         f"got {num_test}")
    X_test = _rows_with_bias(num_test)
    X_test[:, :-1] = _to_nhwc(data[:num_test]).reshape(num_test, 3072)
    X_train, X_val = X[:num_training], X[num_training:]      # views: no copies
    # integer pixels: the float64 sums are exact, so this is X_train's mean to the last bit
    mean_image = X_train[:, :-1].mean(axis=0)
    for part in (X_train, X_val, X_test):
        part[:, :-1] -= mean_image                            # in place
    mask = rng.choice(num_training, num_dev, replace=False)
    y_train, y_val = y[:num_training], y[num_training:]
    return X_train, y_train, X_val, y_val, X_test, y_test[:num_test], X_train[mask], y_train[mask]
