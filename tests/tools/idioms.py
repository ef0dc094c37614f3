"""Correct solutions in students' idioms, as region bodies: what test_fair_points.py asserts on.

Each idiom is a correct (or, for 0.5 * reg, an older convention's) solution written for
these tests. The graded class (graded_class.py) hands each in as its own submission: the
released task file with the idiom pasted into its task's regions, and no other file.
"""

import re

from grading.student import regions

# -np.log of the correct class's probability, after a per-row max shift: a class trailing
# by 2e4 has probability 0, so the loss is inf at scores of +-1e4.
NAIVE_LOG_OF_PROBABILITY = """for i in range(num_train):
    f = X[i].dot(W)
    f -= np.max(f)
    probs = np.exp(f) / np.sum(np.exp(f))
    loss += -np.log(probs[y[i]])
    for j in range(num_classes):
        if j == y[i]:
            dW[:, j] += (probs[j] - 1) * X[i]
        else:
            dW[:, j] += probs[j] * X[i]
loss /= num_train
loss += reg * np.sum(W * W)
dW /= num_train
dW += 2 * reg * W"""

# Loops over examples, classes and the D features for the scores; stable log-sum-exp.
NAIVE_TRIPLE_LOOP = """dim = W.shape[0]
for i in range(num_train):
    s = np.zeros(num_classes)
    for j in range(num_classes):
        for d in range(dim):
            s[j] += X[i, d] * W[d, j]
    s = s - np.max(s)
    log_sum = np.log(np.sum(np.exp(s)))
    loss += log_sum - s[y[i]]
    for j in range(num_classes):
        dW[:, j] += (np.exp(s[j] - log_sum) - (j == y[i])) * X[i]
loss = loss / num_train + reg * np.sum(W * W)
dW = dW / num_train + 2 * reg * W"""

# One maximum over the whole score matrix: rows far below it become 0 / 0.
VECTORIZED_ONE_MAX = """N = X.shape[0]
S = X.dot(W)
S = S - np.max(S)
E = np.exp(S)
P = E / E.sum(axis=1)[:, None]
loss = -np.sum(np.log(P[range(N), y])) / N + reg * np.sum(W**2)
P[range(N), y] -= 1
dW = X.T.dot(P) / N + 2 * reg * W"""

# No shift at all, and the gradient by the chain rule through -log(p_y).
VECTORIZED_NO_SHIFT = """num_train = X.shape[0]
rows = np.arange(num_train)
exp_scores = np.exp(X @ W)
probs = exp_scores / np.sum(exp_scores, axis=1, keepdims=True)
correct = probs[rows, y]
loss = np.mean(-np.log(correct)) + reg * np.sum(W * W)
# dL/dp_y = -1 / (N p_y) and dp_y/ds_j = p_y ([j == y] - p_j)
dcorrect = -1.0 / (num_train * correct)
onehot = np.zeros_like(probs)
onehot[rows, y] = 1
dscores = (dcorrect * correct)[:, None] * (onehot - probs)
dW = X.T @ dscores + 2 * reg * W"""

# The older convention: 0.5 * reg * sum(W^2), gradient reg * W. Stable and self-consistent.
VECTORIZED_HALF_REG = """n = len(y)
z = X @ W
z = z - z.max(axis=1, keepdims=True)
logp = z - np.log(np.exp(z).sum(axis=1))[:, None]
loss = -logp[np.arange(n), y].sum() / n + 0.5 * reg * np.sum(W * W)
g = np.exp(logp)
g[np.arange(n), y] -= 1
dW = X.T @ g / n + reg * W"""

# linear_classifier's three regions: the batch, the step, predict.
BATCH = """sample = rng.integers(num_train, size=batch_size)
X_batch = X[sample, :]
y_batch = y[sample]"""
STEP = "self.W += -learning_rate * grad"
PREDICT = "y_pred = np.argmax(X @ self.W, axis=1)"
# CS231n's template: fill the float y_pred = np.zeros(N) the provided code made.
PREDICT_INTO_FLOATS = """for i in range(X.shape[0]):
    y_pred[i] = np.argmax(X[i] @ self.W)"""
BATCH_FROM_NP_RANDOM = """batch_indices = np.random.choice(num_train, batch_size, replace=True)
X_batch = X[batch_indices]
y_batch = y[batch_indices]"""

SOFTMAX, LINEAR = "classifiers/softmax.py", "classifiers/linear_classifier.py"
# idiom: (file, task, bodies of the task's regions in order, points, groups lost)
IDIOMS = {
    "naive -log(probs[y]) after a per-row shift":
        (SOFTMAX, "softmax_naive", [NAIVE_LOG_OF_PROBABILITY], 9, {"stable"}),
    "naive triple loop": (SOFTMAX, "softmax_naive", [NAIVE_TRIPLE_LOOP], 10, set()),
    "vectorized one max over all scores":
        (SOFTMAX, "softmax_vectorized", [VECTORIZED_ONE_MAX], 9, {"stable"}),
    "vectorized no shift, chain rule through 1/p":
        (SOFTMAX, "softmax_vectorized", [VECTORIZED_NO_SHIFT], 9, {"stable"}),
    "vectorized 0.5 * reg convention":
        (SOFTMAX, "softmax_vectorized", [VECTORIZED_HALF_REG], 5, {"reference"}),
    "predict fills float y_pred":
        (LINEAR, "linear_classifier", [BATCH, STEP, PREDICT_INTO_FLOATS], 10, set()),
    "train draws with np.random.choice":
        (LINEAR, "linear_classifier", [BATCH_FROM_NP_RANDOM, STEP, PREDICT], 9, {"seed"}),
}


def name(idiom):
    """The idiom's submission in the graded class: a folder name made of its words."""
    return "idiom-" + re.sub(r"[^a-z0-9]+", "-", idiom.lower()).strip("-")


def handed_in(release, folder, idiom):
    """Write into folder the released task file with `idiom` in its task's regions; folder."""
    rel, task, bodies, _, _ = IDIOMS[idiom]
    text, bodies = (release / rel).read_text(), list(bodies)
    assert sum(region.task == task for region in regions.find_regions(text, "code", rel)) \
        == len(bodies), rel

    def paste(region, _):  # rewrite() visits the regions last to first
        if region.task == task:
            return [region.indent + line for line in bodies.pop().split("\n")]
        return None

    (folder / rel).parent.mkdir(parents=True)
    (folder / rel).write_text(regions.rewrite(text, "code", rel, paste))
    return folder
