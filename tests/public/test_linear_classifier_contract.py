"""LinearClassifier / Softmax: save and load, and the validation of train and predict.

The tests that train a Softmax wait while softmax_loss_vectorized is a stub.
"""


import numpy as np
import pytest

from classifiers.linear_classifier import LinearClassifier, Softmax

from strategies import small_problem

pytestmark = pytest.mark.linear_classifier
# The tests that train a Softmax call the vectorized loss, another task's.
needs_the_loss = pytest.mark.needs("softmax_vectorized")


@needs_the_loss
def test_save_load_round_trip(tmp_path):
    X, y = small_problem()
    classifier = Softmax()
    classifier.train(X, y, num_iters=10, batch_size=10, seed=0)
    path = tmp_path / "softmax.npz"
    classifier.save(path)
    loaded = Softmax.load(path)
    assert type(loaded) is Softmax
    np.testing.assert_array_equal(loaded.W, classifier.W)
    assert loaded.W.dtype == classifier.W.dtype
    np.testing.assert_array_equal(loaded.predict(X), classifier.predict(X))


def test_load_refuses_pickled_objects(tmp_path):
    path = tmp_path / "evil.npz"
    W = np.empty((5, 4), dtype=object)
    W[...] = 1.0
    np.savez(path, W=W)  # an object array is stored as a pickle
    with pytest.raises(ValueError, match="allow_pickle=False"):
        Softmax.load(path)


@needs_the_loss
def test_save_and_load_agree_on_the_npz_suffix(tmp_path):
    # np.savez appends .npz to a bare name; load must find the same file.
    X, y = small_problem()
    classifier = Softmax()
    classifier.train(X, y, num_iters=2, batch_size=5, seed=0)
    classifier.save(tmp_path / "model")
    assert (tmp_path / "model.npz").is_file()
    np.testing.assert_array_equal(Softmax.load(tmp_path / "model").W, classifier.W)


def test_load_of_a_missing_file_raises_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        Softmax.load(tmp_path / "missing.npz")


# ------------------------------------------------------------- validation
TRAIN_VALIDATION_CASES = [
    ("learning_rate 0", dict(learning_rate=0),
     r"^learning_rate must be a finite number > 0, got 0"),
    ("learning_rate < 0", dict(learning_rate=-1e-3),
     r"^learning_rate must be a finite number > 0, got -0\.001"),
    ("learning_rate nan", dict(learning_rate=float("nan")),
     r"^learning_rate must be a finite number"),
    ("learning_rate inf", dict(learning_rate=float("inf")),
     r"^learning_rate must be a finite number"),
    ("reg < 0", dict(reg=-1.0), r"^reg must be a finite number >= 0, got -1\.0"),
    ("num_iters < 0", dict(num_iters=-1), r"^num_iters must be an integer >= 0, got -1"),
    ("num_iters float", dict(num_iters=2.5), r"^num_iters must be an integer >= 0"),
    ("batch_size 0", dict(batch_size=0), r"^batch_size must be an integer >= 1, got 0"),
    ("batch_size float", dict(batch_size=10.0), r"^batch_size must be an integer >= 1"),
    ("num_iters bool", dict(num_iters=True), r"^num_iters must be an integer >= 0, got True"),
    ("reg bool", dict(reg=False), r"^reg must be a finite number >= 0, got False"),
    ("seed negative", dict(seed=-1), r"^seed must be an integer >= 0, got -1"),
    ("seed float", dict(seed=1.0), r"^seed must be an integer >= 0, got 1\.0"),
    ("y short", dict(y=np.zeros(39, dtype=int)),
     r"^y must have shape \(40,\) to match X, got \(39,\)"),
    ("y float", dict(y=np.zeros(40)), r"^y must hold integer labels"),
    ("y negative", dict(y=np.full(40, -1)), r"^y must hold labels >= 0, got min -1"),
    ("X 1-D", dict(X=np.zeros(40)), r"^X must"),
    ("X nan", dict(X=np.full((40, 5), np.nan)), r"^X must be finite \(no NaN or inf\)"),
]


@needs_the_loss
@pytest.mark.filterwarnings("ignore:invalid value:RuntimeWarning")
@pytest.mark.parametrize("change, pattern", [case[1:] for case in TRAIN_VALIDATION_CASES],
                         ids=[case[0] for case in TRAIN_VALIDATION_CASES])
def test_train_rejects_bad_input(change, pattern):
    X, y = small_problem()
    arguments = dict(X=X, y=y, learning_rate=1e-3, reg=1e-5, num_iters=2, batch_size=10, seed=0)
    arguments.update(change)
    with pytest.raises(ValueError, match=pattern):
        Softmax().train(**arguments)


@needs_the_loss
def test_train_accepts_numpy_scalars():
    X, y = small_problem()
    loss_history = Softmax().train(X, y, learning_rate=np.float32(1e-3), reg=np.float64(0.0),
                                   num_iters=np.int64(3), batch_size=np.int32(5),
                                   seed=np.uint8(1))
    assert len(loss_history) == 3


@needs_the_loss
def test_diverging_training_blames_the_learning_rate():
    # W is multiplied by about (1 - 2 learning_rate reg) = -1999 a step until X W overflows.
    X, y = small_problem()
    with pytest.raises(ValueError, match="learning_rate was too large and W diverged"):
        Softmax().train(X, y, learning_rate=1e3, reg=1.0, num_iters=500, batch_size=10, seed=0)


@needs_the_loss
def test_warm_start_rejects_labels_beyond_W():
    X, y = small_problem()
    classifier = Softmax()
    classifier.train(X, y % 3, num_iters=1, batch_size=10, seed=0)
    with pytest.raises(ValueError, match=r"^y must hold labels in \[0, 3\)"):
        classifier.train(X, y, num_iters=1, batch_size=10, seed=0)


@needs_the_loss
def test_warm_start_rejects_X_of_another_dimension():
    X, y = small_problem()
    classifier = Softmax()
    classifier.train(X, y, num_iters=1, batch_size=10, seed=0)
    with pytest.raises(ValueError, match=r"^X must have shape \(N, 5\)"):
        classifier.train(X[:, :4], y, num_iters=1, batch_size=10, seed=0)


@pytest.mark.parametrize("X, pattern", [
    (np.ones((3, 4)), r"^X must have shape \(N, 5\) to match the trained W, got \(3, 4\)"),
    (np.ones(5), r"^X must have shape \(N, 5\) to match the trained W"),
], ids=["wrong D", "1-D"])
def test_predict_rejects_X_that_does_not_fit_W(X, pattern):
    classifier = Softmax()
    classifier.W = np.zeros((5, 4))
    with pytest.raises(ValueError, match=pattern):
        classifier.predict(X)


@pytest.mark.parametrize("classifier_class", [Softmax, LinearClassifier])
def test_predict_before_train_raises(classifier_class):
    with pytest.raises(ValueError, match=r"^(W|classifier) must"):
        classifier_class().predict(np.ones((3, 5)))
