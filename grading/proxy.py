"""The trusted end of a task's grading: proxies that call the submission in a sandbox.

`install` replaces every target of the task (``[module, qualified name]``), wherever
a bundle module holds it, by a proxy that calls the submission's version in a
sandboxed child (`grading.child`) through a `Client`; everything else stays the
reference. The pytest plugin `grading.plugin` sets this up before collection.
"""

import copy
import functools
import importlib
import json
import sys
import types

import numpy as np

from grading import channel, sandbox, wire

MAX_FAILURES = 3


class Client:
    """The trusted end: starts the child on first use, calls it, serves its callbacks."""

    def __init__(self, config):
        self.config, self.child, self.stub, self.depth = config, None, False, 0
        self.failures = 0  # children that broke; after MAX_FAILURES none is started
        self.modules = {module for module, _ in config["targets"]}
        self.dependencies = {tuple(dep) for dep in config["dependencies"]}
        self.objects, self.problems = {}, []
        self.sent = {}  # id(object) -> the state last sent to or taken from the child

    def start(self):
        """Start the child in its sandbox, and the channel to it."""
        scratch = self.config["scratch"]
        argv = [sys.executable, "-m", "grading.child", json.dumps(self.config["targets"]),
                json.dumps(self.config["dependencies"])]
        self.child = sandbox.start(argv, read_only=[scratch], cwd=scratch,
                                   env=sandbox.environment(PYTHONPATH=scratch),
                                   sandboxed=self.config["sandboxed"])
        self.channel = channel.Channel(self.child.stdout.fileno(), self.child.stdin.fileno(),
                                       {"fn": self.callback, "method": self.method,
                                        "dep": self.dependency},
                                       self.encode, self.decode, self.config["call_timeout"])

    def stop(self):
        """End the child, with its whole process tree."""
        if self.child is not None:
            self.child.close()
            self.child = None

    def call(self, module, name, args, kwargs):
        """Call the submission's `module.name` with args; copy changed arguments back."""
        if self.failures >= MAX_FAILURES:
            raise channel.ChildError(f"the submission's process failed {MAX_FAILURES} times")
        if self.child is None or self.child.poll() is not None:
            self.stop()
            self.start()
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
            copy_back(arg, new, sent.get(id(arg)))
        return value

    def callback(self, header, args, kwargs):
        """Serve the child's call of a function argument (a test's `f`)."""
        return self.channel.functions[header.get("id")](*args, **kwargs), []

    def method(self, header, args, kwargs):
        """Serve the child's call of a method a test's object overrides, on its state."""
        obj = self.objects[header.get("id")]
        copy_back(obj, args[0], self.sent.get(id(obj)))
        return getattr(obj, str(header.get("name")))(*args[1:], **kwargs), []

    def dependency(self, header, args, kwargs):
        """Serve the child's call of a declared dependency, with this side's version."""
        key = (header.get("module"), header.get("name"))
        if key not in self.dependencies:
            raise ValueError(f"{key} is not a declared dependency of the task")
        # Looked up now, so a test's monkeypatch of the module attribute applies.
        return getattr(importlib.import_module(key[0]), key[1])(*args, **kwargs), []

    def reference_class(self, value):
        """The class of this bundle's task modules that `value` is an instance of, or None."""
        for cls in type(value).__mro__:
            if cls.__module__ in self.modules and vars(sys.modules[cls.__module__]).get(
                    cls.__name__) is cls:
                return cls
        return None

    def encode(self, value):
        """Send a classifier object by its class and state, and a callable by an id."""
        cls = self.reference_class(value)
        if cls is not None and not isinstance(value, type):
            key = len(self.objects)
            self.objects[key] = value  # called back by the id while the call lasts
            self.sent[id(value)] = copy.deepcopy(state(value))
            overrides = [name for name in dir(type(value)) if not name.startswith("__")
                         and callable(getattr(type(value), name))
                         and getattr(type(value), name) is not getattr(cls, name, None)]
            overrides += [name for name, item in vars(value).items() if callable(item)]
            return "obj", {"module": cls.__module__, "class": cls.__name__, "id": key,
                           "state": state(value), "overrides": overrides}
        if callable(value):
            key = len(self.channel.functions)
            self.channel.functions[key] = value
            return "fn", key
        raise TypeError(f"cannot send a {type(value).__name__} to the submission")

    def decode(self, tag, payload):
        """A classifier object the child sent, rebuilt from its state."""
        module = payload.get("module") if isinstance(payload, dict) else None
        if tag == "obj" and module in self.modules:
            cls = vars(sys.modules[module]).get(str(payload.get("class")))
            if isinstance(cls, type):
                obj = cls.__new__(cls)
                copy_back(obj, payload.get("state"))
                return obj
        raise TypeError(f"the submission sent an unexpected {tag!r}")


def state(obj):
    """The array attributes of a classifier object (its W, None before training).

    Other attributes stay in this process: a test's subclass may record what its
    methods saw, and the child's copy must not overwrite that record.
    """
    return {key: value for key, value in vars(obj).items()
            if value is None or isinstance(value, np.ndarray)}


def copy_back(arg, new, sent=None):
    """Copy what the child changed into the caller's argument: an array, or an object's state.

    For an object, `sent` is the state the child was last given: an attribute the
    child left as it was is not copied, so what the grader's own methods changed
    meanwhile (a test's loss recording its calls) is kept.
    """
    if isinstance(arg, np.ndarray) and isinstance(new, np.ndarray):
        if new.shape == arg.shape and arg.flags.writeable:
            np.copyto(arg, new, casting="unsafe")
    elif isinstance(new, dict) and hasattr(arg, "__dict__") and not isinstance(arg, type):
        for key, value in new.items():
            if not isinstance(key, str) or key.startswith("__"):
                continue
            if sent is not None and key in sent and not changed(sent[key], value):
                continue
            setattr(arg, key, value)
            if sent is not None:
                sent[key] = copy.deepcopy(value)


def changed(old, new):
    """True unless two attribute values are equal (arrays: same shape and entries)."""
    if isinstance(old, np.ndarray) or isinstance(new, np.ndarray):
        return not (isinstance(old, np.ndarray) and isinstance(new, np.ndarray)
                    and old.shape == new.shape and np.array_equal(old, new, equal_nan=True))
    try:
        return bool(old != new)
    except Exception:  # an attribute whose comparison fails counts as changed
        return True


def make_proxy(client, module, name, original):
    """A stand-in for `original` that calls the submission's version in the child."""
    if "." in name:
        def proxy(self, *args, **kwargs):
            return client.call(module, name, (self, *args), kwargs)
    else:
        def proxy(*args, **kwargs):
            return client.call(module, name, args, kwargs)
    functools.update_wrapper(proxy, original)
    return proxy


def install(client, root):
    """Replace each target wherever a module of the bundle at `root` holds it."""
    for module, name in client.config["targets"]:
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
