"""Messages between the trusted grader and a sandboxed child: JSON and .npy, never pickle.

A message is an 8-byte big-endian length, a JSON header of that length, then
the .npy bytes of each array the header refers to, each behind its own 8-byte
length. Arrays are written and read by ``np.save``/``np.load`` with
``allow_pickle=False`` and must be numeric (bool, int, unsigned, float,
complex); messages, arrays and shapes are capped, and a reader that meets
anything else raises `WireError`. Values travel as JSON with a few tagged
forms: ``{"nd": i}`` the i-th array, ``{"tuple": [...]}``, ``{"dict": [[k, v], ...]}``,
``{"fn": id}`` a function of the sender that the receiver may call back, and
``{"obj": {...}}`` a classifier's class name and state (see `grading.grader.proxy`).
"""

import io
import json
import os
import select
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

MAX_MESSAGE = 512 << 20    # bytes in one message
MAX_ELEMENTS = 32 << 20    # elements in one array
MAX_NDIM = 8
MAX_DEPTH = 32
NUMERIC = "biufc"          # dtype kinds: bool, int, unsigned, float, complex

# hook(value) -> (tag, payload) for a value JSON cannot hold, and hook(tag, payload) -> value.
EncodeHook = Callable[[Any], tuple[str, Any]]
DecodeHook = Callable[[str, Any], Any]


class WireError(Exception):
    """A message broke the protocol: too big, malformed, non-numeric, or late."""


def _array(value: np.ndarray) -> np.ndarray:
    if value.dtype.kind not in NUMERIC or value.ndim > MAX_NDIM or value.size > MAX_ELEMENTS:
        raise WireError(f"arrays must be numeric with at most {MAX_NDIM} dimensions and "
                        f"{MAX_ELEMENTS} elements, got dtype {value.dtype} shape {value.shape}")
    return value


def encode(value: Any, arrays: list[np.ndarray], hook: EncodeHook, depth: int = 0) -> Any:
    """Value as JSON-ready data; arrays are appended to `arrays`.

    `hook(value)` turns anything else into (tag, payload), or raises TypeError.
    """
    if depth > MAX_DEPTH:
        raise WireError("values may nest at most 32 deep")
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (np.ndarray, np.generic)):
        arrays.append(_array(np.asarray(value)))
        return {"nd": len(arrays) - 1, "scalar": isinstance(value, np.generic)}
    if isinstance(value, (list, tuple)):
        items = [encode(item, arrays, hook, depth + 1) for item in value]
        return items if isinstance(value, list) else {"tuple": items}
    if isinstance(value, dict):
        return {"dict": [[encode(k, arrays, hook, depth + 1), encode(v, arrays, hook, depth + 1)]
                         for k, v in value.items()]}
    tag, payload = hook(value)
    return {tag: encode(payload, arrays, hook, depth + 1)}


def decode(data: Any, arrays: Sequence[np.ndarray], hook: DecodeHook, depth: int = 0) -> Any:
    """The inverse of `encode`; `hook(tag, payload)` decodes "fn" and "obj"."""
    if depth > MAX_DEPTH:
        raise WireError("values may nest at most 32 deep")
    if data is None or isinstance(data, (bool, int, float, str)):
        return data
    if isinstance(data, list):
        return [decode(item, arrays, hook, depth + 1) for item in data]
    if not isinstance(data, dict) or len(data) not in (1, 2):
        raise WireError(f"unknown value {str(data)[:80]!r}")
    if "nd" in data:
        array = arrays[data["nd"]]
        return array[()] if data.get("scalar") else array
    (tag, payload), = data.items()
    if tag == "tuple":
        return tuple(decode(item, arrays, hook, depth + 1) for item in payload)
    if tag == "dict":
        return {_key(decode(k, arrays, hook, depth + 1)): decode(v, arrays, hook, depth + 1)
                for k, v in payload}
    return hook(tag, decode(payload, arrays, hook, depth + 1))


def _key(key: Any) -> Any:
    if isinstance(key, (np.ndarray, list, dict)):
        raise WireError("dict keys must be numbers, strings or tuples")
    return key


def _npy(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def pack(header: Mapping[str, Any], arrays: Sequence[np.ndarray]) -> bytes:
    """The bytes of one message."""
    parts = [json.dumps(header).encode("utf-8"), *map(_npy, arrays)]
    total = sum(len(part) + 8 for part in parts)
    if total > MAX_MESSAGE:
        raise WireError(f"a message may hold at most {MAX_MESSAGE} bytes, this one {total}")
    header = dict(header, arrays=len(arrays))
    parts[0] = json.dumps(header).encode("utf-8")
    return b"".join(len(part).to_bytes(8, "big") + part for part in parts)


class Reader:
    """Reads messages from a file descriptor, each read capped and before a deadline."""

    def __init__(self, fd: int) -> None:
        self.fd, self.budget = fd, 0

    def _exactly(self, size: int, deadline: float | None) -> bytes:
        if size > self.budget:
            raise WireError(f"a message may hold at most {MAX_MESSAGE} bytes")
        self.budget -= size
        chunks, left = [], size
        while left:
            wait = None if deadline is None else deadline - time.monotonic()
            if wait is not None and (wait <= 0 or not select.select([self.fd], [], [], wait)[0]):
                raise WireError("the other side did not answer in time")
            chunk = os.read(self.fd, min(left, 1 << 20))
            if not chunk:
                raise WireError("the other side closed the connection")
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)

    def read(self, deadline: float | None = None) -> tuple[dict[str, Any], list[np.ndarray]]:
        """(header, arrays) of the next message; deadline is a time.monotonic() value."""
        self.budget = MAX_MESSAGE
        length = int.from_bytes(self._exactly(8, deadline), "big")
        try:
            header = json.loads(self._exactly(length, deadline))
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise WireError(f"the header is not JSON: {error}") from None
        count = header.get("arrays") if isinstance(header, dict) else None
        if not isinstance(count, int) or not 0 <= count <= 4096:
            raise WireError("the header must be an object with an array count")
        arrays = []
        for _ in range(count):
            size = int.from_bytes(self._exactly(8, deadline), "big")
            try:
                arrays.append(_load(self._exactly(size, deadline)))
            except ValueError as error:
                raise WireError(f"an array is not valid .npy: {error}") from None
        return header, arrays


def _load(data: bytes) -> np.ndarray:
    """The array in .npy bytes, its header checked before anything is allocated."""
    stream = io.BytesIO(data)
    version = np.lib.format.read_magic(stream)
    read_header = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                   else np.lib.format.read_array_header_2_0)
    shape, _, dtype = read_header(stream)
    if (len(shape) > MAX_NDIM or any(n < 0 for n in shape) or dtype.kind not in NUMERIC
            or dtype.hasobject or int(np.prod(shape, dtype=object)) > MAX_ELEMENTS):
        raise WireError(f"arrays must be numeric with at most {MAX_NDIM} dimensions and "
                        f"{MAX_ELEMENTS} elements, got dtype {dtype} shape {shape}")
    return np.load(io.BytesIO(data), allow_pickle=False)


def write(fd: int, data: bytes) -> None:
    """Write all of data to fd."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]
