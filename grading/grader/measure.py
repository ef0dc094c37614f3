"""The grader's own accuracy of the tuned classifier, from the weights the notebook saves.

The notebook's last cell saves the tuned softmax classifier's W, of shape (D + 1, C), as
`tasks.BEST_W_FILE` beside the notebook (np.save). After re-execution, `nbgrade` reads it
back from the run folder only as a plain file (`nbgrade.plain_file`) and hands it here.
Its header is checked before any array is made (a float array of two dimensions whose
declared size is the bytes present, at most MAX_BYTES), it is loaded without pickle, and
it must be finite and of the shape the dataset's preprocessing gives. The validation and
test accuracy are then computed in the grader's process, never in student code: the
bundle's own `data_utils.get_CIFAR10_data` at `data_utils.SPLIT_SIZES`, the notebook's
splits, and predictions the argmax of the scores X W. Region code can print any accuracy
it likes; these numbers are the grader's.
"""

import io
import math
import os
from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np

import data_utils
from grading import tasks

# Where the run folder holds the weights: beside the notebook, whose folder the kernel runs in.
WEIGHTS = str(PurePosixPath(tasks.NOTEBOOK).parent / tasks.BEST_W_FILE)
NUM_CLASSES = 10       # C: CIFAR-10's labels 0..9, as data_utils reads them
MAX_BYTES = 1 << 20    # a (3073, 10) float64 W takes 246 KB
HEADERS = {(1, 0): np.lib.format.read_array_header_1_0,   # the versions np.save writes
           (2, 0): np.lib.format.read_array_header_2_0}   # for a numeric array


def read_weights(path: Path | str) -> tuple[np.ndarray | None, str | None]:
    """(W as float64, None) from the .npy file at path, or (None, why it is not trusted).

    W must be a float32 or float64 array of two dimensions, all finite. The header is
    read first, so a file declaring a huge array is refused without making it.
    """
    with open(path, "rb") as f:
        data = f.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        return None, f"the file must hold at most {MAX_BYTES} bytes, got more"
    stream = io.BytesIO(data)
    try:
        version = np.lib.format.read_magic(stream)
        if version not in HEADERS:
            raise ValueError(f"version {version} is not one np.save writes for numbers")
        shape, _, dtype = HEADERS[version](stream)
    except ValueError as error:
        return None, f"the file must be a .npy file as np.save writes it: {str(error)[:200]}"
    if not (dtype.kind == "f" and dtype.itemsize in (4, 8) and len(shape) == 2):
        return None, f"W must be a float32 or float64 array of 2 dimensions, got {dtype} {shape}"
    declared, held = math.prod(shape) * dtype.itemsize, len(data) - stream.tell()
    if declared != held:
        return None, (f"W's header declares {shape} {dtype}, {declared} bytes, but the file "
                      f"holds {held} after it")
    W = np.load(io.BytesIO(data), allow_pickle=False).astype(np.float64)
    if not np.isfinite(W).all():
        return None, "W must be finite, got NaN or infinite entries"
    return W, None


def unread(path: Path | str) -> str:
    """Why the weights at path were not read back: missing, or not a plain file."""
    if os.path.lexists(path):
        return f"{WEIGHTS} is not a regular file reached through no link: not read"
    return f"{WEIGHTS} is missing: the notebook's last cell saves the tuned classifier's W there"


def entry(folder: Path, path: Path | None, data: Path | None) -> dict[str, Any]:
    """The report's accuracy_measured and weights, for the notebook's run folder.

    path is folder's weights file as `nbgrade.plain_file` reads it back: None when it is
    missing, a link, or not a regular file.
    """
    found, note = measure(path, data) if path else (None, unread(folder / WEIGHTS))
    return {"accuracy_measured": found, "weights": note}


def measure(path: Path | str, data: Path | str | None,
            sizes: Mapping[str, int] | None = None) -> tuple[dict[str, float] | None, str]:
    """({"val": ..., "test": ...}, note) for the weights file at path, or (None, why not).

    Parameters
    ----------
    path : Path
        The saved W, a plain file (`nbgrade.plain_file`).
    data : Path
        The dataset folder the notebook re-executed on.
    sizes : dict, optional
        Split sizes for `data_utils.get_CIFAR10_data`; `data_utils.SPLIT_SIZES` by default.
    """
    W, problem = read_weights(path)
    if W is None:
        return None, f"{WEIGHTS} not trusted: {problem}"
    try:
        _, _, X_val, y_val, X_test, y_test, _, _ = data_utils.get_CIFAR10_data(
            cifar10_dir=data, **(sizes or data_utils.SPLIT_SIZES))
    except (OSError, ValueError) as error:
        return None, f"the grader could not load its dataset to measure {WEIGHTS}: {error}"
    expected = (X_val.shape[1], NUM_CLASSES)
    if W.shape != expected:
        return None, f"{WEIGHTS} not trusted: W must have shape {expected}, got {W.shape}"
    accuracy = {split: float(np.mean(np.argmax(X @ W, axis=1) == y))
                for split, X, y in (("val", X_val, y_val), ("test", X_test, y_test))}
    return accuracy, (f"measured by the grader from {WEIGHTS} on {len(y_val)} validation and "
                      f"{len(y_test)} test images")
