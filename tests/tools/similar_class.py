"""A class of 20 for the similarity tests: 19 honest submissions and one disguised copy.

The honest ones are written independently of each other, so no two share a region's text:
the bundle's solution (`reference`); `other`, the differently written bodies of
test_grading_release.py with a notebook of its own; `third`, written for these tests;
each idiom of idioms.py alone in its task file; five more tasks written alone for these
tests; two students who only answered the questions; and two untouched releases, one
handed in as a zip. `copy` is `third` disguised: names changed, independent statements
reordered, comments rewritten, the answers reworded here and there.
"""

import zipfile
from pathlib import Path

import nbformat

from grading import tasks
from grading.authoring import release
from grading.student import regions

import idioms
from test_grading_release import OTHER_BODIES

BUNDLE = Path(__file__).resolve().parents[2]
SOFTMAX, LINEAR = "classifiers/softmax.py", "classifiers/linear_classifier.py"
LEAST, CHECK = "classifiers/least_squares.py", "gradient_check.py"
SEARCH = "hyperparameter_search"
QUESTIONS = ("ridge_question", "inline_question_1", "inline_question_2", "inline_question_3")

# `third`, region by region (None keeps the stub), and its notebook.
THIRD = {
    SOFTMAX: ["""# go through the examples one by one
for n in range(num_train):
    logits = np.dot(X[n], W)
    logits -= np.max(logits)          # stability: the largest logit becomes 0
    denom = np.sum(np.exp(logits))
    prob = np.exp(logits) / denom
    loss += np.log(denom) - logits[y[n]]
    for c in range(num_classes):
        indicator = 1.0 if c == y[n] else 0.0
        dW[:, c] += X[n] * (prob[c] - indicator)
loss /= num_train
dW /= num_train
loss += reg * np.sum(np.square(W))
dW += 2.0 * reg * W""",
              """logits = np.dot(X, W)
logits -= np.max(logits, axis=1, keepdims=True)
expo = np.exp(logits)
denom = np.sum(expo, axis=1, keepdims=True)
prob = expo / denom
picked = logits[np.arange(num_train), y]
loss = np.sum(np.log(denom[:, 0]) - picked) / num_train
loss += reg * np.sum(np.square(W))
target = np.zeros_like(prob)
target[np.arange(num_train), y] = 1.0
dW = np.dot(X.T, prob - target) / num_train
dW += 2.0 * reg * W"""],
    LINEAR: ["""chosen = rng.integers(low=0, high=num_train, size=batch_size)
X_batch = X[chosen]
y_batch = y[chosen]""",
             "self.W = self.W - learning_rate * grad",
             """scores = np.dot(X, self.W)
y_pred = scores.argmax(axis=1)""",
             """num_configs = len(configs)
W = np.concatenate([W0 for _ in range(num_configs)], axis=1)
lr_cols = np.array([lr for lr, _ in configs]).repeat(num_classes)
reg_cols = np.array([r for _, r in configs]).repeat(num_classes)
for step in range(num_iters):
    chosen = rng.integers(low=0, high=num_train, size=batch_size)
    Xb, yb = X[chosen], y[chosen]
    logits = np.dot(Xb, W).reshape(batch_size, num_configs, num_classes)
    logits -= np.max(logits, axis=2, keepdims=True)
    prob = np.exp(logits)
    prob /= np.sum(prob, axis=2, keepdims=True)
    prob[np.arange(batch_size), :, yb] -= 1.0
    grad = np.dot(Xb.T, prob.reshape(batch_size, -1)) / batch_size
    W -= lr_cols * (grad + 2.0 * reg_cols * W)"""],
    LEAST: ["Y[np.arange(len(y)), y] += 1",
            """diff = np.dot(X, W) - Y
loss = float(np.einsum("ij,ij->", diff, diff)) / len(X)""",
            """scores = np.dot(X, W)
y_pred = scores.argmax(axis=1)""",
            """eigvals, eigvecs = np.linalg.eigh(gram)
projected = np.dot(eigvecs.T, np.dot(X.T, Y))
tolerance = eigvals.max(initial=0.0) * dim * np.finfo(np.float64).eps
for index in range(len(lambdas)):
    shrunk = eigvals + lambdas[index] * num_train
    keep = shrunk > tolerance
    factors = np.where(keep, 1.0 / np.where(keep, shrunk, 1.0), 0.0)
    W[index] = np.dot(eigvecs, factors[:, None] * projected)"""],
    CHECK: ["""both = np.abs(x) + np.abs(y)
ratio = np.zeros_like(both)
nonzero = both > 0
ratio[nonzero] = np.abs(x - y)[nonzero] / both[nonzero]
error = float(ratio.max()) if ratio.size else 0.0""",
            """for trial in range(num_checks):
    position = tuple(rng.integers(0, size) for size in x.shape)
    plus, minus = _centred_difference(f, x, position, h)
    grad_numerical[trial] = (plus - minus) / (2.0 * h)
    grad_analytic[trial] = analytic_grad[position]
    errors[trial] = rel_error(grad_numerical[trial], grad_analytic[trial])"""],
}
THIRD_SEARCH = """for lr in learning_rates:
    for reg in regularization_strengths:
        candidate = Softmax()
        candidate.train(X_train, y_train, learning_rate=lr, reg=reg, num_iters=num_iters,
                        seed=0)
        pair = (accuracy(candidate.predict(X_train), y_train),
                accuracy(candidate.predict(X_val), y_val))
        results[(lr, reg)] = pair
        if pair[1] > best_val:
            best_val = pair[1]
            best_softmax = candidate"""
