"""A deterministic offline stand-in for CIFAR-10, written in CIFAR-10's own file format.

``python -m cifar_synthetic [--out DIR] [--seed N] [--num-train N] [--num-test N]``, or
``write_dataset()``, writes ``data_batch_1`` .. ``data_batch_5``, ``test_batch`` and
``batches.meta`` as the real ``cifar-10-batches-py`` holds them, plus a ``SYNTHETIC`` marker
file by which consumers tell the set apart. By default: 50000 training and 10000 test
images in ``datasets/cifar-10-synthetic`` next to this file. How an image is made ("t" is a
triangular variate b1 + b2 - 255 of two random bytes, std 104.5, scaled as stated):

1. Each class has a smooth prototype, bilinearly upsampled random 2x2, 4x4 and 8x8 colour
   grids (coefficients t at std 8, 8 and 6), and a colour cast (std 16 a channel).
2. An image of class y shows prototype y at a random contrast (0.40..1.39), shifted by up to
   3 pixels each way (edge pixels repeat) and mirrored left-right with probability 1/2.
3. Class-independent nuisance comes on top: a smooth random background (2x2, 4x4 and 8x8
   grids at std 40, 30 and 20), a brightness offset (std 25), a colour cast (std 10 a
   channel) and independent pixel noise (std 40).
4. A base colour (129, 128, 121) is added, which puts the channel means near CIFAR-10's
   (125, 122, 114), and pixels are clipped to 0..255. Labels run through a fresh
   permutation of the ten classes every ten images.

How the set behaves, and why it is made so, is told in datasets/README.md.

Determinism: word c of the bit stream is output c of SplitMix64 (Steele, Lea and Flood 2014)
from state 0, ``mix((c + 1) * 0x9E3779B97F4A7C15 mod 2**64)``. Under seed k, stream s owns
the words from c = k * 2**40 + s * 2**36: s = 0 the prototypes, 1 and 2 the training and test
images (WORDS_PER_IMAGE words each, laid out as ``_images`` says), 3 and 4 their label keys.
Everything else is integer arithmetic, and ``cifar_pickle`` writes the pickles byte by byte
as Python 2 wrote the real files, so a seed gives the same bytes on every machine and numpy
version; image i of a split does not depend on the set's size.
"""
import argparse
import hashlib
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

from cifar_pickle import py2_ndarray, py2_pickle
from classifiers._validation import check_scalar

DEFAULT_DIR = Path(__file__).resolve().parent / "datasets" / "cifar-10-synthetic"
MARKER = "SYNTHETIC"
LABEL_NAMES = ("airplane", "automobile", "bird", "cat", "deer",
               "dog", "frog", "horse", "ship", "truck")
WORDS_PER_IMAGE = 840                # 6720 bytes: 6144 of pixel noise, the rest parameters
GRIDS = (2, 4, 8)                    # coarse grid sizes of the smooth fields
CHANNEL_MEANS = np.array([129, 128, 121])
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
# The SHA-256 of each file of the sets whose hashes are known, by (seed, num_train,
# num_test): the default set's, as datasets/README.md lists them. `--keep` keeps a set
# already on disk only if it is one of these and every file matches.
KNOWN_SHA256 = {(0, 50000, 10000): {
    "data_batch_1": "ee225456c752230e96a4b3fcc8be02a27faad227956e89fdd25417bcc1dfefae",
    "data_batch_2": "a4e55ef944b35d54ccced7c12f5792880e111ab3f3200b44e8ca68aaea8a29fd",
    "data_batch_3": "44ee805b1fb5536602bb4bdca1f406d99c905dab93942e7a41c6b22d659e3557",
    "data_batch_4": "415fa104d94a2c4dd3eebc4f874e3fd7598a8d50ec118ed9cec8c5761d51a7d4",
    "data_batch_5": "923966ad6cd20934eb7e6dcc76e1a8b30edab951b32694d63c05280207ae5454",
    "test_batch": "e2063f50f8cca943f6772701033d481e8a606d50b8749fe9ba8de567c7b1253f",
    "batches.meta": "f962466ef690d46b226450fb9aadc74ba4bc64a76aa526b5827fe4bc5c7125cb",
}}


def _splitmix64(counters):
    """SplitMix64 outputs number ``counters`` (uint64 array) of the stream from state 0."""
    z = (counters + np.uint64(1)) * _GOLDEN
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def _random_words(seed, stream, first, count):
    """Words first..first+count-1 of a stream: uint64 array (count,)."""
    first = np.uint64(seed * 2**40 + stream * 2**36 + first)
    return _splitmix64(np.arange(count, dtype=np.uint64) + first)


def _random_pairs(seed, stream, start, count, words):
    """Items start..start+count-1 of a stream, ``words`` words each, cut into 16-bit
    little-endian byte pairs: uint16 array (count, 4 * words)."""
    raw = _random_words(seed, stream, start * words, count * words).astype("<u8", copy=False)
    return raw.view("<u2").reshape(count, 4 * words)


