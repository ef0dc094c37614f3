"""The sandboxed side of grading: call a submission's functions, and nothing else.

Run as ``python -m grading.child.server TARGETS DEPENDENCIES`` (both JSON lists of
``[module, qualified name]``) inside the sandbox, in a scratch copy that holds
the submission's task file (every region of another task a stub that raises),
the student bundle's stubs of the other task files and the bundle's provided
modules: no tests, no reference code. It serves calls of TARGETS arriving on
stdin and answers on stdout (see `grading.child.channel`); every DEPENDENCY, a
function of another task that the task's code may use, is replaced by a proxy
that asks the grader, which computes it with the reference.

Classifier objects arrive as their class name and state (W) and go back the
same way; the methods the grader names (a test's overrides of a declared
callback) are called back. Each call runs under the caller's float-error policy
(the test's ``np.errstate``), and arguments are the child's own copies: an
array argument changed in place is never copied back, the call fails with an
AssertionError naming it instead.
"""

import functools
import importlib
import inspect
import json
import os
import sys
import types
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

from grading.child import channel


class Server:
    """Resolves and calls the targets; encodes and decodes classifier objects."""

    def __init__(self, read_fd: int, write_fd: int, targets: Iterable[Sequence[str]],
                 dependencies: Sequence[Sequence[str]]) -> None:
        self.targets = {tuple(target) for target in targets}
        self.modules = {module for module, _ in self.targets}
        self.channel = channel.Channel(read_fd, write_fd, {"call": self.call},
                                       self.encode, self.decode)
        self.dependencies = dependencies

    def install_dependencies(self) -> None:
        """Replace each dependency, wherever a bundle module holds it, by a grader proxy."""
        for module, name in self.dependencies:
            original = getattr(importlib.import_module(module), name)
            proxy = functools.partial(self.ask, {"op": "dep", "module": module, "name": name})
            for loaded in list(sys.modules.values()):
                for attr, value in list(vars(loaded).items()) if self.local(loaded) else []:
                    if value is original:
                        setattr(loaded, attr, proxy)

    def local(self, module: types.ModuleType) -> bool:
        """True for a module loaded from the child's own folder."""
        return bool(getattr(module, "__file__", None)
                    and str(module.__file__).startswith(os.getcwd()))

    def ask(self, header: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        """Call the grader and return its value (the grader never changes args)."""
        reply, (value, _) = self.channel.call(header, args, kwargs)
        print(reply.get("printed", ""), end="")
        return value

    def call(self, header: dict[str, Any], args: list[Any],
             kwargs: dict[str, Any]) -> tuple[Any, list[dict[str, Any] | None]]:
        """Serve one call of a target: (value, state of each classifier argument after it)."""
        target = (header.get("module"), header.get("name"))
        if target not in self.targets:
            raise ValueError(f"{target} is not a function of the graded task")
        if self.dependencies:
            self.install_dependencies()
            self.dependencies = []
        function: Any = importlib.import_module(str(target[0]))
        for part in str(target[1]).split("."):
            function = getattr(function, part)
        arguments: list[tuple[int | str, Any]] = [*enumerate(args), *kwargs.items()]
        arrays = {key: arg for key, arg in arguments if isinstance(arg, np.ndarray)}
        before = {key: arg.copy() for key, arg in arrays.items()}
        try:
            with np.errstate(**policy(header.get("errstate"))):
                value = function(*args, **kwargs)
        finally:  # also when it raised: a test may check its inputs after pytest.raises
            changed = [key for key, arg in arrays.items()
                       if not np.array_equal(arg, before[key], equal_nan=True)]
            if changed:
                raise AssertionError(changed_message(function, changed))
        return value, [state(arg) if self.classifier(arg) else None for arg in args]

    def classifier(self, value: object) -> bool:
        """True for an instance of a class of the task's modules (a classifier)."""
        return (type(value).__module__ in self.modules and hasattr(value, "__dict__")
                and not isinstance(value, (type, types.FunctionType, types.ModuleType)))

    def encode(self, value: object) -> tuple[str, dict[str, Any]]:
        """Send a classifier object back by its class and state."""
        if self.classifier(value):
            return "obj", {"module": type(value).__module__, "class": type(value).__name__,
                           "state": state(value)}
        raise TypeError(f"cannot send a {type(value).__name__} to the grader")

    def decode(self, tag: str, payload: Any) -> Any:
        """A callable or classifier object the grader sent, as a stand-in here."""
        if tag == "fn":
            return functools.partial(self.ask, {"op": "fn", "id": payload})
        if tag == "obj" and isinstance(payload, dict) and payload.get("module") in self.modules:
            cls = getattr(importlib.import_module(payload["module"]), str(payload["class"]))
            obj = cls.__new__(cls)
            vars(obj).update(payload.get("state") or {})
            for name in payload.get("overrides") or []:
                header = {"op": "method", "id": payload.get("id"), "name": name}
                setattr(obj, name, functools.partial(self.ask_method, header, obj))
            return obj
        raise TypeError(f"cannot receive {tag!r} here")

    def ask_method(self, header: dict[str, Any], obj: object, *args: Any, **kwargs: Any) -> Any:
        """Call back a method the grader's object overrides, with obj's current state."""
        return self.ask(header, state(obj), *args, **kwargs)


def state(obj: object) -> dict[str, Any]:
    """The data attributes of a classifier object (its W), without bound callbacks."""
    return {key: value for key, value in vars(obj).items() if not callable(value)}


ERROR_KINDS = ("divide", "over", "under", "invalid")
ERROR_ACTIONS = ("ignore", "warn", "raise", "print")


def policy(errstate: object) -> dict[str, Any]:
    """The keyword arguments of np.errstate for the caller's ``np.geterr()``."""
    errstate = errstate if isinstance(errstate, dict) else {}
    return {kind: action for kind, action in errstate.items()
            if kind in ERROR_KINDS and action in ERROR_ACTIONS}


def changed_message(function: Callable[..., Any], changed: Sequence[int | str]) -> str:
    """What a test reads when the submission changed array arguments in place."""
    try:
        names = list(inspect.signature(function).parameters)
    except (TypeError, ValueError):
        names = []
    described = [f"{key}" if isinstance(key, str) else
                 f"{key + 1} ({names[key]})" if key < len(names) else f"{key + 1}"
                 for key in changed]
    return (f"the submission changed argument {', '.join(described)} in place; a function "
            "must leave its inputs as it found them")


def main(argv: Sequence[str] | None = None) -> int:
    """Serve calls of the task's targets over stdin and stdout until the grader closes."""
    argv = sys.argv[1:] if argv is None else argv
    # The pipes to the grader move to fresh descriptors; fds 0 and 1 become
    # /dev/null, so stray output cannot break a message.
    read_fd, write_fd = os.dup(0), os.dup(1)
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(devnull, 1)
    server = Server(read_fd, write_fd, json.loads(argv[0]), json.loads(argv[1]))
    while True:
        header, value = server.channel.receive()
        if header.get("kind") != "call":
            return 0
        server.channel.serve(header, value, where=os.getcwd())


if __name__ == "__main__":
    sys.exit(main())
