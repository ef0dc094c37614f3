"""Linear classifiers for the softmax exercise."""

from .linear_classifier import LinearClassifier, Softmax, train_grid
from .softmax import softmax, softmax_loss_naive, softmax_loss_vectorized

__all__ = ["LinearClassifier", "Softmax", "train_grid", "softmax", "softmax_loss_naive",
           "softmax_loss_vectorized"]
