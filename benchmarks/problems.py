"""Synthetic problems of CIFAR-10's shapes, generated in memory, and the sizes
of a full and a quick run.
"""

import dataclasses
import functools

import numpy as np


@dataclasses.dataclass(frozen=True)
class Sizes:
    """Shapes (N, D, C) of the dev and full problems, the SGD settings, and the earlier
    commit's tree (`benchmarks.before`) that rows comparing two commits time too, if any."""

    dev: tuple
    full: tuple
    num_iters: int
    batch_size: int
    quick: bool
    before: object = None


FULL = Sizes(dev=(500, 3073, 10), full=(49000, 3073, 10), num_iters=1500, batch_size=200,
             quick=False)
QUICK = Sizes(dev=(100, 257, 10), full=(2000, 257, 10), num_iters=50, batch_size=200,
              quick=True)


@functools.lru_cache(maxsize=2)
def cifar_like(num_train, dim, num_classes, seed=0):
    """A CIFAR-like problem: pixels in [0, 255], mean-subtracted, and a bias column.

    Cached, so every benchmark shares one copy of the 1.15 GiB full-size X; the
    arrays are read-only to keep any benchmark from changing what the next sees.

    Returns
    -------
    X : ndarray of shape (num_train, dim), float64
    y : ndarray of shape (num_train,)
        Labels drawn uniformly from [0, num_classes).
    """
    rng = np.random.default_rng(seed)
    X = np.empty((num_train, dim))
    X[:, :-1] = rng.integers(0, 256, size=(num_train, dim - 1), dtype=np.uint8)
    X[:, :-1] -= X[:, :-1].mean(axis=0)
    X[:, -1] = 1.0
    y = rng.integers(num_classes, size=num_train)
    X.flags.writeable = y.flags.writeable = False
    return X, y
