"""GRU and bidirectional layers of the ``lstm`` family against their Keras models."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from study.engine import train_seeds
from study.params import TrialParams
from tests.test_engine import _assert_matches_keras, _fit, _sequence, _windows

pytestmark = pytest.mark.e2e


def test_gru_equals_model_fit() -> None:
    params = TrialParams(units=5, epochs=4, batch_size=3, learning_rate=0.02, l2=0.01, cell="gru")
    _assert_matches_keras("lstm", params, dataclasses.replace(_windows(), shuffle=False))


def test_bidirectional_lstm_equals_model_fit() -> None:
    params = TrialParams(units=4, layers=2, epochs=3, learning_rate=0.02, bidirectional=True)
    _assert_matches_keras("lstm", params, dataclasses.replace(_windows(), shuffle=False))


def test_bidirectional_gru_equals_model_fit() -> None:
    params = TrialParams(units=6, epochs=4, learning_rate=0.05, cell="gru", bidirectional=True)
    _assert_matches_keras("lstm", params, _sequence())


@pytest.mark.parametrize("bidirectional", [False, True])
def test_gru_dropout_paths_keep_the_model_when_nothing_drops(bidirectional: bool) -> None:
    params = TrialParams(
        units=5, layers=2, epochs=3, batch_size=3, cell="gru", bidirectional=bidirectional
    )
    data = dataclasses.replace(_windows(), shuffle=False)
    tiny = dataclasses.replace(params, dropout=1e-12, recurrent_dropout=1e-12)
    (plain,) = train_seeds("lstm", params, data, [3])
    (masked,) = train_seeds("lstm", tiny, data, [3])
    np.testing.assert_allclose(_fit(masked), _fit(plain), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(masked.val_loss, plain.val_loss, rtol=1e-5, atol=1e-6)


def test_gru_recurrent_dropout_trains_and_changes_the_fit_loss() -> None:
    params = TrialParams(units=5, epochs=3, batch_size=4, cell="gru", bidirectional=True)
    data = dataclasses.replace(_windows(), shuffle=False)
    (plain,) = train_seeds("lstm", params, data, [0])
    dropped_params = dataclasses.replace(params, dropout=0.3, recurrent_dropout=0.5)
    (dropped,) = train_seeds("lstm", dropped_params, data, [0])
    assert dropped.stop == "completed"
    assert not np.allclose(_fit(plain), _fit(dropped))
