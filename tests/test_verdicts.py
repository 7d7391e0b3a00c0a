"""Readers judge a study's complete trials again against every other finished trial."""

from __future__ import annotations

import dataclasses

import numpy as np

from study.curves import SeedCurves
from study.diagnosis import diagnose_seeds
from study.storage import PruneInfo, StudyRecord, TrialRecord
from study.verdicts import judged_against_study, study_config
from tests.report_fixtures import scripted_study

EPOCHS = np.arange(1, 101, dtype=float)


def _plateau(level: float) -> tuple[SeedCurves, ...]:
    """Seeds whose curves level off at ``level``, close to the trivial predictor's 0.69."""
    rng = np.random.default_rng(0)
    shape = 1 + 0.3 * np.exp(-EPOCHS / 8)
    return tuple(
        SeedCurves(seed=s, train_loss=0.98 * level * shape, epochs_planned=100,
                   val_loss=level * shape * (1 + 0.003 * rng.standard_normal(100)))
        for s in range(3)
    )


def _trial(number: int, level: float, state: str = "COMPLETE") -> TrialRecord:
    seeds = _plateau(level)
    # As a run stores it: the first trials are judged without any other trial's result.
    stored = diagnose_seeds(seeds, baseline_loss=0.69)
    pruned = PruneInfo(50, 100, "overfit in 3 of 3 seeds") if state == "PRUNED" else None
    return TrialRecord(number=number, state=state, params={"units": 4 * (number + 1)},
                       value=level, seeds=seeds, diagnosis=stored, pruned=pruned)


def _study(*trials: TrialRecord) -> StudyRecord:
    return scripted_study(trials, baseline_loss=0.69, space_text="")


def test_a_plateau_nobody_beats_is_judged_a_good_fit() -> None:
    record = _study(_trial(0, 0.6), _trial(1, 0.6))
    assert record.trials[0].diagnosis is not None
    assert record.trials[0].diagnosis.category == "underfit"  # stored without a reference
    judged = judged_against_study(record)
    assert [t.diagnosis.category for t in judged.trials if t.diagnosis] == ["good_fit"] * 2


def test_a_plateau_others_beat_stays_too_small() -> None:
    judged = judged_against_study(_study(_trial(0, 0.6), _trial(1, 0.3)))
    first = judged.trials[0].diagnosis
    assert first is not None and (first.category, first.verdict.kind) == ("underfit", "capacity")
    assert first.verdict.confidence > _trial(0, 0.6).diagnosis.verdict.confidence  # type: ignore[union-attr]


def test_pruned_trials_keep_their_stored_verdict() -> None:
    pruned = _trial(0, 0.6, state="PRUNED")
    judged = judged_against_study(_study(pruned, _trial(1, 0.6)))
    assert judged.trials[0].diagnosis is pruned.diagnosis


def test_nothing_else_of_the_record_changes() -> None:
    record = _study(_trial(0, 0.6), _trial(1, 0.6))
    judged = judged_against_study(record)
    assert dataclasses.replace(judged, trials=record.trials) == record
    assert [t.seeds for t in judged.trials] == [t.seeds for t in record.trials]


def test_the_study_diagnosis_settings_apply() -> None:
    assert study_config("[diagnosis]\nrise_ratio = 1.3\n").rise_ratio == 1.3
    assert study_config("") == study_config("not = [valid")
