"""The prepared data behind each part of the report (compute only; nothing is drawn)."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest

from study.diagnosis import mean_curve
from study.followup import follow_up
from study.reporting import NO_CATEGORY, safe_dirname
from study.reporting._advice import advise
from study.reporting._best import best_by_category, pruned_beat_best
from study.reporting._consistency import rule_stance
from study.reporting._curves_data import curve_panel, needs_log, representative_trials, subsample
from study.reporting._data import (
    TRIAL_COLUMNS,
    best_trial,
    history_frame,
    param_infos,
    summarize,
    trials_frame,
)
from study.reporting._fitmap import bin_labels, fit_map_frame, pair_cells, strip_frame
from study.reporting._importance import param_importance, top_params
from study.reporting._rules import learn_rules, nice_cut
from study.reporting._table import trial_table
from tests.report_fixtures import grid_study, rule_category, scripted_study, scripted_trial


def test_trials_frame_has_one_row_per_trial_with_params() -> None:
    record = grid_study(20)
    frame = trials_frame(record)
    assert len(frame) == 20
    assert list(frame.columns) == [*TRIAL_COLUMNS, "units", "dropout", "optimizer"]
    failed = frame.set_index("number").loc[1]
    assert failed["state"] == "FAIL"
    assert failed["category"] == NO_CATEGORY
    assert failed["error"] == "OOM <boom>"


def test_trials_frame_marks_pruned_epoch_and_missing_value() -> None:
    frame = trials_frame(grid_study(40)).set_index("number")
    pruned = frame[frame["state"] == "PRUNED"]
    assert not pruned.empty
    assert (pruned["pruned_epoch"] == 50).all()
    assert pruned["value"].isna().all()
    assert frame.loc[frame["state"] == "COMPLETE", "pruned_epoch"].isna().all()


def test_param_infos_detects_log_and_choices() -> None:
    record = grid_study(20)
    infos = {p.name: p for p in param_infos(record, trials_frame(record))}
    assert infos["units"].numeric and infos["units"].log
    assert infos["dropout"].numeric and not infos["dropout"].log
    assert not infos["optimizer"].numeric


def test_param_infos_take_ranges_from_stored_distributions_not_display_text() -> None:
    record = grid_study(20)
    record = dataclasses.replace(record, searched={k: "?" for k in record.searched})
    infos = {p.name: p for p in param_infos(record, trials_frame(record))}
    assert infos["units"].log
    assert infos["units"].description == "4..128 log"
    assert infos["optimizer"].description == "adam | sgd"


def test_fit_map_frame_has_one_row_per_diagnosed_trial_with_category() -> None:
    record = grid_study(30)
    frame = trials_frame(record)
    fit_map = fit_map_frame(frame, param_infos(record, frame))
    assert len(fit_map) == 29  # trial 1 failed
    assert set(fit_map.columns) == {"number", "category", "units", "dropout", "optimizer"}
    for row in fit_map.to_dict("records"):
        assert row["category"] == rule_category(int(row["units"]), float(row["dropout"]))


def test_strip_frame_limits_points_and_keeps_every_category() -> None:
    record = grid_study(300)
    frame = trials_frame(record)
    fit_map = fit_map_frame(frame, param_infos(record, frame))
    strip = strip_frame(fit_map, limit=50)
    assert len(strip) <= 53
    assert set(strip["category"]) == set(fit_map["category"])


def test_summary_counts_and_pruning_savings() -> None:
    record = grid_study(40, epochs=100)
    summary = summarize(record)
    n_pruned = summary.by_state["PRUNED"]
    n_complete = summary.by_state["COMPLETE"]
    assert summary.by_state["FAIL"] == 1
    assert sum(summary.by_category.values()) == 39
    trained = 3 * (100 * n_complete + 50 * n_pruned)
    assert summary.seed_epochs == trained
    assert summary.saved_seed_epochs == 3 * 50 * n_pruned
    assert summary.saved_share == pytest.approx(3 * 50 * n_pruned / (trained + 3 * 50 * n_pruned))
    assert summary.wall_seconds == pytest.approx(40 * 30.0)


def test_summary_of_empty_study() -> None:
    summary = summarize(scripted_study([]))
    assert summary.n_trials == 0
    assert summary.best is None
    assert summary.saved_share == 0.0


def test_best_trial_follows_direction() -> None:
    trials = [
        scripted_trial(0, {"units": 8}, "good_fit", value=0.5),
        scripted_trial(1, {"units": 8}, "good_fit", value=0.2),
        scripted_trial(2, {"units": 8}, "overfit", state="PRUNED", value=0.01, pruned_at=10),
    ]
    assert best_trial(scripted_study(trials)).number == 1  # type: ignore[union-attr]
    maximize = scripted_study(trials, direction="maximize")
    assert best_trial(maximize).number == 0  # type: ignore[union-attr]


def test_history_frame_tracks_best_so_far() -> None:
    trials = [scripted_trial(i, {}, "good_fit", value=v) for i, v in enumerate([3, 1, 2, 0.5])]
    history = history_frame(trials_frame(scripted_study(trials)), "minimize")
    assert history["best"].tolist() == [3, 1, 1, 0.5]


def test_history_frame_keeps_pruned_trials_but_best_counts_completed_ones() -> None:
    trials = [
        scripted_trial(0, {}, "overfit", state="PRUNED", value=0.1, pruned_at=10),
        scripted_trial(1, {}, "good_fit", value=0.5),
        scripted_trial(2, {}, "overfit", state="PRUNED", value=0.2, pruned_at=10),
        scripted_trial(3, {}, "good_fit", value=0.4),
    ]
    history = history_frame(trials_frame(scripted_study(trials)), "minimize")
    assert history["pruned"].tolist() == [True, False, True, False]
    assert history["value"].tolist() == [0.1, 0.5, 0.2, 0.4]
    assert history["best"].tolist()[1:] == [0.5, 0.5, 0.4]
    assert math.isnan(history["best"][0])


def test_pair_cells_mark_ties() -> None:
    trials = [
        scripted_trial(0, {"units": 8, "dropout": 0.1}, "good_fit"),
        scripted_trial(1, {"units": 8, "dropout": 0.1}, "overfit"),
        scripted_trial(2, {"units": 16, "dropout": 0.1}, "overfit"),
    ]
    record = scripted_study(trials)
    frame = trials_frame(record)
    params = {p.name: p for p in param_infos(record, frame)}
    cells = pair_cells(
        fit_map_frame(frame, list(params.values())), params["units"], params["dropout"]
    )
    assert cells["tie"].tolist() == [True, False]
    assert cells["share"].tolist() == [0.5, 1.0]


def test_bin_labels_are_compact_ranges() -> None:
    record = grid_study(10)
    frame = trials_frame(record)
    dropout = next(p for p in param_infos(record, frame) if p.name == "dropout")
    labels = bin_labels(pd.Series(np.linspace(390.0, 800.0, 20)), dropout, bins=5)
    assert labels.cat.categories[0] == "390–470"
    assert not [c for c in labels.cat.categories if "e+" in c]


def test_rules_find_the_scripted_overfit_region_with_exact_support() -> None:
    record = grid_study(150)
    frame = trials_frame(record)
    rules = learn_rules(frame, param_infos(record, frame))
    overfit = [r for r in rules if r.category == "overfit"]
    assert overfit, [r.text() for r in rules]
    rule = overfit[0]
    assert {c.param for c in rule.conditions} == {"units", "dropout"}
    assert "units ≥ 64" in rule.text()
    diagnosed = frame[frame["category"] != NO_CATEGORY]
    inside = diagnosed[np.logical_and.reduce([c.holds(diagnosed) for c in rule.conditions])]
    assert rule.support == len(inside)
    assert rule.hits == int((inside["category"] == "overfit").sum()) == rule.support
    assert rule.text().endswith(f"→ overfit in {rule.hits} of {rule.support} trials")


def test_rules_need_two_categories() -> None:
    trials = [scripted_trial(i, {"units": i, "dropout": 0.1}, "good_fit") for i in range(20)]
    record = scripted_study(trials)
    frame = trials_frame(record)
    assert learn_rules(frame, param_infos(record, frame)) == []


@pytest.mark.parametrize(
    ("low", "high", "cut"),
    [(0.1834, 0.2013, 0.2), (0.0031, 0.0047, 0.004), (0.0, 0.05, 0.05), (0.21, 0.213, 0.213)],
)
def test_nice_cut_is_short_and_between(low: float, high: float, cut: float) -> None:
    assert nice_cut(low, high) == pytest.approx(cut)


def test_pair_cells_give_dominant_category_and_share() -> None:
    record = grid_study(200)
    frame = trials_frame(record)
    params = {p.name: p for p in param_infos(record, frame)}
    fit_map = fit_map_frame(frame, list(params.values()))
    cells = pair_cells(fit_map, params["units"], params["dropout"], bins=5)
    assert cells["n"].sum() == len(fit_map)
    assert ((cells["share"] > 0) & (cells["share"] <= 1)).all()
    assert list(cells["x"].cat.categories) == ["4", "8", "16", "32", "64", "128"]
    top_left = cells[(cells["x"] == "128") & (cells["y"] == cells["y"].cat.categories[0])]
    assert top_left["dominant"].item() == "overfit"


def test_bin_labels_use_log_bins_for_log_params() -> None:
    record = grid_study(10)
    frame = trials_frame(record)
    units = next(p for p in param_infos(record, frame) if p.name == "units")
    values = frame["units"].astype(float) * 1.01 + np.arange(len(frame))
    labels = bin_labels(values, units, bins=3)
    assert len(labels.cat.categories) == 3


def test_importance_ranks_the_drivers_of_overfit() -> None:
    record = grid_study(150)
    frame = trials_frame(record)
    params = param_infos(record, frame)
    importance = param_importance(frame, params)
    assert set(importance["target"]) == {"objective", "overfit", "underfit"}
    overfit = importance[importance["target"] == "overfit"].set_index("param")["importance"]
    assert overfit.sum() == pytest.approx(1.0)
    assert overfit["optimizer"] < min(overfit["units"], overfit["dropout"])
    assert top_params(importance, params, k=2)[0].name == "units"


def test_importance_is_empty_with_few_trials() -> None:
    record = grid_study(3)
    frame = trials_frame(record)
    assert param_importance(frame, param_infos(record, frame)).empty


def test_curve_panel_subsamples_long_curves_and_marks_prune_epoch() -> None:
    trial = scripted_trial(0, {}, "overfit", state="PRUNED", epochs=6000, pruned_at=5000)
    panel = curve_panel(trial, max_points=1000)
    assert panel is not None
    assert len(panel.epochs) <= 1000
    assert panel.epochs[0] == 1 and panel.epochs[-1] == 5000
    assert panel.train.shape == (3, len(panel.epochs))
    assert panel.prune_epoch == 5000
    assert panel.planned_epochs == 6000
    mean, low, high = panel.spread("val")
    assert np.all(low <= mean) and np.all(mean <= high)


def test_curve_panel_of_trial_without_curves_is_none() -> None:
    assert curve_panel(scripted_trial(0, {}, None, state="FAIL")) is None


def test_needs_log_when_loss_spans_decades() -> None:
    assert needs_log(np.array([1.0, 0.01]))
    assert not needs_log(np.array([1.0, 0.1]))
    assert not needs_log(np.array([1.0, 0.0, 0.001]))
    assert subsample(5, 10).tolist() == [0, 1, 2, 3, 4]


def test_representative_trials_start_with_best_then_each_category() -> None:
    record = grid_study(60)
    chosen = representative_trials(record, max_curves=4)
    assert len(chosen) == 4
    assert chosen[0] == (best_trial(record), "best")
    categories = [t.category for t, _ in chosen[1:]]
    assert len(set(categories)) == 3
    assert len(representative_trials(record, max_curves=0)) == 0


def test_trial_table_has_sort_keys_and_categories() -> None:
    record = grid_study(10)
    frame = trials_frame(record)
    table = trial_table(frame, param_infos(record, frame), record.objective)
    assert table.columns[:3] == ["trial", "state", "units"]
    assert len(table.rows) == 10
    fit = table.rows[0][table.columns.index("fit")]
    assert fit.text.endswith("3/3") and fit.category
    failed = table.rows[1]
    assert failed[-1].text == "OOM <boom>"
    assert failed[table.columns.index(record.objective)].sort == ""


def test_advice_from_diagnoses() -> None:
    record = grid_study(150)
    frame = trials_frame(record)
    rules = learn_rules(frame, param_infos(record, frame))
    texts = [a.text for a in advise(record, rules)]
    assert any("still improving" in t and "fixed at 100" in t for t in texts), texts
    assert any(t.startswith("overfit → good fit: lower units") for t in texts), texts
    assert any(t.startswith("overfit → good fit: raise dropout") for t in texts), texts
    assert any(t.startswith("underfit → good fit: raise units") for t in texts), texts
    assert any("trials failed" in t and "OOM <boom>" in t for t in texts), texts


def test_advice_on_unstable_trials_quotes_learning_rate() -> None:
    trials = [
        scripted_trial(
            i, {"learning_rate": 0.1 if i < 3 else 0.001}, "unstable" if i < 3 else "good_fit"
        )
        for i in range(8)
    ]
    texts = [a.text for a in advise(scripted_study(trials), [])]
    assert any(t.startswith("3 of 8 trials were unstable: lower the learning rate") for t in texts)


def test_advice_flags_best_value_at_range_edge() -> None:
    trials = [scripted_trial(0, {"units": 128, "dropout": 0.1}, "good_fit", value=0.1)]
    record = scripted_study(trials, searched={"units": "4..128 log", "dropout": "0..0.5"})
    texts = [a.text for a in advise(record, [])]
    assert any("units (128) is at the top of its range" in t for t in texts), texts


@pytest.mark.parametrize(
    ("name", "expected"),
    [("sine-lstm_1.2", "sine-lstm_1.2"), ("../../etc", None), ("<script>", None), ("", None)],
)
def test_safe_dirname(name: str, expected: str | None) -> None:
    safe = safe_dirname(name)
    assert safe == expected if expected else (safe != name and "/" not in safe)
    assert safe and not safe.startswith(".") and all(c.isalnum() or c in "._-" for c in safe)
    assert math.isfinite(len(safe))


def test_advice_never_contradicts_a_rule_when_overfit_trials_have_the_fewest_units() -> None:
    trials = [
        scripted_trial(i, {"units": u, "dropout": 0.1}, "overfit" if u < 16 else "good_fit")
        for i, u in enumerate([4, 8, 4, 8, 4, 16, 32, 64, 128, 32, 64, 128])
    ]
    record = scripted_study(trials)
    frame = trials_frame(record)
    rules = learn_rules(frame, param_infos(record, frame))
    texts = [a.text for a in advise(record, rules, frame)]
    assert any(t.startswith("overfit → good fit: raise units") for t in texts), texts
    assert not any("lower units" in t or "cap units" in t for t in texts), texts


def test_rule_stance_is_read_for_the_trials_the_move_is_for() -> None:
    record = grid_study(150)
    frame = trials_frame(record)
    rules = learn_rules(frame, param_infos(record, frame))
    over = frame[frame["category"] == "overfit"]
    mid_good = next(r for r in rules if "units < 64" in r.region_text())
    assert rule_stance(mid_good, "units", "lower", over, leaving="overfit") == "supports"
    assert rule_stance(mid_good, "dropout", "raise", over, leaving="overfit") is None


def test_best_of_each_fit_includes_pruned_trials_by_their_value_at_the_stop() -> None:
    trials = [
        scripted_trial(0, {"units": 8}, "good_fit", value=0.3),
        scripted_trial(1, {"units": 64}, "overfit", state="PRUNED", value=0.2, pruned_at=50),
        scripted_trial(2, {"units": 64}, "overfit", state="PRUNED", value=0.25, pruned_at=50),
        scripted_trial(3, {"units": 4}, "underfit", value=0.5),
    ]
    best = best_by_category(scripted_study(trials))
    assert [(t.category, t.number) for t in best] == [
        ("underfit", 3),
        ("good_fit", 0),
        ("overfit", 1),
    ]


def test_pruned_trials_that_beat_the_best_complete_one_come_with_an_early_stop() -> None:
    trials = [
        scripted_trial(0, {"units": 8}, "underfit"),  # its final value is about 0.7
        scripted_trial(1, {"units": 64}, "overfit", state="PRUNED", value=0.45, pruned_at=80),
    ]
    record = scripted_study(trials)
    found = pruned_beat_best(record, best_trial(record))
    assert found is not None and [t.number for t in found.pruned] == [1]
    assert found.early is not None and found.early.number == 1
    assert 30 <= found.early.epoch <= 60  # the scripted overfit curves turn near epoch 40
    assert pruned_beat_best(record, trials[1]) is None


def test_curve_panel_draws_the_diagnosis_mean_with_the_best_epoch_on_its_minimum() -> None:
    trial = scripted_trial(0, {}, "overfit", n_seeds=3)
    panel = curve_panel(trial)
    assert panel is not None
    mean = mean_curve(trial.seeds)
    assert mean is not None
    np.testing.assert_allclose(panel.mean_val, mean.val_loss)
    assert panel.best_epoch == int(np.argmin(panel.mean_val)) + 1
    assert panel.spread("val")[0] is panel.mean_val


def test_bin_labels_of_integers_are_whole_numbers() -> None:
    record = grid_study(10)
    frame = trials_frame(record)
    units = next(p for p in param_infos(record, frame) if p.name == "units")
    labels = bin_labels(pd.Series([2, 3, 5, 8, 13, 21, 34, 55, 89, 144, 233]), units, bins=5)
    assert list(labels.cat.categories) == ["2–5", "5–13", "13–35", "35–90", "90–233"]


def test_the_epochs_advice_is_what_next_writes() -> None:
    trials = [
        scripted_trial(
            i, {"units": 8, "epochs": 100 + 50 * i}, "underfit" if i < 6 else "good_fit"
        )
        for i in range(8)
    ]
    record = scripted_study(trials, searched={"units": "4..128 log", "epochs": "10..400"})
    (change,) = [c for c in follow_up(record).changes if c.param == "epochs"]
    texts = [a.text for a in advise(record, [])]
    expected = (
        f"`python -m study next` sets the epochs to {change.entry['low']}..{change.entry['high']}"
    )
    assert change.action == "extended"
    assert any(expected in t for t in texts), texts