def _triangular(pairs, scale):
    """(b1 + b2 - 255) * scale >> 8 for the two bytes of each pair: triangular, std
    104.5 * scale / 256."""
    pairs = pairs.astype(np.int32)
    return (((pairs & 255) + (pairs >> 8) - 255) * scale) >> 8


_NOISE = _triangular(np.arange(2**16), 98).astype(np.int16)   # pixel noise of every pair, std 40


def _upsample_matrix(g):
    """Bilinear weights (32, g) in 64ths, grid points at cell centres, edges clamped."""
    pos = (2 * np.arange(32) + 1) * g - 32      # 64 * (position in grid coordinates)
    i0, frac = np.clip(pos // 64, 0, g - 1), np.where(pos < 0, 0, pos % 64)
    M = np.zeros((32, g), dtype=np.int32)
    np.add.at(M, (np.arange(32), i0), 64 - frac)
    np.add.at(M, (np.arange(32), np.minimum(i0 + 1, g - 1)), frac)
    return M


_UPSAMPLE = np.hstack([_upsample_matrix(g) for g in GRIDS])     # (32, 14)


def _smooth_fields(pairs, scales):
    """Smooth random colour images (n, 3, 32, 32) int32 from 252 byte pairs (n, 252) each:
    one random grid per size in GRIDS, coefficients triangular * scale >> 8, upsampled
    bilinearly (rows, then columns; the 64ths are divided out at the end)."""
    rows, used = [], 0
    for g, scale in zip(GRIDS, scales):
        grid = _triangular(pairs[:, used:used + 3 * g * g], scale).reshape(-1, 3, g, g)
        rows.append(_upsample_matrix(g) @ grid)
        used += 3 * g * g
    return (np.concatenate(rows, axis=3) @ _UPSAMPLE.T) >> 12


def _prototypes(seed):
    """Class prototypes in every pose: (10 classes * 7 row shifts * 7 column shifts * 2
    mirrorings, 3, 32, 32), and class colour casts (10, 3); int32."""
    pairs = _random_pairs(seed, 0, 0, 10, 64)
    protos = _smooth_fields(pairs, (20, 20, 15))
    shifted = np.clip(np.arange(32) + np.arange(-3, 4)[:, None], 0, 31)     # (7, 32)
    rows = shifted[:, None, None, :, None]
    cols = np.stack([shifted, shifted[:, ::-1]], axis=1)[None, :, :, None, :]
    poses = protos[:, :, rows, cols].transpose(0, 2, 3, 4, 1, 5, 6)   # (10, 7, 7, 2, 3, 32, 32)
    return poses.reshape(-1, 3, 32, 32), _triangular(pairs[:, 252:255], 39)


def _labels(seed, stream, start, count):
    """Labels (count,): in each block of ten images, the ranks of ten words of stream + 2."""
    first = start // 10
    blocks = -(-(start + count) // 10) - first
    keys = _random_words(seed, stream + 2, 10 * first, 10 * blocks).reshape(blocks, 10)
    labels = np.argsort(np.argsort(keys, axis=1), axis=1).ravel()
    return labels[start - 10 * first:start - 10 * first + count]


def _images(seed, stream, start, count, poses, casts):
    """Images start..start+count-1 of a split: data (count, 3072) uint8, channel-major rows,
    and labels (count,). Byte pairs of an image: 0..3071 pixel noise, 3072..3323 background
    grids, 3324 brightness, 3325..3327 colour cast, 3328 contrast and mirror, 3329 shift."""
    pairs = _random_pairs(seed, stream, start, count, WORDS_PER_IMAGE)
    y = _labels(seed, stream, start, count)
    shift, flip = pairs[:, 3329].astype(np.int32), pairs[:, 3328] >> 8 & 1
    X = poses[((y * 7 + (shift & 255) % 7) * 7 + (shift >> 8) % 7) * 2 + flip]
    X *= (102 + (pairs[:, 3328] & 255).astype(np.int32))[:, None, None, None]
    X >>= 8
    X += _smooth_fields(pairs[:, 3072:3324], (98, 73, 49))
    offsets = _triangular(pairs[:, 3324:3325], 61) + _triangular(pairs[:, 3325:3328], 24)
    X += (offsets + casts[y] + CHANNEL_MEANS)[:, :, None, None]
    X += _NOISE[pairs[:, :3072]].reshape(count, 3, 32, 32)
    return np.clip(X, 0, 255).astype(np.uint8).reshape(count, 3072), y


def _write_batch(path, seed, stream, start, count, prototypes, batch_label):
    """Write images start..start+count-1 of a split as one CIFAR-10 batch file."""
    data, labels = np.empty((count, 3072), dtype=np.uint8), np.empty(count, dtype=np.int64)
    for k in range(0, count, 1000):        # in chunks, to bound the working memory
        n = min(1000, count - k)
        data[k:k + n], labels[k:k + n] = _images(seed, stream, start + k, n, *prototypes)
    split = "train" if stream == 1 else "test"
    batch = {"batch_label": batch_label, "labels": labels.tolist(), "data": py2_ndarray(data),
             "filenames": [f"synthetic_{LABEL_NAMES[y]}_{split}_{start + i:05d}.png"
                           for i, y in enumerate(labels.tolist())]}
    with open(path, "wb") as f:
        f.writelines(py2_pickle(batch))


def _write_files(folder, seed, num_train, num_test):
    prototypes, per_batch = _prototypes(seed), num_train // 5
    for k in range(5):
        _write_batch(folder / f"data_batch_{k + 1}", seed, 1, k * per_batch, per_batch,
                     prototypes, f"training batch {k + 1} of 5")
    _write_batch(folder / "test_batch", seed, 2, 0, num_test, prototypes, "testing batch 1 of 1")
    meta = {"num_cases_per_batch": per_batch, "label_names": list(LABEL_NAMES), "num_vis": 3072}
    with open(folder / "batches.meta", "wb") as f:
        f.writelines(py2_pickle(meta))
    (folder / MARKER).write_text(_marker_text(seed, num_train, num_test))


def _marker_text(seed, num_train, num_test):
    return (f"Synthetic stand-in for CIFAR-10, not photographs: {num_train} training and "
            f"{num_test} test images written by cifar_synthetic with seed {seed}.\n"
            "See datasets/README.md for how it is made.\n")


def write_dataset(out_dir=DEFAULT_DIR, seed=0, num_train=50000, num_test=10000):
    """Write the synthetic dataset in CIFAR-10's python format.

    The files appear all at once: they are written to a temporary folder beside ``out_dir``
    and renamed into place; an earlier synthetic set in ``out_dir`` is replaced.

    Parameters
    ----------
    out_dir : str or Path
        Folder to create, by default ``datasets/cifar-10-synthetic`` next to this module.
    seed : int
        0 <= seed < 2**24; the same seed gives the same bytes everywhere.
    num_train : int
        Number of training images, a positive multiple of 5 (five equal batches).
    num_test : int
        Number of test images (one batch).

    Returns
    -------
    Path
        ``out_dir``.
    """
    check_scalar(seed, "seed", int, min_val=0, max_val=2**24, include_boundaries="left")
    check_scalar(num_test, "num_test", int, min_val=1)
    if check_scalar(num_train, "num_train", int, min_val=1) % 5:
        raise ValueError(f"num_train must be a multiple of 5 (five equal batches), "
                         f"got {num_train!r}")
    seed, num_train, num_test = int(seed), int(num_train), int(num_test)
    out = Path(out_dir)
    replacing = out.exists()
    if replacing and not (out / MARKER).is_file():
        raise FileExistsError(f"out_dir {out} exists and holds no {MARKER} file; "
                              "refusing to replace it: remove it or choose another folder")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    tmp.chmod(0o755)                    # mkdtemp makes it private
    try:
        _write_files(tmp, seed, num_train, num_test)
        if replacing:
            out.rename(tmp.with_name(tmp.name + ".old"))
        try:
            tmp.rename(out)
        except OSError:         # another process wrote the set first: keep it if it is ours
            if (out / MARKER).read_text() != _marker_text(seed, num_train, num_test):
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.rmtree(tmp.with_name(tmp.name + ".old"), ignore_errors=True)
    return out


def verifies(out_dir, seed=0, num_train=50000, num_test=10000):
    """True if ``out_dir`` holds the set of these parameters, every file matching its SHA-256.

    False too when the set's hashes are not known (`KNOWN_SHA256`).
    """
    folder = Path(out_dir)
    expected = KNOWN_SHA256.get((seed, num_train, num_test))
    return expected is not None and (folder / MARKER).is_file() and all(
        (folder / name).is_file()
        and hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest
        for name, digest in expected.items())


def main(argv=None):
    """Write the synthetic set from the command line; the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m cifar_synthetic",
        description="Write the deterministic synthetic stand-in for CIFAR-10.")
    parser.add_argument("--out", default=DEFAULT_DIR, help="folder to write (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=0, help="0 <= seed < 2**24 (default: 0)")
    parser.add_argument("--num-train", type=int, default=50000, help="default: 50000")
    parser.add_argument("--num-test", type=int, default=10000, help="default: 10000")
    parser.add_argument("--keep", action="store_true",
                        help="keep the set if it is already in --out and every file matches "
                             "its known SHA-256 (the default set's), instead of writing it again")
    args = parser.parse_args(argv)
    if args.keep and verifies(args.out, args.seed, args.num_train, args.num_test):
        print(f"the synthetic set in {args.out} is already there and verified "
              "(SHA-256 of every file); nothing written")
        return 0
    start = time.perf_counter()
    try:
        out = write_dataset(args.out, args.seed, args.num_train, args.num_test)
    except (ValueError, FileExistsError) as err:
        parser.error(str(err))
    print(f"wrote {args.num_train} training and {args.num_test} test synthetic images "
          f"(seed {args.seed}) to {out} in {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
