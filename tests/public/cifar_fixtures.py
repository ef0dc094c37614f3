"""Small datasets in CIFAR-10's on-disk format, written independently of the bundle.

The Python-2 pickle is spelled out opcode by opcode (what cPickle wrote for the real
batches: protocol 2, keys and pixel bytes as 8-bit strings, ``numpy.core.multiarray
._reconstruct``), so the loader is tested against the real files' form, not against
whatever the bundle's own writer emits. An image is a row of 3072 bytes: 1024 red, then
1024 green, then 1024 blue, each channel row by row.
"""

import io
import pickle
import struct
import tarfile
from pathlib import Path

import numpy as np

LABEL_NAMES = ["airplane", "automobile", "bird", "cat", "deer",
               "dog", "frog", "horse", "ship", "truck"]

# The size of the small CIFAR-format set the data tests share (tests/public/conftest.py).
BATCH_SIZE, NUM_TEST = 40, 30          # 200 training images, 30 test images


def py2_string(b):
    """SHORT_BINSTRING (length < 256) or BINSTRING: an 8-bit string as Python 2 pickled it."""
    if len(b) < 256:
        return b"U" + bytes([len(b)]) + b
    return b"T" + struct.pack("<I", len(b)) + b


def py2_int(i):
    """BININT1, BININT2 or BININT."""
    if 0 <= i < 256:
        return b"K" + bytes([i])
    if 0 <= i < 65536:
        return b"M" + struct.pack("<H", i)
    return b"J" + struct.pack("<i", i)


def py2_uint8_array(data):
    """Numpy 1.x's reduction of a C-ordered uint8 array of shape (n, m), without memo opcodes."""
    n, m = data.shape
    dtype = (b"cnumpy\ndtype\n" + py2_string(b"u1") + b"K\x00K\x01\x87R"
             + b"(K\x03" + py2_string(b"|") + b"NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00tb")
    return (b"cnumpy.core.multiarray\n_reconstruct\n"
            + b"cnumpy\nndarray\nK\x00\x85" + py2_string(b"b") + b"\x87R"
            + b"(K\x01" + py2_int(n) + py2_int(m) + b"\x86" + dtype + b"\x89"
            + py2_string(data.tobytes()) + b"tb")


def py2_batch_pickle(data, labels, batch_label=b"training batch 1 of 5"):
    """The bytes of a batch file as Python 2 wrote it: a dict of 8-bit string keys."""
    items = [(b"batch_label", py2_string(batch_label)),
             (b"labels", b"](" + b"".join(py2_int(int(v)) for v in labels) + b"e"),
             (b"data", py2_uint8_array(data)),
             (b"filenames", b"](" + b"".join(py2_string(b"img_%05d.png" % i)
                                             for i in range(len(labels))) + b"e")]
    return b"\x80\x02}(" + b"".join(py2_string(k) + v for k, v in items) + b"u."


def py2_meta_pickle(names=LABEL_NAMES):
    """The bytes of batches.meta as Python 2 wrote it."""
    listed = b"](" + b"".join(py2_string(n.encode()) for n in names) + b"e"
    return (b"\x80\x02}(" + py2_string(b"num_cases_per_batch") + py2_int(10000)
            + py2_string(b"label_names") + listed + py2_string(b"num_vis") + py2_int(3072) + b"u.")


def random_batches(seed, batch_size, num_test):
    """Pixel rows and labels: five training batches and one test batch of random uint8 images.

    Returns
    -------
    list of (data (batch_size, 3072) uint8, labels (batch_size,) int64), then
    (data (num_test, 3072), labels (num_test,)) for the test batch.
    """
    rng = np.random.default_rng(seed)
    return [(rng.integers(0, 256, size=(n, 3072), dtype=np.uint8), rng.integers(0, 10, size=n))
            for n in [batch_size] * 5 + [num_test]]


def write_folder(folder, batches, python3_batches=False):
    """Write batches (as from random_batches) and batches.meta into folder, CIFAR-10's layout.

    python3_batches=True pickles the batches with today's pickle and numpy instead
    (protocol 4, str keys, ``numpy._core`` names on numpy 2).
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    names = [f"data_batch_{b}" for b in range(1, 6)] + ["test_batch"]
    for name, (data, labels) in zip(names, batches):
        if python3_batches:
            blob = pickle.dumps({"data": data, "labels": labels.tolist()}, protocol=4)
        else:
            blob = py2_batch_pickle(data, labels)
        (folder / name).write_bytes(blob)
    (folder / "batches.meta").write_bytes(py2_meta_pickle())
    return folder


def reference_load(folder):
    """Load a CIFAR-10 folder the way the original course code did: pickle with latin-1
    strings, then reshape to (n, 3, 32, 32) and transpose to NHWC float64.
    """
    def batch(name):
        with open(Path(folder) / name, "rb") as f:
            d = pickle.load(f, encoding="latin1")
        X = d["data"].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1).astype("float")
        return X, np.array(d["labels"])
    parts = [batch(f"data_batch_{b}") for b in range(1, 6)]
    Xte, Yte = batch("test_batch")
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts]), Xte, Yte


def tarball(path, files, extra=()):
    """A .tar.gz at path holding files {member name: bytes} plus extra prepared TarInfo
    (member, bytes or None) pairs, such as links or names that climb out of the target.
    """
    with tarfile.open(path, "w:gz") as tar:
        for name, blob in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(blob)
            tar.addfile(info, io.BytesIO(blob))
        for info, blob in extra:
            tar.addfile(info, io.BytesIO(blob) if blob is not None else None)
    return Path(path)
