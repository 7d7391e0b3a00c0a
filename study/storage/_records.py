"""Typed records of a stored study, as the report and ``study show`` read them."""

from __future__ import annotations

import dataclasses
import datetime
from typing import Any

from optuna.distributions import BaseDistribution

from study.curves import SeedCurves
from study.diagnosis import TrialDiagnosis
from study.evidence import Direction, Recommendation, TrialEvidence, recommend
from study.storage._final_score import FinalScore


@dataclasses.dataclass(frozen=True)
class PruneInfo:
    """Why and when a trial was pruned.

    Attributes:
        epoch: The epoch (1-based, the longest seed's) at which training stopped.
        epochs_planned: The epochs the trial had asked for.
        reason: One line saying why, e.g. "overfit in 4 of 5 seeds: validation loss rose
            2.1x from its minimum at epoch 180".
        by: Which rule decided: ``overfit``, ``will_not_win`` or the wrapped Optuna pruner's
            class name.
    """

    epoch: int
    epochs_planned: int
    reason: str
    by: str = "overfit"

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-able dict."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PruneInfo:
        """Inverse of :meth:`to_dict`."""
        return cls(**data)


@dataclasses.dataclass(frozen=True)
class TrialRecord:
    """One stored trial with everything the run recorded.

    Attributes:
        number: Optuna's trial number.
        state: Optuna's state name: ``COMPLETE``, ``PRUNED``, ``FAIL``, ``RUNNING`` or
            ``WAITING``.
        params: Every model parameter's value (sampled, fixed or default).
        value: The objective, or ``None`` when the trial has none.
        seeds: Each seed's curves, in seed order (empty until the trial has trained).
        diagnosis: The fit diagnosis over the seeds, or ``None``.
        pruned: Prune details when the trial was pruned.
        error: Why the trial failed, or ``None``.
        interrupted: Whether the trial was stopped by a Ctrl-C or a crash (it is re-run).
        retry_of: The number of the interrupted trial this one re-runs, or ``None``.
        datetime_start: When the trial started.
        datetime_complete: When the trial finished.
        distributions: Optuna's distribution of each sampled parameter (its range, step and
            scale), by name; empty for a trial that sampled nothing.
        evidence: What the trial's seeds say about its objective (each seed's value, their
            mean, standard error and interval), read from the stored curves; ``None`` when
            no seed trained or the study's objective is not one `study` computes.
    """

    number: int
    state: str
    params: dict[str, Any]
    value: float | None
    seeds: tuple[SeedCurves, ...] = ()
    diagnosis: TrialDiagnosis | None = None
    pruned: PruneInfo | None = None
    error: str | None = None
    interrupted: bool = False
    retry_of: int | None = None
    datetime_start: datetime.datetime | None = None
    datetime_complete: datetime.datetime | None = None
    distributions: dict[str, BaseDistribution] = dataclasses.field(default_factory=dict)
    evidence: TrialEvidence | None = None

    @property
    def duration_seconds(self) -> float | None:
        """Wall time of the trial, or ``None`` while it has not finished."""
        if self.datetime_start is None or self.datetime_complete is None:
            return None
        return (self.datetime_complete - self.datetime_start).total_seconds()

    @property
    def seed_epochs(self) -> int:
        """Epochs trained, summed over seeds (the training cost)."""
        return sum(s.epochs_trained for s in self.seeds)

    @property
    def epochs_trained(self) -> int:
        """Epochs each seed trained: the longest seed's (seeds train side by side; one that
        diverged or failed stops earlier); 0 before the trial has trained."""
        return max((s.epochs_trained for s in self.seeds), default=0)

    @property
    def category(self) -> str | None:
        """The trial's fit category, or ``None`` when it has no diagnosis."""
        return None if self.diagnosis is None else self.diagnosis.category


@dataclasses.dataclass(frozen=True)
class StudyRecord:
    """A stored study: its search space, task and trials.

    Attributes:
        name: The study's name.
        storage: The storage URL with any password masked.
        family: ``lstm`` or ``mlp``.
        task: The task's name.
        task_description: One line describing the data.
        objective: The objective's name, e.g. ``final_val_loss``.
        direction: ``minimize`` or ``maximize``.
        searched: The parameters the space ranges over, with a short description of each
            range (e.g. ``{"units": "int 1..64 log"}``).
        fixed: The parameters the space (or ``--set``) fixes, with their values.
        n_seeds: Seeds per trial.
        baseline_loss: Validation loss of the task's trivial predictor.
        space_text: The search-space file's text as the study was created with.
        trials: Every trial, by number.
        space_path: The absolute path of that file when the study was created (relative
            paths in it, e.g. a CSV task's ``csv``, are relative to its folder), or ``""``.
        data_path: The CSV task's data file (its ``csv``, relative paths taken from
            ``space_path``'s folder), or ``""`` for a built-in task or a study without a
            search-space file.
        own_objective: Whether the study was made by the user's own Optuna objective (e.g.
            with ``study.keras.OverfitPruningCallback``) rather than by ``study run``: it has
            no search-space file, and its description comes from its trials.
        test_score: The best trial's score on the test split (:class:`FinalScore`), or
            ``None`` when the study has none (no ``test`` split, or not scored yet).
    """

    name: str
    storage: str
    family: str
    task: str
    task_description: str
    objective: str
    direction: str
    searched: dict[str, str]
    fixed: dict[str, Any]
    n_seeds: int
    baseline_loss: float | None
    space_text: str
    trials: tuple[TrialRecord, ...]
    space_path: str = ""
    data_path: str = ""
    own_objective: bool = False
    test_score: FinalScore | None = None

    @property
    def recommendation(self) -> Recommendation:
        """The configuration to use: :func:`study.evidence.recommend` over the complete trials.

        A study of the user's own Optuna objective stores no per-seed objective values, so
        it has no recommendation (rule ``none``).
        """
        if self.own_objective:
            reason = "a study of your own Optuna objective: its seeds' values are not known"
            return Recommendation(None, None, "none", reason)
        evidence = [
            t.evidence for t in self.trials if t.state == "COMPLETE" and t.evidence is not None
        ]
        direction: Direction = "maximize" if self.direction == "maximize" else "minimize"
        return recommend(evidence, direction)

    def by_state(self) -> dict[str, int]:
        """Number of trials in each state."""
        counts: dict[str, int] = {}
        for t in self.trials:
            counts[t.state] = counts.get(t.state, 0) + 1
        return counts
