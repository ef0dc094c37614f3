"""The trusted end of a task's grading: proxies that call the submission in a sandbox.

`install` replaces every target of the task (``[module, qualified name]``), wherever
a bundle module holds it, by a proxy that calls the submission's version in a
sandboxed child (`grading.child.server`) through a `Client`; everything else stays the
reference. The pytest plugin `grading.grader.plugin` sets this up before collection.

What the child may ask of this process is declared by the task (`tasks.Task`), never
found on the objects involved: it may call back a function the test passed, the
task's `dependencies`, and the methods of `callbacks` that a test's object really
overrides; of a classifier object only the attributes of `state` travel, checked
(None or a 2-D float array), and anything else it sends back is refused and
reported. Nothing the child asks makes this process touch a file.
"""

import copy
import functools
import importlib
import json
import sys
import time
import types
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from grading import tasks
from grading.child import channel, wire
from grading.isolation import sandbox

MAX_FAILURES = 3


class Client:
    """The trusted end: starts the child on first use, calls it, serves its callbacks."""

    def __init__(self, task: str, scratch: str = "", sandboxed: bool = True,
                 budget: float = tasks.TASK_TIMEOUT) -> None:
        declared = tasks.TASKS[task]
        self.task, self.scratch, self.sandboxed = task, scratch, sandboxed
        self.stub, self.depth = False, 0
        self.child: sandbox.Child | None = None
        self.failures = 0  # children that broke; after MAX_FAILURES none is started
        # Seconds the task's tests may take, those they took, and when the running test's
        # share ends; `active` while a test of this task runs (`grading.grader.plugin`).
        self.budget, self.spent, self.timed_out = budget, 0.0, False
        self.deadline, self.active = float("inf"), False
        self.targets = declared.targets
        self.modules = {module for module, _ in self.targets}
        self.dependencies = {tuple(dep) for dep in declared.dependencies}
        self.callbacks, self.state_names = declared.callbacks, declared.state
        # id sent -> (object, the callbacks it overrides), while a call lasts
        self.objects: dict[int, tuple[object, tuple[str, ...]]] = {}
        self.problems: list[str] = []  # what the child sent that was refused, for the results
        # id(object) -> the state last sent to or taken from the child
        self.sent: dict[int, dict[str, Any]] = {}

    def start(self) -> None:
        """Start the child in its sandbox, and the channel to it."""
        argv = [sys.executable, "-m", "grading.child.server", json.dumps(self.targets),
                json.dumps([list(dep) for dep in self.dependencies])]
        self.child = sandbox.start(argv, read_only=[self.scratch], cwd=self.scratch,
                                   env=sandbox.environment(PYTHONPATH=self.scratch),
                                   isolation=sandbox.Isolation.for_submissions(self.sandboxed))
        assert self.child.stdin is not None and self.child.stdout is not None  # start's pipes
        self.channel = channel.Channel(self.child.stdout.fileno(), self.child.stdin.fileno(),
                                       {"fn": self.callback, "method": self.method,
                                        "dep": self.dependency},
                                       self.encode, self.decode)

    def stop(self) -> None:
        """End the child, with its whole process tree."""
        if self.child is not None:
            self.child.close()
            self.child = None

    def call(self, module: str, name: str, args: Sequence[Any], kwargs: dict[str, Any]) -> Any:
        """Call the submission's `module.name` with args; take a classifier's new state.

        The arguments themselves are never changed here: the child works on its own
        copies, and fails the call where it changed an array argument in place.
        """
        if self.failures >= MAX_FAILURES:
            raise channel.ChildError(f"the submission's process failed {MAX_FAILURES} times")
        left = self.deadline - time.monotonic()
        if left <= 0:
            self.timed_out = True
            raise channel.ChildError(f"the task's tests ran out of their {self.budget:g} s")
        if self.child is None or self.child.poll() is not None:
            self.stop()
            self.start()
        # A child that hangs, or keeps calling back, is stopped when the task's time ends:
        # the deadline holds for the whole call, not for each message.
        self.channel.deadline = self.deadline if left < float("inf") else None
        self.depth += 1
        try:
            reply, (value, after) = self.channel.call({"op": "call", "module": module,
                                                       "name": name}, args, kwargs)
        except NotImplementedError:
            self.stub = True
            raise
        except (wire.WireError, OSError) as error:
            self.stop()  # a broken or late child is not trusted with another call
            self.failures += 1
            raise channel.ChildError(f"the submission's process failed: {error}") from None
        finally:
            self.depth -= 1
            sent = self.sent
            if not self.depth:
                self.sent = {}
                if self.child is not None:
                    self.channel.functions.clear()
                    self.objects.clear()
        sys.stdout.write(reply.get("printed", ""))
        for arg, new in zip(args, after if isinstance(after, list) else []):
            if id(arg) in sent:  # a classifier object this call sent
                self.take_state(arg, new, sent[id(arg)])
        return value

    def callback(self, header: dict[str, Any], args: list[Any],
                 kwargs: dict[str, Any]) -> tuple[Any, list[None]]:
        """Serve the child's call of a function argument (a test's `f`)."""
        return self.channel.functions[header["id"]](*args, **kwargs), []

    def method(self, header: dict[str, Any], args: list[Any],
               kwargs: dict[str, Any]) -> tuple[Any, list[None]]:
        """Serve the child's call of a declared callback a test's object overrides.

        Any other name (``save``, ``load``, a dunder, an undeclared method) is refused
        before anything is looked up on the object.
        """
        key, name = header.get("id"), header.get("name")
        obj, overrides = self.objects.get(key, (None, ())) if isinstance(key, int) else (None, ())
        if not isinstance(name, str) or name not in overrides:
            raise ValueError(f"the submission may call back only the methods the task declares "
                             f"where the test's class overrides them "
                             f"({', '.join(overrides) or 'none here'}), not {str(name)[:40]!r}")
        self.take_state(obj, args[0] if args else None, self.sent.get(id(obj)))
        return getattr(obj, name)(*args[1:], **kwargs), []

    def dependency(self, header: dict[str, Any], args: list[Any],
                   kwargs: dict[str, Any]) -> tuple[Any, list[None]]:
        """Serve the child's call of a declared dependency, with this side's version."""
        key = (header.get("module"), header.get("name"))
        if key not in self.dependencies:
            raise ValueError(f"{str(key)[:80]} is not a declared dependency of the task")
        # Looked up now, so a test's monkeypatch of the module attribute applies.
        return getattr(importlib.import_module(str(key[0])), str(key[1]))(*args, **kwargs), []

    def reference_class(self, value: object) -> type | None:
        """The class of this bundle's task modules that `value` is an instance of, or None."""
        for cls in type(value).__mro__:
            if cls.__module__ in self.modules and vars(sys.modules[cls.__module__]).get(
                    cls.__name__) is cls:
                return cls
        return None

    def overrides(self, value: object, cls: type) -> tuple[str, ...]:
        """The declared callbacks that `value` (or its class) overrides of the reference `cls`."""
        return tuple(name for name in self.callbacks if callable(vars(value).get(name))
                     or getattr(type(value), name, None) is not getattr(cls, name, None))

    def encode(self, value: object) -> tuple[str, Any]:
        """Send a classifier object by its class and declared state, and a callable by an id."""
        cls = self.reference_class(value)
        if cls is not None and not isinstance(value, type):
            key, overrides = len(self.objects), self.overrides(value, cls)
            self.objects[key] = (value, overrides)  # called back by the id while the call lasts
            sent = {name: vars(value)[name] for name in self.state_names if name in vars(value)}
            self.sent[id(value)] = copy.deepcopy(sent)
            return "obj", {"module": cls.__module__, "class": cls.__name__, "id": key,
                           "state": sent, "overrides": list(overrides)}
        if callable(value):
            key = len(self.channel.functions)
            self.channel.functions[key] = value
            return "fn", key
        raise TypeError(f"cannot send a {type(value).__name__} to the submission")

    def decode(self, tag: str, payload: Any) -> object:
        """A classifier object the child sent (train_grid's models): a new one, its state checked.

        Only a class defined in a task module, for a task that declares state, is built.
        """
        module = payload.get("module") if isinstance(payload, dict) else None
        if tag == "obj" and module in self.modules and self.state_names:
            cls = vars(sys.modules[str(module)]).get(payload.get("class"))
            if isinstance(cls, type) and cls.__module__ == module:
                obj = cls()
                self.take_state(obj, payload.get("state"), None)
                return obj
        raise TypeError(f"the submission sent an unexpected {str(tag)[:40]!r}")

    def take_state(self, obj: object, new: object, sent: dict[str, Any] | None) -> None:
        """Set the declared state the child sent on `obj`; refuse and note everything else.

        `sent` is the state the child was last given (None for a new object): an
        attribute the child left as it was is not set again, so what the grader's own
        methods changed meanwhile is kept.
        """
        for key, value in (new.items() if isinstance(new, dict) else ()):
            if key not in self.state_names:
                self.refuse(f"{type(obj).__name__}.{str(key)[:40]}")
                continue
            check_state(key, value, None if sent is None else sent.get(key))
            if sent is not None and key in sent and not changed(sent[key], value):
                continue
            setattr(obj, key, value)
            if sent is not None:
                sent[key] = copy.deepcopy(value)

    def refuse(self, attribute: str) -> None:
        """Note an attribute the child set that the task does not declare (not a failure)."""
        note = (f"the submission set {attribute}, which the grader does not take back "
                f"(only {', '.join(self.state_names) or 'nothing'} travels)")
        if note not in self.problems and len(self.problems) < 20:
            self.problems.append(note)