THIRD_ANSWERS = (
    "A bigger lambda pulls every weight towards zero, the weakly supported directions first. "
    "Training accuracy therefore drops steadily, because the model can no longer memorise the "
    "training images, while test accuracy first stays flat or improves a little and only "
    "falls once lambda is so large that the useful directions are suppressed too.",
    "The initial weights are tiny, so all ten scores are nearly equal and the softmax assigns "
    "about one tenth to every class. The loss per example is minus the log of that, so we "
    "expect roughly -log(0.1), which is about 2.3.",
    "True: a point classified correctly with room to spare contributes zero hinge loss, "
    "whereas the softmax probability of the right class is never exactly one, so its "
    "cross-entropy is always above zero and the sum grows.",
    "They look like blurry average images of each class, e.g. a bluish blob for airplanes and "
    "ships, because each row of weights acts as one template that is matched against the "
    "image by a dot product, so it learns the mean appearance of the class.",
)

# `copy`: `third` disguised, region by region. Names changed, independent statements
# swapped, comments rewritten; the same code underneath.
COPY = {
    SOFTMAX: ["""for idx in range(num_train):
    z = np.dot(X[idx], W)
    z -= np.max(z)          # subtract the max for numerical reasons
    total = np.sum(np.exp(z))
    p = np.exp(z) / total
    loss += np.log(total) - z[y[idx]]
    for k in range(num_classes):
        is_true = 1.0 if k == y[idx] else 0.0
        dW[:, k] += X[idx] * (p[k] - is_true)
dW /= num_train
loss /= num_train
dW += 2.0 * reg * W
loss += reg * np.sum(np.square(W))""",
              """z = np.dot(X, W)
z -= np.max(z, axis=1, keepdims=True)
ez = np.exp(z)
total = np.sum(ez, axis=1, keepdims=True)
p = ez / total
onehot = np.zeros_like(p)
onehot[np.arange(num_train), y] = 1.0
correct = z[np.arange(num_train), y]
loss = np.sum(np.log(total[:, 0]) - correct) / num_train
loss += reg * np.sum(np.square(W))
dW = np.dot(X.T, p - onehot) / num_train
dW += 2.0 * reg * W"""],
    LINEAR: ["""picks = rng.integers(low=0, high=num_train, size=batch_size)
y_batch = y[picks]
X_batch = X[picks]""",
             "self.W = self.W - learning_rate * grad",
             """scores = np.dot(X, self.W)
y_pred = scores.argmax(axis=1)""",
             """K = len(configs)
rates = np.array([lr for lr, _ in configs]).repeat(num_classes)
regs_per_col = np.array([r for _, r in configs]).repeat(num_classes)
W = np.concatenate([W0 for _ in range(K)], axis=1)
for it in range(num_iters):
    picks = rng.integers(low=0, high=num_train, size=batch_size)
    xs, ys = X[picks], y[picks]
    z = np.dot(xs, W).reshape(batch_size, K, num_classes)
    z -= np.max(z, axis=2, keepdims=True)
    p = np.exp(z)
    p /= np.sum(p, axis=2, keepdims=True)
    p[np.arange(batch_size), :, ys] -= 1.0
    g = np.dot(xs.T, p.reshape(batch_size, -1)) / batch_size
    W -= rates * (g + 2.0 * regs_per_col * W)"""],
    LEAST: ["Y[np.arange(len(y)), y] += 1",
            """r = np.dot(X, W) - Y
loss = float(np.einsum("ij,ij->", r, r)) / len(X)""",
            """scores = np.dot(X, W)
y_pred = scores.argmax(axis=1)""",
            """s, Q = np.linalg.eigh(gram)
tol = s.max(initial=0.0) * dim * np.finfo(np.float64).eps
QtXtY = np.dot(Q.T, np.dot(X.T, Y))
for i in range(len(lambdas)):
    d = s + lambdas[i] * num_train
    ok = d > tol
    inv = np.where(ok, 1.0 / np.where(ok, d, 1.0), 0.0)
    W[i] = np.dot(Q, inv[:, None] * QtXtY)"""],
    CHECK: ["""denom = np.abs(x) + np.abs(y)
nz = denom > 0
rel = np.zeros_like(denom)
rel[nz] = np.abs(x - y)[nz] / denom[nz]
error = float(rel.max()) if rel.size else 0.0""",
            """for t in range(num_checks):
    where = tuple(rng.integers(0, n) for n in x.shape)
    up, down = _centred_difference(f, x, where, h)
    grad_numerical[t] = (up - down) / (2.0 * h)
    grad_analytic[t] = analytic_grad[where]
    errors[t] = rel_error(grad_numerical[t], grad_analytic[t])"""],
}
COPY_SEARCH = """for rate in learning_rates:
    for strength in regularization_strengths:
        clf = Softmax()
        clf.train(X_train, y_train, learning_rate=rate, reg=strength, num_iters=num_iters,
                  seed=0)
        accs = (accuracy(clf.predict(X_train), y_train),
                accuracy(clf.predict(X_val), y_val))
        results[(rate, strength)] = accs
        if accs[1] > best_val:
            best_softmax = clf
            best_val = accs[1]"""
