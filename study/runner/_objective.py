"""The objective of a study: one trial = sample parameters, train the seeds, diagnose, store."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import optuna
from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

from study.builders import CustomModel, declared_values
from study.curves import SeedCurves
from study.diagnosis import DiagnosisConfig, TrialDiagnosis, diagnose_seeds
from study.errors import TrialError
from study.evidence import seed_values, trial_evidence
from study.parallel import describe_failures, run_seeds
from study.params import TrialParams
from study.pruning import PruningPolicy, live_config
from study.runner._incumbent import Incumbent
from study.runner._live import LiveCheck
from study.runner._progress import Progress
from study.runner._reached import ReachedLoss
from study.runner._value import objective_value
from study.space import SearchSpace
from study.storage.runs import (
    KEEP_MODELS,
    keep_weights,
    mark_interrupted,
    storage_folder,
    write_error,
    write_params,
    write_trial_result,
)
from study.tasks import TaskData, TaskSource


@dataclasses.dataclass(frozen=True)
class RunSettings:
    """How trials are run (not part of the study's definition).

    Attributes:
        n_jobs: Seed workers per trial.
        backend: The joblib backend that runs the seed workers.
        chunk_epochs: Epochs trained between two looks at the live curves.
        debug: Re-raise a seed's error instead of recording it (``run --debug``).
        keep_models: Trials whose seeds' final weights the study keeps: the best few
            (:func:`study.storage.runs.keep_weights`), a pruned or overfit trial's seeds' weights
            of their best validation epoch beside them; 0 keeps none.
        artifacts: The folder of kept weights; ``None`` for ``$STUDY_ARTIFACTS`` or beside
            the SQLite or journal file (a PostgreSQL study without either keeps none).
    """

    n_jobs: int = 1
    backend: str = "loky"
    chunk_epochs: int = 50
    debug: bool = False
    keep_models: int = KEEP_MODELS
    artifacts: str | None = None


class Objective:
    """Callable passed to ``study.optimize``: trains one trial and returns its value.

    Args:
        space: The search space.
        data: The task's data.
        settings: How to run the seeds.
        diagnosis: Diagnosis thresholds.
        progress: The progress display.
        policy: How live curves are judged (``None``: the trial is never pruned).
        stop_requested: Raises ``KeyboardInterrupt`` once the run has been asked to stop.
        source: Where a trial with a searched ``lookback`` takes its windows from.
    """

    def __init__(
        self,
        space: SearchSpace,
        data: TaskData,
        settings: RunSettings,
        diagnosis: DiagnosisConfig,
        progress: Progress,
        policy: PruningPolicy | None,
        stop_requested: Callable[[], None] = lambda: None,
        source: TaskSource | None = None,
    ) -> None:
        self._space, self._data, self._settings = space, data, settings
        self._diagnosis, self._progress, self._policy = diagnosis, progress, policy
        self._stop_requested, self._source = stop_requested, source
        self._reached = ReachedLoss()
        self._incumbent = Incumbent()

    def __call__(self, trial: optuna.Trial) -> float:
        """Train, diagnose and store one trial; raise ``TrialPruned`` when it was pruned."""
        sampled = sample(trial, self._space.distributions())
        params = self._space.params_for(sampled)
        model = self._space.custom_model(sampled)  # The user's own model, or None.
        lookback = self._space.lookback(sampled)
        data = self._data_for(lookback)
        written = self._shown(params, model)
        write_params(trial, written if lookback is None else {**written, "lookback": lookback})
        seeds = list(range(self._space.seeds))
        live = LiveCheck(
            trial,
            self._progress,
            self._policy,
            params.epochs,
            self._space.objective,
            self._stop_requested,
            self._incumbent,
        )
        chunk = trial_chunk(self._policy, params.epochs, self._settings.chunk_epochs)
        self._progress.start_trial(trial.number, len(seeds), params.epochs)
        try:
            curves = run_seeds(
                self._space.family,
                params,
                data,
                seeds,
                n_jobs=self._settings.n_jobs,
                backend=self._settings.backend,
                chunk_epochs=chunk,
                on_progress=live,
                debug=self._settings.debug,
                model=model,
            )
        except KeyboardInterrupt:
            mark_interrupted(trial)
            raise
        return self._finish(trial, curves, live)

    def _finish(self, trial: optuna.Trial, curves: list[SeedCurves], live: LiveCheck) -> float:
        usable = [c for c in curves if c.epochs_trained > 0]
        failures = describe_failures([c.error for c in curves])
        if not usable:
            write_trial_result(trial, curves, None)
            stops = ", ".join(sorted({c.stop for c in curves}))
            message = failures or f"no seed trained an epoch ({stops})"
            write_error(trial, message)
            self._progress.failed_trial(trial.number, message)
            raise TrialError(message)
        diagnosis = diagnose_seeds(
            usable,
            config=self._config_for(live),
            baseline_loss=self._data.baseline_loss,
            reached_loss=self._reached(trial.study, exclude=trial.number),
        )
        write_trial_result(trial, curves, diagnosis, live.pruned)
        value = objective_value(self._space.objective, usable)
        best_epoch = live.pruned is not None or diagnosis.category == "overfit"
        not_kept = self._keep_weights(trial, value, usable, best_epoch=best_epoch)
        warning = "; ".join(w for w in (failures, not_kept) if w) or None
        self._progress.end_trial(
            trial.number, value, diagnosis, live.pruned is not None, warning=warning
        )
        if live.pruned is not None:
            # Optuna takes a pruned trial's value from its last intermediate value: the check
            # that pruned it reported this value at the stop epoch already.
            live.report(value, max(c.epochs_trained for c in usable))
            raise optuna.TrialPruned(live.pruned.reason)
        return value

    def _keep_weights(
        self, trial: optuna.Trial, value: float, curves: list[SeedCurves], *, best_epoch: bool
    ) -> str | None:
        """Keep the seeds' final weights if the trial ranks among the study's best few.

        With ``best_epoch`` (a pruned or overfit trial), each seed whose validation loss was
        lowest before its last epoch also keeps the weights of that epoch.

        Returns:
            Why the weights could not be kept (the trial itself stands), or ``None``.
        """
        weights = {c.seed: c.weights for c in curves if c.weights is not None}
        best = {
            c.seed: c.best_weights
            for c in curves
            if best_epoch and c.best_weights is not None and _best_is_earlier(c)
        }
        given = self._settings.artifacts
        folder = Path(given) if given is not None else storage_folder(trial.storage)
        if folder is None or self._settings.keep_models < 1:
            return None
        try:
            keep = self._settings.keep_models
            evidence = trial_evidence(
                seed_values(self._space.objective, curves), number=trial.number
            )
            keep_weights(
                trial, value, weights, folder=folder, keep=keep, best=best, evidence=evidence
            )
        except OSError as e:
            return f"weights not kept in {folder}: {e.strerror or e}"
        return None

    def _shown(self, params: TrialParams, model: CustomModel | None) -> dict[str, Any]:
        """The values the trial stores: its family's, or those a builder's model declares."""
        if model is None:
            return params.to_dict(self._space.family)
        return declared_values(model.values, {*self._space.searched, *self._space.fixed})

    def _data_for(self, lookback: int | None) -> TaskData:
        """The trial's data: windows of a searched lookback, cut once per lookback."""
        if lookback is None or self._source is None:
            return self._data
        return self._source.data(lookback)

    def _config_for(self, live: LiveCheck) -> DiagnosisConfig:
        pruned_as_overfit = live.pruned is not None and live.pruned.by == "overfit"
        if pruned_as_overfit and self._policy is not None:
            return live_config(self._policy.settings, self._diagnosis)
        return self._diagnosis


def _best_is_earlier(curves: SeedCurves) -> bool:
    """Whether the seed's best validation epoch came before its last one."""
    if curves.weights is None or not curves.epochs_trained:
        return False
    return bool(np.nanargmin(curves.val_loss) < curves.epochs_trained - 1)


def sample(
    trial: optuna.Trial, distributions: dict[str, optuna.distributions.BaseDistribution]
) -> dict[str, Any]:
    """Ask the trial for a value of every searched parameter."""
    values: dict[str, Any] = {}
    for name, dist in distributions.items():
        if isinstance(dist, IntDistribution):
            values[name] = trial.suggest_int(
                name, dist.low, dist.high, step=dist.step, log=dist.log
            )
        elif isinstance(dist, FloatDistribution):
            values[name] = trial.suggest_float(
                name, dist.low, dist.high, step=dist.step, log=dist.log
            )
        elif isinstance(dist, CategoricalDistribution):
            values[name] = trial.suggest_categorical(name, dist.choices)
    return values


def trial_chunk(policy: PruningPolicy | None, planned: int, default: int) -> int:
    """Epochs per graph call of a trial planned for ``planned`` epochs.

    Pruning checks fall on chunk ends, so one chunk per check keeps them at fixed epochs
    (:meth:`~study.pruning.PruningPolicy.check_interval`); ``default`` when nothing is
    checked.
    """
    checks = None if policy is None else policy.check_interval(planned)
    return checks or default


__all__ = ["Objective", "RunSettings", "TrialDiagnosis", "sample", "trial_chunk"]
