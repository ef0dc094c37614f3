"""softmax_loss_naive against the reference loss, central differences and closed forms."""

import pytest

from classifiers.softmax import softmax_loss_naive
from loss_contract import LossContract

pytestmark = pytest.mark.softmax_naive


class TestSoftmaxLossNaive(LossContract):
    loss_function = staticmethod(softmax_loss_naive)
