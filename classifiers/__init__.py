"""Linear classifiers for the softmax exercise.

The package's names are its modules (``classifiers.softmax`` is the module of the softmax
losses) and the classifiers, which the notebook imports from here.
"""

from .linear_classifier import LinearClassifier, Softmax, train_grid
from .softmax import softmax_loss_naive, softmax_loss_vectorized

__all__ = ["LinearClassifier", "Softmax", "train_grid", "softmax_loss_naive",
           "softmax_loss_vectorized"]
