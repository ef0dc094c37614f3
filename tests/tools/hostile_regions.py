"""Hostile submissions as region bodies: what test_hostile.py grades beside honest ones.

Each attack is one task file whose regions attack the grader, with a wrong answer
after the attack, so any point it scores is unearned. Attacks on what the child may
ask of the grader (`grading.grader.proxy`) speak the wire protocol from inside a region: the
child's folder holds grading/child/server.py, and its `Server` is found among the live objects.
"""

from pathlib import Path

from grading import tasks
from grading.student import regions

BUNDLE = Path(__file__).resolve().parents[2]
SOFTMAX = "classifiers/softmax.py"
CHECK = "gradient_check.py"
CANARY = BUNDLE / "tests" / "hostile-canary.txt"
SAVED = BUNDLE / "tests" / "hostile-saved.npz"  # where a forged call of `save` would write
LINEAR = "classifiers/linear_classifier.py"
WRONG = ["    error = 0.0"]  # rel_error's region: every gradient "matches"
WRONG_GRADIENT = ["    loss, dW = 0.0, np.zeros_like(W)"]
ORACLES = BUNDLE / tasks.HIDDEN_TESTS / "oracles.py"
HIDDEN = [str(ORACLES), f"/proc/1/cwd/{tasks.HIDDEN_TESTS}/oracles.py", f"/proc/1/root{ORACLES}"]
# Hidden text no report may show: the oracle's first line, and the docstrings of the
# hidden test module and of its classifier, which a forged __getattribute__ could read.
HIDDEN_TEXT = [ORACLES.read_text().splitlines()[0],
               "Softmax trained on the reference loss; counts its calls",
               (BUNDLE / tasks.HIDDEN_TESTS / "test_linear_classifier_reference.py")
               .read_text().splitlines()[0].strip('"')]
SERVER = ["    import gc",
          "    server = next(o for o in gc.get_objects() if type(o).__name__ == 'Server')"]
# Every request the child could make of the grader's object besides its declared callback.
FORGED = [({"op": "method", "id": 0, "name": "save"}, [str(SAVED)]),
          ({"op": "method", "id": 0, "name": "load"}, [str(ORACLES)]),
          ({"op": "method", "id": 0, "name": "__getattribute__"}, ["__doc__"]),
          ({"op": "method", "id": 0, "name": "__dir__"}, []),
          ({"op": "method", "id": 0, "name": "predict"}, []),
          ({"op": "dep", "module": "pathlib", "name": "Path"}, [str(SAVED)])]
# A correct loss for both regions of softmax.py, except that it exponentiates the raw
# scores and shifts them only after an overflow: under the tests' np.errstate it raises.
OVERFLOW_FALLBACK = [
    "    rows = np.arange(X.shape[0])",
    "    scores = X @ W",
    "    exp_scores = np.exp(scores)",
    "    sums = exp_scores.sum(axis=1, keepdims=True)",
    "    if not np.isfinite(sums).all() or (sums == 0).any():",
    "        scores = scores - scores.max(axis=1, keepdims=True)",
    "        exp_scores = np.exp(scores)",
    "        sums = exp_scores.sum(axis=1, keepdims=True)",
    "    probs = exp_scores / sums",
    "    loss = np.mean(np.log(sums[:, 0]) - scores[rows, y]) + reg * np.sum(W * W)",
    "    probs[rows, y] -= 1",
    "    dW = X.T @ probs / X.shape[0] + 2 * reg * W"]
ATTACKS = {  # name: (file, body of every region of the file)
    "patch_pytest": (CHECK, [
        "    import sys",
        "    sys.modules.get('_pytest.python') and setattr(",
        "        sys.modules['_pytest.python'].Function, 'runtest', lambda self: None)",
        "    import builtins; builtins.AssertionError = type('A', (Exception,), {})", *WRONG]),
    "skip_itself": (CHECK, ["    __import__('pytest').skip('graded elsewhere')", *WRONG]),
    "patch_numpy_testing": (SOFTMAX, ["    np.testing.assert_allclose = lambda *a, **k: None",
                                      *WRONG_GRADIENT]),
    "exit_early": (CHECK, ["    import atexit, os", "    atexit.register(os._exit, 0)",
                           "    os._exit(0)"]),
    "read_hidden": (CHECK, [
        "    import pathlib",
        f"    paths = [pathlib.Path(__file__).parent / {tasks.HIDDEN_TESTS + '/oracles.py'!r},"
        f" *{HIDDEN!r}]",
        "    found = [p.read_text()[:200] for p in map(pathlib.Path, paths) if p.exists()]",
        "    raise ValueError('found ' + repr(found))"]),
    "call_the_other": (SOFTMAX, [
        "    return (softmax_loss_vectorized(W, X, y, reg) if "
        "softmax_loss_naive.__name__ == 'x' else softmax_loss_naive(W, X, y, reg))"]),
    "write_outside": (CHECK, [
        "    import pathlib",
        f"    for p in [{str(CANARY)!r}, '/proc/1/cwd/tests/conftest.py']:",
        "        try: pathlib.Path(p).write_text('pwned')",
        "        except OSError: pass", *WRONG]),
    "kill_parent": (CHECK, ["    import os, signal", "    os.kill(os.getppid(), signal.SIGKILL)",
                            "    os.kill(1, signal.SIGKILL)", *WRONG]),
    "call_back_anything": (LINEAR, [
        *SERVER, "    seen = []", f"    for header, args in {FORGED!r}:",
        "        try:",
        "            seen.append(repr(server.ask(header, {'W': np.ones((3, 2))}, *args))[:80])",
        "        except Exception as error:",
        "            seen.append(type(error).__name__ + ': ' + str(error)[:50])",
        "    raise ValueError('seen ' + ' | '.join(seen))"]),
    # A train that takes the whole set as every batch and records the batch shapes the
    # hidden test (Softmax) or the public one (a LinearClassifier) expects.
    "forge_batch_shapes": (LINEAR, [[
        "    X_batch, y_batch = X, y",
        "    self.batch_shapes = ([(batch_size, X.shape[1])] * num_iters",
        "                         if type(self).__name__ == 'Softmax' else",
        "                         [((batch_size, X.shape[1]), (batch_size,))] * num_iters)"],
        ["    self.W -= learning_rate * grad"],
        ["    y_pred = np.argmax(X @ self.W, axis=1)"],
        ["    raise ValueError('not attempted')"]]),
    # Zero X and W in place, then return the closed form at X = 0 (and W = 0).
    "zero_inputs": (SOFTMAX, ["    X[...] = 0", "    W[...] = 0",
                              "    loss, dW = np.log(W.shape[1]), np.zeros_like(W)"]),
    "detach_and_flood": (CHECK, [
        "    import subprocess, sys, os",
        "    subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'],"
        " start_new_session=True)",
        "    os.write(1, b'x' * (64 << 20))", "    print('y' * (1 << 30))", *WRONG]),
}


def rewritten(rel, body):
    """`rel` with `body` in every region, or, given a list of bodies, the nth in the nth.

    Bodies are written at a function's indent (4 spaces), and moved to the region's.
    """
    text = (BUNDLE / rel).read_text()
    starts = sorted(region.start for region in regions.find_regions(text, "code", rel))

    def paste(region, old):
        lines = body if isinstance(body[0], str) else body[starts.index(region.start)]
        return [region.indent + line[4:] for line in lines]
    return regions.rewrite(text, "code", rel, paste)
