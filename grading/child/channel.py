"""Calls across the pipe between the trusted grader and a sandboxed child, both ways.

Either side may call the other while it is itself serving a call: the child
calls back a function the grader passed (gradient_check's `f`), a method a
test's subclass overrides, or a declared dependency; the grader may call the
child again from inside such a callback. `Channel.call` sends a request and
then serves whatever requests arrive until its own reply comes.

A request carries the caller's float-error policy (``np.geterr()``), so that
the child computes under the test's ``np.errstate``. A reply carries the value,
the text the callee printed, and the state of a classifier argument after the
call (its W), which the grader checks against the task's declaration before
taking it (`grading.grader.proxy`). An exception comes back as its type name and a
capped message; `rebuild` raises it on the caller's side as the same builtin
exception type, so ``pytest.raises(ValueError, match=...)`` still works.
"""

import builtins
import contextlib
import io
import traceback
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from grading.child import wire

MAX_TEXT = 4000  # characters of an exception message or of printed text
# Exceptions re-raised as themselves; any other type arrives as ChildError.
PASSED_ERRORS = {name for name in ("ValueError", "TypeError", "NotImplementedError",
                                   "IndexError", "KeyError", "ZeroDivisionError",
                                   "AssertionError", "FloatingPointError", "OverflowError",
                                   "MemoryError", "RecursionError", "AttributeError")}


# A request's handler: fn(header, args, kwargs) -> (value, state of each argument after it).
Handler = Callable[[dict[str, Any], list[Any], dict[str, Any]], tuple[Any, Any]]


class ChildError(RuntimeError):
    """An exception of a type that is not passed through as itself."""


def cap(text: object, limit: int = MAX_TEXT) -> str:
    """Text cut to `limit` characters, marked when cut, and writable as UTF-8.

    A lone surrogate (half of a UTF-16 pair, which a message can hold) cannot be encoded
    and would stop every report that quotes it: it is written as its escape instead.
    """
    text = str(text).encode("utf-8", "backslashreplace").decode("utf-8")
    return text if len(text) <= limit else text[:limit] + " ...[cut]"


def rebuild(header: Mapping[str, Any]) -> Exception:
    """The exception described by an error reply."""
    name, message = str(header.get("type")), cap(header.get("message", ""))
    kind = getattr(builtins, name) if name in PASSED_ERRORS else ChildError
    return kind(message if kind is not ChildError else f"{cap(name, 80)}: {message}")


def describe(error: BaseException, where: str | None = None) -> dict[str, Any]:
    """An error reply for `error`: its type, message and the innermost frame in `where`.

    Without `where` (the grader's side answering a callback) no frame is named: the
    grader's files, hidden tests included, are no business of the child's.
    """
    message = str(error)
    # The submission's innermost frame: the grading modules beside it in the child's
    # folder are not the place a student should look.
    frames = [frame for frame in traceback.extract_tb(error.__traceback__)
              if where is not None and where in frame.filename
              and "/grading/" not in frame.filename[len(where):]]
    if frames:
        message += f" (raised at {frames[-1].filename.rsplit('/', 2)[-1]}:{frames[-1].lineno}" \
                   f" in {frames[-1].name})"
    return {"kind": "error", "type": type(error).__name__, "message": cap(message)}


class Channel:
    """One end of the pipe. `handlers` maps an op name to fn(header, args, kwargs) -> value."""

    def __init__(self, read_fd: int, write_fd: int, handlers: Mapping[str, Handler],
                 encode_hook: wire.EncodeHook, decode_hook: wire.DecodeHook) -> None:
        self.reader, self.write_fd = wire.Reader(read_fd), write_fd
        self.handlers, self.encode_hook, self.decode_hook = handlers, encode_hook, decode_hook
        # A time.monotonic() no message may be awaited past, whatever came before it: a
        # whole call, callbacks included, ends by then.
        self.deadline: float | None = None
        self.functions: dict[int, Callable[..., Any]] = {}

    def send(self, header: Mapping[str, Any], value: Any = None) -> None:
        """Write one message: the header and the value's arrays."""
        arrays: list[np.ndarray] = []
        header = dict(header, value=wire.encode(value, arrays, self.encode_hook))
        wire.write(self.write_fd, wire.pack(header, arrays))

    def receive(self) -> tuple[dict[str, Any], Any]:
        """Read one message, capped in size: (header, value)."""
        header, arrays = self.reader.read(self.deadline)
        return header, wire.decode(header.get("value"), arrays, self.decode_hook)

    def call(self, header: Mapping[str, Any], args: Sequence[Any] = (),
             kwargs: Mapping[str, Any] | None = None) -> tuple[dict[str, Any], Any]:
        """Send a request; serve requests from the other side until the reply: (header, value).

        numpy's global generator travels with every call and reply, so both
        sides draw from one stream, as in one process (``np.random.seed`` in a
        test decides what the submission draws). So does the float-error policy,
        which only the child applies (`grading.child.server`): the trusted side keeps its own.
        """
        self.send(dict(header, kind="call", errstate=np.geterr()),
                  [list(args), kwargs or {}, np.random.get_state()])
        while True:
            reply, value = self.receive()
            if reply.get("kind") == "call":
                self.serve(reply, value)
            elif reply.get("kind") == "error":
                np.random.set_state(value)
                raise rebuild(reply)
            elif reply.get("kind") == "reply":
                np.random.set_state(value[2])
                return reply, value[:2]
            else:
                raise wire.WireError(f"unknown message kind {str(reply.get('kind'))[:40]!r}")

    def serve(self, header: dict[str, Any], value: Any, where: str | None = None) -> None:
        """Run one request from the other side and send its reply (or its error)."""
        printed = io.StringIO()
        try:
            args, kwargs, generator = value
            np.random.set_state(generator)
            handler = self.handlers[str(header.get("op"))]
            with contextlib.redirect_stdout(printed):
                result, after = handler(header, list(args), dict(kwargs))
            self.send({"kind": "reply", "printed": cap(printed.getvalue(), 1 << 16)},
                      [result, after, np.random.get_state()])
        except wire.WireError:
            raise
        except Exception as error:  # the caller gets it as its own exception
            self.send(dict(describe(error, where), printed=cap(printed.getvalue(), 1 << 16)),
                      np.random.get_state())
