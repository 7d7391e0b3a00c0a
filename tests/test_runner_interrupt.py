"""A stop that lands before a trial could be marked interrupted still re-runs that trial."""

from __future__ import annotations

import datetime

import optuna
import pytest
from optuna.trial import TrialState

from study.runner._interrupted import requeue_interrupted
from study.storage import keys
from study.storage.runs import retry_of, worker_tag


def _failed(study: optuna.Study, **user_attrs: object) -> None:
    study.add_trial(optuna.trial.create_trial(state=TrialState.FAIL, user_attrs=user_attrs))


def _reruns(study: optuna.Study) -> list[int | None]:
    return [retry_of(t) for t in study.get_trials(states=(TrialState.WAITING,))]


def test_a_trial_failed_by_a_stop_before_its_mark_is_rerun() -> None:
    study = optuna.create_study()
    asked_since = datetime.datetime.now()
    _failed(study)  # Optuna failed it as the Ctrl-C passed; nothing of ours was stored yet.
    requeue_interrupted(study, asked_since)
    assert _reruns(study) == [0]


@pytest.mark.parametrize(
    "attrs",
    [
        {keys.ERROR: "every seed failed"},  # A real failure, stored as such.
        {keys.WORKER: {**worker_tag(), "pid": 1}},  # Another process's trial.
    ],
)
def test_other_failed_trials_are_left_alone(attrs: dict[str, object]) -> None:
    study = optuna.create_study()
    asked_since = datetime.datetime.now()
    _failed(study, **attrs)
    requeue_interrupted(study, asked_since)
    assert _reruns(study) == []


def test_trials_from_before_this_run_are_left_alone() -> None:
    study = optuna.create_study()
    _failed(study)
    requeue_interrupted(study, datetime.datetime.now())
    assert _reruns(study) == []