COPY_ANSWERS = (
    "A larger lambda pulls every weight towards zero, the weakly supported directions first. "
    "Training accuracy therefore drops steadily, since the model can no longer memorise the "
    "training images, while test accuracy first stays flat or improves slightly and only "
    "falls once lambda is so large that the useful directions are suppressed as well.",
    "The initial weights are very small, so all ten scores are nearly equal and the softmax "
    "assigns about one tenth to each class. The loss per example is minus the log of that, so "
    "we expect roughly -log(0.1), which is about 2.3.",
    "True: a point classified correctly with room to spare contributes zero hinge loss, "
    "whereas the softmax probability of the correct class is never exactly one, so its "
    "cross-entropy is always above zero and the sum grows.",
    "They look like blurry average images of each class, e.g. a bluish blob for planes and "
    "ships, because each row of weights acts as one template that is matched against the "
    "image by a dot product, so it learns the mean look of the class.",
)

OTHER_SEARCH = """grid = train_grid(X_train, y_train, learning_rates, regularization_strengths,
                  num_iters=num_iters, seed=0)
for key in sorted(grid):
    train_acc = np.mean(grid[key].predict(X_train) == y_train)
    val_acc = np.mean(grid[key].predict(X_val) == y_val)
    results[key] = (train_acc, val_acc)
best_val = max(val for _, val in results.values())
best_softmax = next(grid[key] for key in sorted(grid) if results[key][1] == best_val)"""
OTHER_ANSWERS = (
    "Ridge shrinks the solution most in the directions where the training inputs vary least. "
    "With lambda near 0 the fit is nearly exact on the training set, and it generalises worse: "
    "the gap between training and test is overfitting. Raising lambda closes the gap, mostly "
    "by lowering the training accuracy; at very large lambda both accuracies collapse.",
    "Scores are near 0 at initialization, so p = softmax(s) is almost uniform over 10 classes "
    "and the cross-entropy of the correct label is -log p_y = -log(1/10) = 2.302...",
    "TRUE. Hinge loss is max(0, s_j - s_y + 1) summed over wrong classes; an example with a "
    "large margin gives 0. The softmax loss -log p_y is 0 only if p_y = 1, which needs "
    "infinite scores, so a new example always increases the summed loss.",
    "Each weight image is a smoothed prototype of its class, since a single linear template "
    "has to score every variant of the class well; on this data they show the colour layout "
    "each class was generated from.",
)

