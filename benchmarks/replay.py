"""The replay of a pruning policy over full-length trials, shared by the replay benchmarks.

A replayed study runs its trials one after another; while one trains, the incumbent is the best
complete trial so far by the objective (the mean over seeds); a policy (:data:`StopEpoch`) says
at which epoch, if any, it stops the running trial; a stopped trial never becomes the
incumbent. :class:`EvidenceTable` holds the will-not-win evidence at the runner's checks, so
any settings can be replayed cheaply; :func:`summary` gives the rates
``benchmarks/pruner_replay.py`` prints.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence

import numpy as np
import optuna

from study.curves import SeedCurves
from study.evidence import overlapping, seed_values, trial_evidence
from study.pruning import (
    PrunerSettings,
    WillNotWinSettings,
    WinEvidence,
    forecast_trial,
    judge_will_not_win,
    win_evidence,
)
from study.space import OBJECTIVES, Objective
from study.storage import open_storage, study_record


@dataclasses.dataclass(frozen=True)
class ReplayTrial:
    """A full-length trial: its name and every seed's full curves."""

    name: str
    curves: tuple[SeedCurves, ...]

    @property
    def seed_epochs(self) -> int:
        """Seed-epochs the full trial trained."""
        return sum(c.epochs_trained for c in self.curves)


StopEpoch = Callable[[ReplayTrial, ReplayTrial], int | None]
"""The epoch at which a policy stops ``trial`` while ``incumbent`` leads, or ``None``."""


@dataclasses.dataclass(frozen=True)
class ReplayResult:
    """One replayed study.

    Attributes:
        order: Trial names in run order.
        stopped: Stopped trials and the epoch each was stopped at.
        winner: The best trial of the full study.
        near: Trials the seeds cannot tell apart from the winner.
        seed_epochs_full: Seed-epochs of the full study.
        seed_epochs_used: Seed-epochs with the pruner.
    """

    order: tuple[str, ...]
    stopped: dict[str, int]
    winner: str
    near: tuple[str, ...]
    seed_epochs_full: int
    seed_epochs_used: int

    @property
    def winner_stopped(self) -> bool:
        """Whether the pruner would have stopped the eventual winner."""
        return self.winner in self.stopped

    @property
    def near_stopped(self) -> int:
        """How many trials within the winner's interval the pruner would have stopped."""
        return sum(name in self.stopped for name in self.near)


def replay(
    trials: Sequence[ReplayTrial], stop_epoch: StopEpoch, objective: Objective
) -> ReplayResult:
    """Replay a policy over full-length trials in the given run order.

    The first trial (no incumbent yet) always runs to its end; a stopped trial used its
    seeds up to the stop epoch and never becomes the incumbent.
    """
    sign = 1.0 if OBJECTIVES[objective] == "minimize" else -1.0
    value = {t.name: sign * _mean(t, objective) for t in trials}
    incumbent: ReplayTrial | None = None
    stopped: dict[str, int] = {}
    used = 0
    for trial in trials:
        epoch = None if incumbent is None else stop_epoch(trial, incumbent)
        if epoch is not None:
            stopped[trial.name] = epoch
            used += sum(min(epoch, c.epochs_trained) for c in trial.curves)
            continue
        used += trial.seed_epochs
        if incumbent is None or value[trial.name] < value[incumbent.name]:
            incumbent = trial
    evidence = [
        trial_evidence(seed_values(objective, t.curves), number=i) for i, t in enumerate(trials)
    ]
    best = min(range(len(trials)), key=lambda i: (value[trials[i].name], i))
    return ReplayResult(
        order=tuple(t.name for t in trials),
        stopped=stopped,
        winner=trials[best].name,
        near=tuple(trials[i].name for i in overlapping(evidence, best)),
        seed_epochs_full=sum(t.seed_epochs for t in trials),
        seed_epochs_used=used,
    )


def _mean(trial: ReplayTrial, objective: Objective) -> float:
    values = np.asarray(seed_values(objective, trial.curves))
    finite = values[np.isfinite(values)]
    worst = np.inf if OBJECTIVES[objective] == "minimize" else -np.inf
    return float(finite.mean()) if len(finite) else worst


class EvidenceTable:
    """Every trial's :class:`WinEvidence` at every check against every possible incumbent.

    The forecasts (the costly part) depend on the trial alone, so each trial is forecast
    once per check and compared with each incumbent; any settings then read the table.
    """

    def __init__(
        self, trials: Sequence[ReplayTrial], objective: Objective, checks: PrunerSettings
    ):
        self._objective = objective
        self._table: dict[tuple[str, str], list[WinEvidence]] = {}
        for trial in trials:
            step = checks.check_interval(_planned(trial))
            checks_at = range(step, _planned(trial), step)
            forecasts = [
                forecast_trial([c.truncated(e) for c in trial.curves], objective)
                for e in checks_at
            ]
            for other in trials:
                if other.name != trial.name:
                    self._table[trial.name, other.name] = [
                        win_evidence(f, other.curves, objective) for f in forecasts if f
                    ]

    def stop_epoch(self, settings: WillNotWinSettings) -> StopEpoch:
        """The replay's policy: the first check at which ``settings`` stop the trial."""

        def stop(trial: ReplayTrial, incumbent: ReplayTrial) -> int | None:
            for evidence in self._table[trial.name, incumbent.name]:
                if judge_will_not_win(evidence, settings) is not None:
                    return evidence.epoch
            return None

        return stop


def _planned(trial: ReplayTrial) -> int:
    return max(c.epochs_planned or c.epochs_trained for c in trial.curves)


def oracle(
    trials: Sequence[ReplayTrial], settings: WillNotWinSettings, objective: Objective
) -> StopEpoch:
    """Stop, at the warm-up, every trial whose final value is worse than the incumbent's."""
    sign = 1.0 if OBJECTIVES[objective] == "minimize" else -1.0
    value = {t.name: sign * _mean(t, objective) for t in trials}

    def stop(trial: ReplayTrial, incumbent: ReplayTrial) -> int | None:
        if value[trial.name] <= value[incumbent.name]:
            return None
        planned = _planned(trial)
        return next((e for e in range(1, planned + 1) if settings.past_warmup(e, planned)), None)

    return stop


def stored_study(url: str, name: str) -> tuple[list[ReplayTrial], str]:
    """The complete trials of a stored study, in run order, and its stored objective."""
    study = optuna.load_study(study_name=name, storage=open_storage(url, must_exist=True))
    record = study_record(study, url)
    trials = [
        ReplayTrial(f"trial {t.number}", t.seeds)
        for t in record.trials
        if t.state == "COMPLETE" and t.seeds
    ]
    return trials, record.objective


def orders(trials: Sequence[ReplayTrial], count: int, seed: int) -> list[list[ReplayTrial]]:
    """``count`` seeded random run orders of ``trials``."""
    rng = np.random.default_rng(seed)
    return [[trials[i] for i in rng.permutation(len(trials))] for _ in range(count)]


def summary(results: Sequence[ReplayResult]) -> dict[str, float]:
    """Rates over replayed studies, in percent."""
    near = sum(len(r.near) for r in results)
    full = sum(r.seed_epochs_full for r in results)
    return {
        "studies": len(results),
        "winner_stopped": 100 * float(np.mean([r.winner_stopped for r in results])),
        "near_stopped": 100 * sum(r.near_stopped for r in results) / max(near, 1),
        "trials_stopped": 100
        * sum(len(r.stopped) for r in results)
        / sum(len(r.order) for r in results),
        "saved": 100 * (1 - sum(r.seed_epochs_used for r in results) / full),
    }
