"""softmax_loss_naive against central differences, closed forms, invariants and the
vectorized loss.
"""

import pytest

from classifiers.softmax import softmax_loss_naive, softmax_loss_vectorized

from loss_contract import LossContract

pytestmark = pytest.mark.softmax_naive


class TestSoftmaxLossNaive(LossContract):
    loss_function = staticmethod(softmax_loss_naive)
    counterpart = staticmethod(softmax_loss_vectorized)