def check_state(key: str, value: object, sent: object) -> None:
    """Raise AssertionError unless `value` may be the declared attribute `key`.

    A classifier's state is its weights: None, or a 2-D floating array; where the
    grader sent an array, the child may change its entries, not its shape.
    """
    if value is None and sent is None:
        return
    if not (isinstance(value, np.ndarray) and value.ndim == 2 and value.dtype.kind == "f"):
        found = (f"an array of dtype {value.dtype} and shape {value.shape}"
                 if isinstance(value, np.ndarray) else f"a {type(value).__name__}")
        raise AssertionError(f"the submission set {key} to {found}; {key} must be a 2-D "
                             "float array")
    if isinstance(sent, np.ndarray) and value.shape != sent.shape:
        raise AssertionError(f"the submission changed the shape of {key} from {sent.shape} "
                             f"to {value.shape}")


def changed(old: object, new: object) -> bool:
    """True unless two attribute values are equal (arrays: same shape and entries)."""
    if isinstance(old, np.ndarray) or isinstance(new, np.ndarray):
        return not (isinstance(old, np.ndarray) and isinstance(new, np.ndarray)
                    and old.shape == new.shape and np.array_equal(old, new, equal_nan=True))
    return old is not new


def make_proxy(client: Client, module: str, name: str,
               original: Callable[..., Any]) -> Callable[..., Any]:
    """A stand-in for `original` that calls the submission's version in the child.

    Only a test of the target's own task calls the submission: for any other test the
    stand-in is the reference, as if the target's task were not graded in this process.
    A method's stand-in gets the object as its first argument, like any function.
    """
    def proxy(*args: Any, **kwargs: Any) -> Any:
        if not client.active:
            return original(*args, **kwargs)
        return client.call(module, name, args, kwargs)

    functools.update_wrapper(proxy, original)
    return proxy


def install(client: Client, root: Path) -> None:
    """Replace each target wherever a module of the bundle at `root` holds it."""
    for module, name in client.targets:
        owner = importlib.import_module(module)
        *outer, attr = name.split(".")
        for part in outer:
            owner = getattr(owner, part)
        original = vars(owner)[attr]
        proxy = make_proxy(client, module, name, original)
        if outer:
            setattr(owner, attr, proxy)
            continue
        for loaded in list(sys.modules.values()):
            if isinstance(loaded, types.ModuleType) and str(
                    getattr(loaded, "__file__", "")).startswith(str(root)):
                for key, value in list(vars(loaded).items()):
                    if value is original:
                        setattr(loaded, key, proxy)
