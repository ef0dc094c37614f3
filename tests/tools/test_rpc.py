"""What the sandboxed child may ask of the grader, and what it may send back.

The trusted end (`grading.grader.proxy.Client`) serves the child's requests without a child
here: a forged request is a header and arguments, as the channel would deliver them.
The child's end (`grading.child.server.Server`) is called in this process on a small module.
"""

import os

import numpy as np
import pytest

from classifiers.linear_classifier import LinearClassifier, Softmax
from grading.child import server as child
from grading.grader import proxy

CALLS = []


class Recording(LinearClassifier):
    """A test's subclass: overrides the declared callback `loss`, and methods that are not."""

    def loss(self, X_batch, y_batch, reg):
        CALLS.append("loss")
        return 1.0, np.zeros_like(self.W)

    def save(self, path):
        CALLS.append("save")

    @classmethod
    def load(cls, path):
        CALLS.append("load")

    def __dir__(self):
        CALLS.append("__dir__")
        return []

    def __getattribute__(self, name):
        if name == "secret":
            CALLS.append("__getattribute__")
        return object.__getattribute__(self, name)


def client(task="linear_classifier"):
    return proxy.Client(task)


def sent(client, obj):
    """Encode `obj` as a call would: its id for the child, and the payload."""
    tag, payload = client.encode(obj)
    assert tag == "obj"
    return payload


@pytest.fixture(autouse=True)
def no_calls():
    CALLS.clear()


def test_only_the_declared_callback_a_test_overrides_is_sent_to_the_child():
    grader = client()
    recording, plain = Recording(), Softmax()
    recording.W, recording.batch_shapes = np.ones((3, 2)), []
    payload = sent(grader, recording)
    assert payload["overrides"] == ["loss"]  # not save, load or the dunders it defines too
    assert payload["state"].keys() == {"W"}  # batch_shapes stays with the test
    assert sent(grader, plain)["overrides"] == []
    assert CALLS == []


@pytest.mark.parametrize("name, args", [
    ("save", ["/tmp/planted"]), ("load", ["/etc/shadow"]), ("__getattribute__", ["secret"]),
    ("__dir__", []), ("predict", [np.ones((1, 3))]), ("loss", [])])
def test_a_forged_method_call_is_refused_and_never_made(name, args):
    grader = client()
    recording, plain = Recording(), Softmax()
    recording.W = plain.W = np.ones((3, 2))
    ids = sent(grader, recording)["id"], sent(grader, plain)["id"]
    for key in ids if name != "loss" else ids[1:]:  # Softmax does not override loss
        with pytest.raises(ValueError, match="may call back only the methods the task "
                                             f"declares .*not '{name}'"):
            grader.method({"id": key, "name": name}, [{"W": np.ones((3, 2))}, *args], {})
    assert CALLS == []


@pytest.mark.parametrize("key", [7, "0", None, [0]])
def test_a_method_call_on_an_object_never_sent_is_refused(key):
    grader = client()
    with pytest.raises(ValueError, match="may call back only"):
        grader.method({"id": key, "name": "loss"}, [{}], {})


def test_the_declared_callback_runs_on_the_state_the_child_sent():
    grader = client()
    recording = Recording()
    recording.W = np.ones((3, 2))
    key = sent(grader, recording)["id"]
    value, _ = grader.method({"id": key, "name": "loss"}, [{"W": np.full((3, 2), 2.0)},
                                                            np.ones((4, 3)), np.zeros(4), 0.1], {})
    assert CALLS == ["loss"] and value[0] == 1.0
    np.testing.assert_array_equal(recording.W, 2.0)


def test_a_callback_of_a_task_without_callbacks_is_refused():
    grader = client("train_grid")
    with pytest.raises(ValueError, match="may call back only"):
        grader.method({"id": 0, "name": "loss"}, [{}], {})


def test_an_undeclared_dependency_is_refused():
    grader = client()
    with pytest.raises(ValueError, match="not a declared dependency"):
        grader.dependency({"module": "os", "name": "remove"}, ["/tmp/x"], {})


def test_only_declared_state_comes_back_and_the_rest_is_noted():
    grader = client()
    recording = Recording()
    recording.W, recording.batch_shapes = np.ones((3, 2)), ["kept"]
    sent(grader, recording)
    grader.take_state(recording, {"W": np.zeros((3, 2)), "batch_shapes": [(10, 5)] * 3,
                                  "__class__": "x"}, grader.sent[id(recording)])
    np.testing.assert_array_equal(recording.W, 0.0)
    assert recording.batch_shapes == ["kept"] and type(recording) is Recording
    assert grader.problems == [
        "the submission set Recording.batch_shapes, which the grader does not take back "
        "(only W travels)",
        "the submission set Recording.__class__, which the grader does not take back "
        "(only W travels)"]


