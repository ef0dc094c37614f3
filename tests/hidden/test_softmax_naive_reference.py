"""softmax_loss_naive against the reference loss (hidden: the reference is an answer)."""

import pytest

from classifiers.softmax import softmax_loss_naive

from loss_contract_reference import ReferenceContract

pytestmark = pytest.mark.softmax_naive


class TestSoftmaxLossNaive(ReferenceContract):
    loss_function = staticmethod(softmax_loss_naive)
