"""The incumbent a running trial is compared with: the best complete trial so far."""

from __future__ import annotations

import optuna
import pytest
from optuna.trial import TrialState

import study.runner._incumbent as incumbent_module
from study.curves import SeedCurves
from study.runner._incumbent import Incumbent
from study.storage.runs import write_trial_result
from tests.scripted_runs import falling


def _add(study: optuna.Study, final: float, state: TrialState = TrialState.COMPLETE) -> None:
    """A trial whose two seeds fall towards ``final``, told with ``state``."""
    trial = study.ask()
    write_trial_result(trial, [falling(s, final) for s in range(2)], None)
    if state == TrialState.COMPLETE:
        study.tell(trial, final)
    else:
        trial.report(final, step=10)
        study.tell(trial, state=state)


def _final(curves: tuple[SeedCurves, ...]) -> float:
    """The final loss ``curves`` fall towards (see :func:`falling`)."""
    return float(curves[0].val_loss[-1] / falling(0, 1.0).val_loss[-1])


@pytest.fixture
def study() -> optuna.Study:
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    return optuna.create_study()


def test_there_is_no_incumbent_before_a_trial_completes(study: optuna.Study) -> None:
    _add(study, 0.1, TrialState.PRUNED)
    assert Incumbent()(study) == ()


def test_the_incumbent_is_the_best_complete_trial(study: optuna.Study) -> None:
    _add(study, 0.3)
    _add(study, 0.2)
    _add(study, 0.1, TrialState.PRUNED)  # Lower, but it never finished.
    assert _final(Incumbent()(study)) == pytest.approx(0.2)


def test_the_incumbent_of_a_maximised_objective_is_the_highest() -> None:
    maximised = optuna.create_study(direction="maximize")
    _add(maximised, 0.3)
    _add(maximised, 0.2)
    assert _final(Incumbent()(maximised)) == pytest.approx(0.3)


def test_a_trial_that_completes_later_becomes_the_incumbent(study: optuna.Study) -> None:
    incumbent = Incumbent()
    _add(study, 0.3)
    incumbent(study)
    _add(study, 0.2)
    assert _final(incumbent(study)) == pytest.approx(0.2)


def test_the_incumbents_curves_are_decoded_once_per_completed_trial(
    study: optuna.Study, monkeypatch: pytest.MonkeyPatch
) -> None:
    decoded: list[int] = []
    decode = incumbent_module.trial_curves
    monkeypatch.setattr(
        incumbent_module, "trial_curves", lambda t: decoded.append(t.number) or decode(t)
    )
    incumbent = Incumbent()
    _add(study, 0.3)
    for _ in range(5):
        incumbent(study)
    assert decoded == [0]