@pytest.mark.parametrize("W, before, message", [
    (np.ones(3), None, r"set W to an array of dtype float64 and shape \(3,\); W must be a 2-D"),
    (np.ones((3, 2), dtype=int), None, "dtype int64"),
    ("W", None, "set W to a str"),
    (None, np.ones((3, 2)), "set W to a NoneType"),
    (np.ones((2, 3)), np.ones((3, 2)), r"changed the shape of W from \(3, 2\) to \(2, 3\)")])
def test_state_of_the_wrong_kind_fails_the_test(W, before, message):
    grader = client()
    model = Softmax()
    model.W = before
    sent(grader, model)
    with pytest.raises(AssertionError, match=message):
        grader.take_state(model, {"W": W}, grader.sent[id(model)])


def test_a_first_train_may_create_W_of_any_2d_float_shape():
    grader = client()
    model = Softmax()
    sent(grader, model)
    grader.take_state(model, {"W": np.ones((5, 4), dtype=np.float32)}, grader.sent[id(model)])
    assert model.W.shape == (5, 4)


def test_objects_the_child_sends_are_checked_classes_with_declared_state():
    grader = client("train_grid")
    model = grader.decode("obj", {"module": "classifiers.linear_classifier", "class": "Softmax",
                                  "state": {"W": np.ones((3, 2)), "cache": "/etc/shadow"}})
    assert type(model) is Softmax and model.W.shape == (3, 2) and "cache" not in vars(model)
    assert "Softmax.cache" in grader.problems[0]
    refused = [("obj", {"module": "classifiers.linear_classifier", "class": "np"}),
               ("obj", {"module": "classifiers.linear_classifier", "class": "npz_path"}),
               ("obj", {"module": "os", "class": "PathLike"}),
               ("obj", ["classifiers.linear_classifier", "Softmax"]),
               ("fn", 0)]
    for tag, payload in refused:
        with pytest.raises(TypeError, match="the submission sent an unexpected"):
            grader.decode(tag, payload)
    with pytest.raises(TypeError):  # no object travels for a task that declares no state
        client("softmax_naive").decode("obj", {"module": "classifiers.softmax",
                                               "class": "Softmax", "state": {}})


MODULE = '''
import numpy as np

def zero_X(W, X, y, reg):
    X[...] = 0
    return 0.0

def zero_then_raise(W, X, y, reg):
    W[0, 0] = 5.0
    raise ValueError("reg must be >= 0")

def unshifted(W, X, y, reg):
    return float(np.exp(X).sum())
'''


@pytest.fixture
def server(tmp_path, monkeypatch):
    (tmp_path / "submitted.py").write_text(MODULE)
    monkeypatch.syspath_prepend(str(tmp_path))
    read_fd, write_fd = os.pipe()
    yield child.Server(read_fd, write_fd, [["submitted", name] for name in (
        "zero_X", "zero_then_raise", "unshifted")], [])
    os.close(read_fd)
    os.close(write_fd)


def test_an_argument_changed_in_place_fails_the_call_by_name(server):
    W, X = np.ones((3, 2)), np.ones((4, 3))
    with pytest.raises(AssertionError, match=r"^the submission changed argument 2 \(X\) in "
                                             "place; a function must leave its inputs as it "
                                             "found them$"):
        server.call({"module": "submitted", "name": "zero_X"}, [W, X, np.zeros(4), 0.1], {})
    with pytest.raises(AssertionError, match="changed argument X in place"):
        server.call({"module": "submitted", "name": "zero_X"}, [W],
                    {"X": np.ones((4, 3)), "y": 0, "reg": 0})
    with pytest.raises(AssertionError, match=r"changed argument 1 \(W\) in place"):
        server.call({"module": "submitted", "name": "zero_then_raise"}, [W, X, 0, 0.1], {})


def test_the_callers_float_error_policy_applies_in_the_child(server):
    header = {"module": "submitted", "name": "unshifted"}
    args = [None, np.array([1000.0]), None, 0.0]
    with np.errstate(over="ignore"):
        assert server.call(header, list(args), {})[0] == np.inf
        with pytest.raises(FloatingPointError, match="overflow"):
            server.call(dict(header, errstate={"over": "raise"}), list(args), {})
    assert child.policy({"over": "raise", "under": "call", "x": "raise"}) == {"over": "raise"}
