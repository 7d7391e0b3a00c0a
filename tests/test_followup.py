"""The follow-up logic: directions towards good fit and the follow-up space (scripted trials)."""

from __future__ import annotations

import dataclasses
import tomllib
from pathlib import Path

from study.diagnosis._records import NOT_KEPT
from study.followup import find_directions, follow_up, render_space, study_distributions
from study.space import parse_space
from study.storage import StudyRecord, TrialRecord
from tests.report_fixtures import grid_study, scripted_study, scripted_trial

SPACE = """family = "lstm"
seeds = 3
objective = "final_val_loss"

[task]
name = "sine"
lookback = 12

[params]
units = { low = 4, high = 128, log = true }
dropout = { low = 0.0, high = 0.5 }
optimizer = { choices = ["adam", "sgd"] }
epochs = 100
layers = 1
"""


def known_study(n: int = 150) -> StudyRecord:
    """Good fits at units >= 16 (unless units >= 64 with dropout < 0.2, which overfit)."""
    return dataclasses.replace(grid_study(n), space_text=SPACE)


def test_study_distributions_come_from_the_stored_trials() -> None:
    dists = study_distributions(known_study(20))
    assert list(dists) == ["units", "dropout", "optimizer"]
    assert dists["units"].log and (dists["units"].low, dists["units"].high) == (4, 128)


def test_directions_lead_from_each_problem_to_the_good_fits() -> None:
    found = {f.problem: f for f in find_directions(known_study())}
    assert found["underfit"].directions[0].action() == "raise units"
    over = {d.action() for d in found["overfit"].directions}
    assert {"lower units", "raise dropout"} <= over


def test_directions_say_when_the_evidence_is_too_thin() -> None:
    trials = [
        scripted_trial(i, {"units": 4 * (i + 1)}, c)
        for i, c in enumerate(["overfit", "overfit", "good_fit", "good_fit", "good_fit"])
    ]
    (found,) = find_directions(scripted_study(trials))
    assert found.directions == () and "too few" in found.thin


def test_thin_evidence_counts_one_trial_in_the_singular() -> None:
    trials = [
        scripted_trial(i, {"units": 4 * (i + 1)}, c) for i, c in enumerate(["overfit", "good_fit"])
    ]
    (found,) = find_directions(scripted_study(trials))
    assert "only 1 good fit and 1 overfit trial:" in found.thin


def test_follow_up_moves_units_towards_the_good_fits() -> None:
    record = known_study()
    good = [t.params["units"] for t in record.trials if t.category == "good_fit"]
    under = [t.params["units"] for t in record.trials if t.category == "underfit"]
    units = {c.param: c for c in follow_up(record).changes}["units"].entry
    assert units["low"] > 4 and units["log"] is True
    assert units["low"] <= min(good) and units["high"] >= max(good)
    assert all(u < units["low"] for u in under)


def test_follow_up_extends_fixed_epochs_when_trials_were_still_improving() -> None:
    epochs = {c.param: c for c in follow_up(known_study()).changes}["epochs"]
    assert epochs.entry == 200 and "still improving" in epochs.reason


def test_follow_up_adds_regularisation_where_overfitting_dominates() -> None:
    trials = [
        scripted_trial(i, {"units": 8 * (i + 1), "optimizer": "adam"}, c)
        for i, c in enumerate(["overfit"] * 6 + ["good_fit"] * 3)
    ]
    record = scripted_study(trials, space_text=SPACE, searched={"units": "", "optimizer": ""})
    added = {c.param: c for c in follow_up(record).changes if c.action == "added"}
    assert set(added) == {"l2", "dropout"}
    assert added["l2"].entry["log"] is True and "overfitting dominates" in added["l2"].reason


def test_rendered_space_parses_and_comments_every_change(tmp_path: Path) -> None:
    follow = follow_up(known_study())
    text = render_space(follow)
    space = parse_space(text, tmp_path / "next.toml")
    assert set(space.searched) == {"units", "dropout", "optimizer"}
    assert space.fixed == {"epochs": 200, "layers": 1}
    assert space.task.label == parse_space(SPACE, tmp_path / "old.toml").task.label
    for change in follow.changes:
        assert f"# {change.reason}\n{change.param} = " in text


def test_rendered_space_keeps_the_study_tables() -> None:
    text = render_space(follow_up(known_study()))
    doc = tomllib.loads(text)
    assert doc["task"] == {"name": "sine", "lookback": 12}
    assert doc["family"] == "lstm" and doc["seeds"] == 3


def test_good_fits_not_worth_keeping_do_not_pull_the_ranges() -> None:
    record = known_study()
    # Read beside the study, the good fits at units 128 are behind its best: not keepers.
    trials = tuple(
        _not_kept(t) if t.category == "good_fit" and t.params["units"] == 128 else t
        for t in record.trials
    )
    units = {c.param: c for c in follow_up(dataclasses.replace(record, trials=trials)).changes}
    assert units["units"].entry["high"] < 128
    assert "good fits worth keeping lie at 16..64" in units["units"].reason


def _not_kept(trial: TrialRecord) -> TrialRecord:
    assert trial.diagnosis is not None
    verdict = trial.diagnosis.verdict
    details = {**verdict.evidence.details, NOT_KEPT: "behind the study's best"}
    evidence = dataclasses.replace(verdict.evidence, details=details)
    diagnosis = dataclasses.replace(
        trial.diagnosis, verdict=dataclasses.replace(verdict, evidence=evidence)
    )
    return dataclasses.replace(trial, diagnosis=diagnosis)
