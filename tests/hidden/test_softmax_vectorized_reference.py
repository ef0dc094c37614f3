"""softmax_loss_vectorized and softmax() against the reference (hidden: the reference
is an answer).
"""

import numpy as np
import pytest
from hypothesis import given

from classifiers.softmax import softmax, softmax_loss_vectorized

import oracles
from loss_contract_reference import ReferenceContract
from strategies import score_matrices

pytestmark = pytest.mark.softmax_vectorized


class TestSoftmaxLossVectorized(ReferenceContract):
    loss_function = staticmethod(softmax_loss_vectorized)


@given(score_matrices())
def test_probabilities_match_the_reference(scores):
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        probs = softmax(scores)
    np.testing.assert_allclose(probs, oracles.softmax_reference(scores), rtol=0, atol=1e-10)