# Five tasks, each written alone by a student who did nothing else.
ALONE = {
    "naive-rowwise": (SOFTMAX, "softmax_naive", ["""for i in range(num_train):
    row = X[i].dot(W)
    top = row.max()
    lse = top + np.log(np.exp(row - top).sum())
    loss += lse - row[y[i]]
    grad_row = np.exp(row - lse)
    grad_row[y[i]] -= 1
    dW += X[i][:, np.newaxis] * grad_row[np.newaxis, :]
loss = loss / num_train + reg * (W * W).sum()
dW = dW / num_train + reg * 2 * W"""]),
    "vectorized-logsumexp": (SOFTMAX, "softmax_vectorized", ["""S = X.dot(W)
m = S.max(axis=1)
lse = m + np.log(np.exp(S - m[:, np.newaxis]).sum(axis=1))
idx = np.arange(num_train)
loss = (lse - S[idx, y]).mean() + reg * (W * W).sum()
G = np.exp(S - lse[:, np.newaxis])
G[idx, y] -= 1
dW = X.T.dot(G) / num_train + reg * 2 * W"""]),
    "least-squares-solve": (LEAST, "least_squares", [
        "Y[range(len(y)), y] = 1",
        "loss = ((X.dot(W) - Y) ** 2).sum(axis=1).mean()",
        "scores = X.dot(W)\ny_pred = np.argmax(scores, axis=-1)",
        """lam_values = np.asarray(lambdas, dtype=float)
s, U = np.linalg.eigh(gram)
rhs = U.T.dot(X.T.dot(Y))
small = s.max() * dim * np.finfo(float).eps if s.size else 0.0
for j, lam in enumerate(lam_values):
    denom = s + lam * num_train
    scale = np.array([1 / v if v > small else 0.0 for v in denom])
    W[j] = U.dot(scale.reshape(-1, 1) * rhs)"""]),
    "gradient-check-while": (CHECK, "gradient_check", [
        """err = np.abs(x - y)
tot = np.abs(x) + np.abs(y)
with np.errstate(invalid="ignore", divide="ignore"):
    err = np.where(tot == 0, 0.0, err / tot)
error = err.max() if err.size > 0 else 0.0""",
        """k = 0
while k < num_checks:
    entry = tuple(int(rng.integers(dim)) for dim in x.shape)
    hi, lo = _centred_difference(f, x, entry, h)
    grad_numerical[k] = (hi - lo) / 2 / h
    grad_analytic[k] = analytic_grad[entry]
    errors[k] = rel_error(grad_numerical[k], grad_analytic[k])
    k += 1"""]),
    "train-grid-einsum": (LINEAR, "train_grid", ["""K = len(configs)
lrs = np.array([c[0] for c in configs])
rgs = np.array([c[1] for c in configs])
Wk = np.stack([W0.copy() for _ in configs])  # (K, D, C)
for _ in range(num_iters):
    b = rng.integers(num_train, size=batch_size)
    Xb = X[b]
    S = np.einsum("nd,kdc->knc", Xb, Wk)
    S = S - S.max(axis=2)[:, :, None]
    P = np.exp(S)
    P = P / P.sum(axis=2)[:, :, None]
    P[:, np.arange(batch_size), y[b]] -= 1
    dWk = np.einsum("nd,knc->kdc", Xb, P) / batch_size + 2 * rgs[:, None, None] * Wk
    Wk = Wk - lrs[:, None, None] * dWk
W = np.concatenate(list(Wk), axis=1)"""]),
}

# Two students who only answered the questions, in their own words.
ANSWERS_ONLY = {
    "answers-d": (
        "Small lambda: overfitting, high train accuracy and lower test accuracy. Large lambda: "
        "underfitting, as the weights go to 0 and both accuracies drop. In between the test "
        "accuracy is best.",
        "Because W is random and small, p(class) is about 0.1 for each of the 10 classes, "
        "and the loss is -log(0.1).",
        "True, the SVM loss can be zero for an example but softmax loss is always positive.",
        "Like ghostly pictures of the classes: the car template is red-ish, the frog green.",
    ),
    "answers-e": (
        "Regularization trades variance for bias. When it is weak the classifier fits noise in "
        "the training data, so it scores higher on training data than on unseen data; as it "
        "strengthens, that difference shrinks and eventually both decline together.",
        "Uniform predictions: with near-zero weights, every class receives probability 1/C "
        "with C = 10, therefore the expected starting loss equals log C, roughly 2.30.",
        "It is true. Once the margin is satisfied, hinge loss is flat at 0. Cross-entropy "
        "asymptotically approaches 0 but never reaches it for finite weights.",
        "The weights reshaped into 32x32x3 images resemble fuzzy averages of the training "
        "pictures of each class, since the classifier is a template matcher.",
    ),
}


