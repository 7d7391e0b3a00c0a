"""Readers judge a study's finished trials again against every other finished trial."""

from __future__ import annotations

import dataclasses

import numpy as np

from study.curves import SeedCurves
from study.diagnosis import diagnose_seeds, lowest_val_loss
from study.pruning import PrunerSettings, live_config
from study.storage import PruneInfo, StudyRecord, TrialRecord
from study.verdicts import judged_against_study, study_config, verdict_inputs
from tests.report_fixtures import scripted_study, scripted_trial

EPOCHS = np.arange(1, 101, dtype=float)


def _plateau(level: float) -> tuple[SeedCurves, ...]:
    """Seeds whose curves level off at ``level``, close to the trivial predictor's 0.69."""
    rng = np.random.default_rng(0)
    shape = 1 + 0.3 * np.exp(-EPOCHS / 8)
    return tuple(
        SeedCurves(
            seed=s,
            train_loss=0.98 * level * shape,
            epochs_planned=100,
            val_loss=level * shape * (1 + 0.003 * rng.standard_normal(100)),
        )
        for s in range(3)
    )


def _trial(number: int, level: float, state: str = "COMPLETE") -> TrialRecord:
    seeds = _plateau(level)
    # As a run stores it: the first trials are judged without any other trial's result.
    stored = diagnose_seeds(seeds, baseline_loss=0.69)
    pruned = PruneInfo(50, 100, "overfit in 3 of 3 seeds") if state == "PRUNED" else None
    return TrialRecord(
        number=number,
        state=state,
        params={"units": 4 * (number + 1)},
        value=level,
        seeds=seeds,
        diagnosis=stored,
        pruned=pruned,
    )


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


def test_a_trial_the_overfit_pruner_stopped_is_judged_with_the_pruners_thresholds() -> None:
    pruned = _trial(0, 0.6, state="PRUNED")
    record = dataclasses.replace(_study(pruned, _trial(1, 0.3)), space_text="[pruner]\n")
    judged = judged_against_study(record).trials[0].diagnosis
    expected = diagnose_seeds(
        pruned.seeds,
        config=live_config(PrunerSettings()),
        baseline_loss=0.69,
        reached_loss=lowest_val_loss(record.trials[1].seeds),
    )
    assert judged == expected
    assert verdict_inputs(record)[0].config == live_config(PrunerSettings())


def test_a_trial_a_users_callback_stopped_keeps_its_stored_verdict() -> None:
    pruned = _trial(0, 0.6, state="PRUNED")  # A study of the user's own: no stored space.
    record = _study(pruned, _trial(1, 0.3))
    assert judged_against_study(record).trials[0].diagnosis is pruned.diagnosis
    assert 0 not in verdict_inputs(record)


def test_a_trial_another_pruner_stopped_is_judged_with_the_study_settings() -> None:
    pruned = dataclasses.replace(
        _trial(0, 0.6, state="PRUNED"), pruned=PruneInfo(50, 100, "median", by="MedianPruner")
    )
    inputs = verdict_inputs(_study(pruned, _trial(1, 0.3)))
    assert inputs[0].config == study_config("")
    assert inputs[0].settings() == {}


def test_the_reached_loss_is_the_lowest_of_the_other_trials() -> None:
    record = _study(_trial(0, 0.6), _trial(1, 0.3), _trial(2, 0.45))
    inputs = verdict_inputs(record)
    lowest = [lowest_val_loss(t.seeds) for t in record.trials]
    assert [inputs[n].reached_loss for n in range(3)] == [lowest[1], lowest[2], lowest[1]]


def test_nothing_else_of_the_record_changes() -> None:
    record = _study(_trial(0, 0.6), _trial(1, 0.6))
    judged = judged_against_study(record)
    assert dataclasses.replace(judged, trials=record.trials) == record
    assert [t.seeds for t in judged.trials] == [t.seeds for t in record.trials]


def test_the_study_diagnosis_settings_apply() -> None:
    assert study_config("[diagnosis]\nrise_ratio = 1.3\n").rise_ratio == 1.3
    assert study_config("") == study_config("not = [valid")


def test_a_good_fit_far_behind_the_studys_best_is_not_a_keeper() -> None:
    params = {"units": 4, "dropout": 0.1, "optimizer": "adam"}
    behind = scripted_trial(0, params, "good_fit", value=0.165)
    best = scripted_trial(1, {**params, "units": 64}, "good_fit", value=0.104)
    judged = judged_against_study(scripted_study([behind, best], baseline_loss=1.0))
    first, second = (t.diagnosis for t in judged.trials)
    assert first is not None and second is not None
    assert first.category == "good_fit" and "not a configuration to keep" in first.verdict.advice
    assert "trial #1" in first.verdict.advice
    assert "not a configuration to keep" not in second.verdict.advice


def test_a_good_fit_the_will_not_win_rule_stopped_is_not_a_keeper() -> None:
    stopped = dataclasses.replace(
        _trial(0, 0.6, state="PRUNED"),
        pruned=PruneInfo(100, 200, "will not win: ...", by="will_not_win"),
    )
    judged = judged_against_study(_study(stopped, _trial(1, 0.5)))
    first = judged.trials[0].diagnosis
    assert first is not None and first.category == "good_fit"
    assert first.verdict.advice.startswith("a good fit up to epoch 100, where the pruner stopped")
    assert "keep this configuration" not in first.verdict.advice
