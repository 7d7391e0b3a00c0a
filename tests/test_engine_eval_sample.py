"""The training samples the end-of-epoch training loss is evaluated on."""

from __future__ import annotations

import numpy as np

from study.engine import TRAIN_EVAL_FLOOR, TRAIN_EVAL_LIMIT, train_eval_size
from study.engine._evaluate import eval_indices


def test_a_small_training_set_is_evaluated_whole() -> None:
    assert train_eval_size(1_000, 200, TRAIN_EVAL_LIMIT) == 1_000


def test_the_sample_has_as_many_samples_as_the_validation_set() -> None:
    assert train_eval_size(50_000, 5_000, TRAIN_EVAL_LIMIT) == 5_000


def test_the_sample_has_at_least_the_floor() -> None:
    assert train_eval_size(10_000, 100, TRAIN_EVAL_LIMIT) == TRAIN_EVAL_FLOOR


def test_the_sample_has_at_most_the_limit() -> None:
    assert train_eval_size(100_000, 20_000, TRAIN_EVAL_LIMIT) == TRAIN_EVAL_LIMIT


def test_no_limit_evaluates_every_training_sample() -> None:
    assert train_eval_size(100_000, 20_000, None) == 100_000


def test_the_sample_is_evenly_spaced_over_the_whole_training_set() -> None:
    rows = eval_indices(10_000, 2_048)
    assert (len(rows), rows[0], rows[-1]) == (2_048, 0, 9_999)
    assert np.ptp(np.diff(rows)) <= 1
