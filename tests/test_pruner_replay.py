"""Tests of the pruner replay of ``benchmarks/pruner_replay.py``, on scripted curves."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from benchmarks.replay import (
    EvidenceTable,
    ReplayTrial,
    StopEpoch,
    oracle,
    replay,
    stored_study,
    summary,
)
from study.curves import SeedCurves
from study.pruning import PrunerSettings, WillNotWinSettings
from tests.stored_fixtures import store_study

EPOCHS = 100


def _trial(name: str, floor: float, spread: float = 0.001) -> ReplayTrial:
    """Three seeds of a power-law loss falling to ``floor`` (seeds ``spread`` apart)."""
    t = np.arange(1, EPOCHS + 1, dtype=np.float64)
    curves = tuple(
        SeedCurves(
            seed=s,
            train_loss=floor + s * spread + t**-0.7,
            val_loss=floor + s * spread + t**-0.7,
            epochs_planned=EPOCHS,
        )
        for s in range(3)
    )
    return ReplayTrial(name, curves)


def _stop_all_at(epoch: int) -> StopEpoch:
    def stop(trial: ReplayTrial, incumbent: ReplayTrial) -> int | None:
        return epoch

    return stop


def test_replay_counts_a_stopped_winner() -> None:
    trials = [_trial("first", 0.3), _trial("winner", 0.1)]
    result = replay(trials, _stop_all_at(20), "final_val_loss")
    assert result.winner == "winner"
    assert result.winner_stopped
    assert result.stopped == {"winner": 20}


def test_replay_counts_seed_epochs_saved() -> None:
    trials = [_trial("first", 0.1), _trial("second", 0.3)]
    result = replay(trials, _stop_all_at(20), "final_val_loss")
    assert (result.seed_epochs_full, result.seed_epochs_used) == (600, 300 + 60)
    assert summary([result])["saved"] == pytest.approx(40.0)


def test_incumbent_is_the_best_complete_trial_so_far() -> None:
    seen: list[tuple[str, str]] = []

    def stop(trial: ReplayTrial, incumbent: ReplayTrial) -> int | None:
        seen.append((trial.name, incumbent.name))
        return 10 if trial.name == "stopped" else None

    trials = [_trial("a", 0.3), _trial("b", 0.2), _trial("stopped", 0.01), _trial("c", 0.4)]
    replay(trials, stop, "final_val_loss")
    assert seen == [("b", "a"), ("stopped", "b"), ("c", "b")]


def test_near_trials_are_those_within_the_winners_interval() -> None:
    trials = [_trial("winner", 0.1), _trial("tie", 0.1005), _trial("far", 0.5)]
    result = replay(trials, _stop_all_at(20), "final_val_loss")
    assert result.near == ("tie",)
    assert result.near_stopped == 1
    assert summary([result])["near_stopped"] == pytest.approx(100.0)


def test_the_will_not_win_pruner_stops_a_clearly_worse_trial_only() -> None:
    trials = [_trial("best", 0.1), _trial("close", 0.1005), _trial("worse", 0.6)]
    table = EvidenceTable(trials, "final_val_loss", PrunerSettings(check_every=10))
    result = replay(trials, table.stop_epoch(WillNotWinSettings()), "final_val_loss")
    assert set(result.stopped) == {"worse"}
    assert not result.winner_stopped


def test_the_oracle_stops_every_trial_that_ends_worse_at_the_warmup() -> None:
    trials = [_trial("first", 0.3), _trial("better", 0.1), _trial("worse", 0.2)]
    settings = WillNotWinSettings(warmup_epochs=10, warmup_fraction=0.25)
    result = replay(trials, oracle(trials, settings, "final_val_loss"), "final_val_loss")
    assert result.stopped == {"worse": 25}


def test_a_stored_study_is_replayed_in_run_order(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 's.db'}"
    store_study(url, n_trials=3, seeds=2)
    trials, _ = stored_study(url, "demo")
    assert [t.name for t in trials] == ["trial 0", "trial 1", "trial 2"]
    assert all(len(t.curves) == 2 for t in trials)