def released(rel):
    """The release's text of task file or notebook `rel` (the notebook as a NotebookNode)."""
    if rel == tasks.NOTEBOOK:
        return release.stub_notebook(nbformat.read(BUNDLE / rel, as_version=4), rel)
    return release.stub_python((BUNDLE / rel).read_text(), rel)


def pasted(text, kind, where, bodies):
    """`text` with its regions' bodies replaced, in order, by `bodies` (None: keep it)."""
    bodies = list(bodies)
    assert len(regions.find_regions(text, kind, where)) == len(bodies), where
    return regions.rewrite(text, kind, where, lambda region, _: None if (
        body := bodies.pop()) is None else [region.indent + line for line in body.split("\n")])


def notebook(search=None, answers=None):
    """The released notebook with the search region's body and the four answers given."""
    nb = released(tasks.NOTEBOOK)
    for index, kind, source, loc in regions.notebook_sources(nb, tasks.NOTEBOOK):
        found = regions.find_regions(source, kind, loc)
        if found and kind == "code" and search is not None:
            nb.cells[index].source = pasted(source, kind, loc, [search])
        elif found and kind == "answer" and answers is not None:
            nb.cells[index].source = pasted(source, kind, loc, [answers[QUESTIONS.index(
                found[0].task)]])
    return nb


def write(folder, files, nb=None):
    """Hand in a submission: the released task files with {rel: bodies} pasted in, the
    others released; the notebook released unless `nb` is given."""
    for rel in tasks.SUBMISSION_FILES:
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        if rel == tasks.NOTEBOOK:
            nbformat.write(nb or released(rel), folder / rel)
        else:
            text = released(rel)
            bodies = files.get(rel)
            (folder / rel).write_text(text if bodies is None else pasted(text, "code", rel,
                                                                         bodies))
    return folder


def reference_bodies(rel, kind="code", cell=None):
    """The bundle's own region bodies of `rel` (or of notebook cell `cell`), in order."""
    text = (BUNDLE / rel).read_text() if cell is None else \
        nbformat.read(BUNDLE / rel, as_version=4).cells[cell].source
    lines = text.split("\n")
    return ["\n".join(line.removeprefix(region.indent)
                      for line in lines[region.start + 1:region.end])
            for region in regions.find_regions(text, kind, rel)]


def reference_notebook():
    """The bundle's notebook with its outputs cleared: the solution's regions, released
    cells."""
    nb = nbformat.read(BUNDLE / tasks.NOTEBOOK, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return nb


def idiom_files(idiom):
    """{rel: bodies} of an idiom of idioms.py: its task's regions, the rest stubs."""
    rel, task, bodies, _, _ = idioms.IDIOMS[idiom]
    text, bodies = released(rel), list(bodies)
    return {rel: [bodies.pop(0) if region.task == task else None
                  for region in regions.find_regions(text, "code", rel)]}


def alone_files(rel, task, bodies):
    """{rel: bodies} of one task written alone, the file's other regions stubs."""
    bodies = list(bodies)
    return {rel: [bodies.pop(0) if region.task == task else None
                  for region in regions.find_regions(released(rel), "code", rel)]}


def hand_in(root):
    """Write the class of 20 into root/class; {name: submission path}."""
    root, scratch = root / "class", root
    write(root / "reference", {rel: reference_bodies(rel) for rel in (SOFTMAX, LINEAR, LEAST,
                                                                      CHECK)},
          reference_notebook())
    write(root / "other", OTHER_BODIES, notebook(OTHER_SEARCH, OTHER_ANSWERS))
    write(root / "third", THIRD, notebook(THIRD_SEARCH, THIRD_ANSWERS))
    write(root / "copy", COPY, notebook(COPY_SEARCH, COPY_ANSWERS))
    for idiom in idioms.IDIOMS:
        write(root / idioms.name(idiom), idiom_files(idiom))
    for name, (rel, task, bodies) in ALONE.items():
        write(root / name, alone_files(rel, task, bodies))
    for name, answers in ANSWERS_ONLY.items():
        write(root / name, {}, notebook(answers=answers))
    write(root / "release", {})
    zipped(write(scratch / "unzipped", {}), root / "release.zip")
    return {path.name: path for path in sorted(root.iterdir())}


def zipped(folder, archive):
    """Zip the submission files of folder into archive, as collect does."""
    with zipfile.ZipFile(archive, "w") as out:
        for rel in tasks.SUBMISSION_FILES:
            out.write(folder / rel, rel)
