"""softmax_loss_naive against central differences, closed forms and invariants.

Its agreement with the vectorized loss is a test of the vectorized task.
"""

import pytest

from classifiers.softmax import softmax_loss_naive

from diagnoses import LossProbes
from loss_contract import LossContract

pytestmark = pytest.mark.softmax_naive


class TestSoftmaxLossNaive(LossContract, LossProbes):
    loss_function = staticmethod(softmax_loss_naive)
