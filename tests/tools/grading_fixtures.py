"""The small notebook and submissions that the grading tests grade, shared by their modules.

The notebook is a small stand-in for the bundle's (whose full-size run is re-executed by
nbval elsewhere), run on a small synthetic CIFAR-format set; it is small by its own code,
and prints SOFTMAX_QUICK, which grading must not pass on. `nobody_runs` is the oracle of
the uid tests: what uid 65534 may run and read, asked of subprocess's own uid switch.
"""

import hashlib
import os
import shutil
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from grading import tasks
from grading.grader import scratch
from grading.isolation.unprivileged import NOBODY
from grading.student import regions

BUNDLE = Path(__file__).resolve().parents[2]
CELLS = [
    ["import json, os, pickle", "from pathlib import Path", "import numpy as np",
     "from classifiers import Softmax", "from classifiers.softmax import softmax_loss_vectorized",
     "folder = Path(os.environ['CIFAR10_DIR'])",
     "dataset = 'synthetic' if (folder / 'SYNTHETIC').exists() else 'cifar10'",
     "print(dataset, os.environ.get('SOFTMAX_QUICK', 'full size'))"],
    ["with open(folder / 'data_batch_1', 'rb') as f:",
     "    batch = pickle.load(f, encoding='latin1')",
     "X, y = batch['data'][:100].astype(float), np.array(batch['labels'][:100])",
     "X = np.hstack([X - X.mean(axis=0), np.ones((100, 1))])", "print(X.shape)"],
    ["W = 1e-4 * np.random.default_rng(0).standard_normal((3073, 10))",
     "loss, dW = softmax_loss_vectorized(W, X, y, 0.0)",
     "print(f'loss {loss:.6f}, sum |dW| {np.abs(dW).sum():.6g}')"],
    ["model = Softmax()",
     "history = model.train(X, y, learning_rate=1e-7, reg=10.0, num_iters=30, batch_size=50,",
     "                      seed=0)",
     "train_acc = float(np.mean(model.predict(X) == y))",
     "print(f'final loss {history[-1]:.6g}, train accuracy {train_acc:.3f}')"],
    ["# *****START OF YOUR CODE (task: best_model)*****", "best = model",
     "# *****END OF YOUR CODE*****"],
    ["scores = {'train': train_acc, 'val': train_acc, 'test': train_acc}",
     "print(json.dumps({'dataset': dataset, 'accuracy': {'softmax': scores}}))"],
]
ANSWER = ["Why does the loss start near log(10)?",
          "<!-- START OF YOUR ANSWER (task: inline_question_1) -->",
          "All ten classes start equally likely.", "<!-- END OF YOUR ANSWER -->"]


def fixture_notebook():
    """A small stand-in for the bundle's notebook, with a code region and an answer region."""
    code = [new_code_cell("\n".join(lines)) for lines in CELLS]
    cells = [new_markdown_cell("# Fixture"), *code[:-1], new_markdown_cell("\n".join(ANSWER)),
             code[-1]]
    kernel = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return new_notebook(cells=cells, metadata={"kernelspec": kernel})


def plant_bug(text):
    """The vectorized gradient is no longer divided by N (it is multiplied back at the end)."""
    def body(region, lines):
        return lines + [region.indent + "dW = dW * X.shape[0]"] \
            if region.task == "softmax_vectorized" else None

    return regions.rewrite(text, "code", "softmax.py", body)


def digest(folder):
    return {rel: hashlib.sha256((folder / rel).read_bytes()).hexdigest()
            for rel in regions.walk(folder)}


def executed_solution(root, subs):
    """The solution with the fixture notebook run in a full bundle, as a student runs it."""
    student = scratch.reference_tree(BUNDLE, root / "student")
    (student / tasks.NOTEBOOK).parent.mkdir(exist_ok=True)
    nbformat.write(fixture_notebook(), student / tasks.NOTEBOOK)
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST_")}
    done = subprocess.run(
        [sys.executable, "-m", "jupyter", "execute", "--inplace", "--kernel_name=python3",
         tasks.NOTEBOOK], cwd=student, timeout=300, capture_output=True, text=True,
        env={**env, "PYTHONPATH": str(student), "OPENBLAS_NUM_THREADS": "1"})
    assert done.returncode == 0, done.stderr
    for rel in tasks.SUBMISSION_FILES:
        (subs / "solution" / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(student / rel, subs / "solution" / rel)
    return subs / "solution"


def small_synthetic(folder, num_train, num_test):
    """Write a small synthetic CIFAR-format set into folder, as the CLI writes it; folder."""
    subprocess.run([sys.executable, "-m", "cifar_synthetic", "--out", str(folder),
                    "--num-train", str(num_train), "--num-test", str(num_test)],
                   cwd=BUNDLE, check=True, capture_output=True)
    return folder


def nobody_runs(argv, env=None):
    """(exit status or None if it could not start, stdout) of argv run as uid 65534."""
    try:
        done = subprocess.run(argv, user=NOBODY, group=NOBODY, extra_groups=[], cwd="/",
                              env=env if env is not None else {"PATH": "/usr/bin:/bin"},
                              capture_output=True, text=True, timeout=120)
    except OSError:
        return None, ""
    return done.returncode, done.stdout


def open_to_others(path):
    """Give every folder from the temporary folder down to path o+x, as the grader does.

    Not for pytest's tmp_path: every pytest session sets a folder above it back to 0700.
    """
    for folder in [*reversed(Path(path).parents), Path(path)]:
        if Path(tempfile.gettempdir()) in folder.parents:
            folder.chmod(folder.stat().st_mode | stat.S_IXOTH)


START = "# *****START OF YOUR CODE (task: {})*****"
END = "# *****END OF YOUR CODE*****"


def decoy(text, task, host):
    """`text` with the body of `task`'s first region left in place, unmarked, and its marker
    pair moved into `host`: lines put before the file's first def or class (a new function
    or a block)."""
    lines = text.split("\n")
    region = next(r for r in regions.find_regions(text, "code", "f") if r.task == task)
    moved = [*host, "    " + START.format(task), "    pass", "    " + END]
    kept = lines[:region.start] + lines[region.start + 1:region.end] + lines[region.end + 1:]
    first = next(n for n, line in enumerate(kept) if line.startswith(("def ", "class ")))
    return "\n".join(kept[:first] + moved + ["", ""] + kept[first:])


def open_python(root):
    """A Python uid 65534 can run, with this environment's packages: a venv in root."""
    venv = root / "venv"
    done = subprocess.run(["/usr/bin/python3", "-m", "venv", "--without-pip", str(venv)],
                          capture_output=True)
    if done.returncode != 0:
        pytest.skip("the system's Python cannot make a virtual environment here")
    ours = Path(__import__("numpy").__file__).parents[1]  # this environment's packages
    site = next((venv / "lib").glob("python3*/site-packages"))
    (site / "ours.pth").write_text(f"import site; site.addsitedir({str(ours)!r})\n")
    open_to_others(venv)
    if nobody_runs([str(venv / "bin" / "python"), "-c", "import numpy, nbclient"])[0] != 0:
        pytest.skip(f"uid {NOBODY} cannot run the system's Python with these packages")
    return venv / "bin" / "python"
