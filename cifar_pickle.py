"""Pickles written byte for byte as Python 2's cPickle wrote CIFAR-10's batches.

The real batches are protocol-2 pickles made by Python 2 with numpy 1.x. `py2_pickle` writes
the same opcodes in the same order, so a synthetic batch is read by exactly the code that
reads a real one, and its bytes depend on nothing but its contents: not on this Python's
pickle module, nor on the installed numpy.

What cPickle did, and this module does (opcode names as in the standard ``pickle`` module):

- 8-bit strings (``str`` as latin-1, and ``bytes``) are SHORT_BINSTRING below 256 bytes,
  else BINSTRING; small non-negative ints are BININT1 or BININT2, others BININT.
- Tuples of one to three items use TUPLE1..TUPLE3, longer ones MARK ... TUPLE, and the
  empty tuple is EMPTY_TUPLE.
- Lists and dicts start empty and are filled in batches of 1000 items: MARK ... APPENDS
  (SETITEMS), or a lone APPEND (SETITEM) for a batch of one.
- Every string, non-empty tuple, list, dict, global and reduced object is memoized (BINPUT, then
  LONG_BINPUT past 255) and never read back: each object is written once.
- A numpy array is the reduction ``numpy.core.multiarray._reconstruct(ndarray, (0,), 'b')``,
  then BUILD with its state ``(1, shape, dtype, False, raw bytes)``, as numpy 1.x reduced it.
"""
import pickle
import struct
from collections import namedtuple

Global = namedtuple("Global", "module name")        # a reference to module.name
Reduce = namedtuple("Reduce", "func args state")    # func(*args), then __setstate__(state)


def py2_ndarray(a):
    """How Python 2 with numpy 1.x reduced a C-ordered uint8 array ``a``."""
    dtype = Reduce(Global("numpy", "dtype"), ("u1", 0, 1), (3, "|", None, None, None, -1, -1, 0))
    return Reduce(Global("numpy.core.multiarray", "_reconstruct"),
                  (Global("numpy", "ndarray"), (0,), "b"),
                  (1, a.shape, dtype, False, a.tobytes()))


class _Writer:
    """Collects the opcodes of one pickle; `save` writes an object and what it holds."""

    def __init__(self):
        self.chunks = [pickle.PROTO + b"\x02"]
        self.memo_size = 0

    def memoize(self):
        """Store the object just written in the next memo slot (slot numbers start at 1)."""
        self.memo_size += 1
        i = self.memo_size
        self.chunks.append(pickle.BINPUT + bytes([i]) if i < 256
                           else pickle.LONG_BINPUT + struct.pack("<I", i))

    def save(self, x):
        if x is None or x is False:
            self.chunks.append(pickle.NONE if x is None else pickle.NEWFALSE)
        elif isinstance(x, Global):
            self.chunks.append(pickle.GLOBAL + b"%s\n%s\n" % (x.module.encode(), x.name.encode()))
            self.memoize()
        elif isinstance(x, Reduce):
            self.save(x.func)
            self.save(x.args)
            self.chunks.append(pickle.REDUCE)
            self.memoize()
            self.save(x.state)
            self.chunks.append(pickle.BUILD)
        elif isinstance(x, int):
            self.save_int(x)
        elif isinstance(x, (str, bytes)):
            data = x.encode("latin1") if isinstance(x, str) else x
            self.chunks.append(pickle.SHORT_BINSTRING + bytes([len(data)]) if len(data) < 256
                               else pickle.BINSTRING + struct.pack("<I", len(data)))
            self.chunks.append(data)
            self.memoize()
        elif isinstance(x, tuple):
            self.save_tuple(x)
        elif isinstance(x, list):
            self.chunks.append(pickle.EMPTY_LIST)
            self.memoize()
            self.save_batches([(item,) for item in x], pickle.APPEND, pickle.APPENDS)
        elif isinstance(x, dict):
            self.chunks.append(pickle.EMPTY_DICT)
            self.memoize()
            self.save_batches(list(x.items()), pickle.SETITEM, pickle.SETITEMS)
        else:
            raise TypeError(f"cannot pickle {type(x).__name__}")

    def save_int(self, x):
        if 0 <= x < 256:
            self.chunks.append(pickle.BININT1 + bytes([x]))
        elif 0 <= x < 65536:
            self.chunks.append(pickle.BININT2 + struct.pack("<H", x))
        else:
            self.chunks.append(pickle.BININT + struct.pack("<i", x))

    def save_tuple(self, x):
        if not x:
            self.chunks.append(pickle.EMPTY_TUPLE)       # a constant: not memoized
            return
        short = len(x) <= 3
        if not short:
            self.chunks.append(pickle.MARK)
        for item in x:
            self.save(item)
        self.chunks.append((pickle.TUPLE1, pickle.TUPLE2, pickle.TUPLE3)[len(x) - 1] if short
                           else pickle.TUPLE)
        self.memoize()

    def save_batches(self, items, one, many):
        """Append list items (1-tuples) or dict items (pairs) to the container just made."""
        for start in range(0, len(items), 1000):
            batch = items[start:start + 1000]
            if len(batch) > 1:
                self.chunks.append(pickle.MARK)
            for item in batch:
                for x in item:
                    self.save(x)
            self.chunks.append(many if len(batch) > 1 else one)


def py2_pickle(obj):
    """The pickle of ``obj`` as Python 2's cPickle wrote it with protocol 2.

    Parameters
    ----------
    obj : dict, list, tuple, str, bytes, int, None, False, `Global` or `Reduce`
        Nested freely; dicts keep their insertion order, and str is written as an
        8-bit (latin-1) string.

    Returns
    -------
    chunks : list of bytes
        The pickle in pieces, for ``file.writelines``, so that large arrays are not copied.
    """
    writer = _Writer()
    writer.save(obj)
    writer.chunks.append(pickle.STOP)
    return writer.chunks
