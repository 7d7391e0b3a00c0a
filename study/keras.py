"""Keras callbacks that bring the diagnosis and the overfit pruner into your own ``model.fit``.

:class:`DiagnosisCallback` records the learning curves of a ``model.fit`` (optionally with
the dropout-off training loss evaluated at every epoch end) and leaves their diagnosis on
the callback and on the returned ``History``. :class:`OverfitPruningCallback` does the same
inside an Optuna objective, stops the trial as soon as its curves turn overfit (the rule and
settings of the sweeps' own pruner), and stores the curves and the diagnosis on the trial, so
that ``python -m study show`` and ``report`` work on that study.

Both keep their state in the callback, reset in ``on_train_begin`` (like
``keras.callbacks.EarlyStopping``), so one instance may be reused across ``fit`` calls.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import keras
import numpy as np
import optuna

from study.api import FitDiagnosis
from study.curvefiles import ACCURACY_NAMES
from study.curves import SERIES, SeedCurves, StopReason
from study.diagnosis import DiagnosisConfig, diagnose_seeds
from study.pruning import PrunerSettings, PruningPolicy, decide_pruning, live_config
from study.storage import PruneInfo
from study.storage.runs import write_trial_result

__all__ = ["DiagnosisCallback", "OverfitPruningCallback"]


class DiagnosisCallback(keras.callbacks.Callback):
    """Record a ``model.fit``'s learning curves and diagnose its fit when training ends.

    Keras' ``loss`` is the running mean over the epoch's batches with dropout on; it is kept
    as ``fit_loss``. With ``train_data`` the training loss is also evaluated at every epoch end
    with dropout off, the same way as ``val_loss`` (it is then added to the epoch's logs, and
    so to ``history.history``, as ``train_loss``), which makes the two curves comparable.
    Without it the diagnosis reads Keras' ``loss`` as the training curve.

    After ``fit``: :attr:`curves` holds the curves and :attr:`diagnosis` the verdict, also set
    as ``history.diagnosis`` on the ``History`` that ``fit`` returns.

    Args:
        train_data: ``(x, y)`` (or a dataset) to evaluate the dropout-off training loss on;
            ``None`` to skip it (no extra cost).
        batch_size: Batch size of that evaluation (Keras' default when ``None``).
        config: Diagnosis thresholds.
        baseline_loss: Validation loss of the trivial predictor, if known.
        seed: The seed recorded with the curves.

    Raises:
        ValueError: (during ``fit``) The epoch logs have no ``val_loss``: pass
            ``validation_data`` or ``validation_split`` to ``fit``.
    """

    def __init__(
        self,
        train_data: Any = None,
        *,
        batch_size: int | None = None,
        config: DiagnosisConfig | None = None,
        baseline_loss: float | None = None,
        seed: int = 0,
    ) -> None:
        super().__init__()
        self.train_data = train_data
        self.batch_size = batch_size
        self.config = config or DiagnosisConfig()
        self.baseline_loss = baseline_loss
        self.seed = seed
        self.curves: SeedCurves | None = None
        self.diagnosis: FitDiagnosis | None = None
        self._rows: dict[str, list[float]] = {}

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        """Forget the curves of any previous ``fit``."""
        # Keras' logs carry means only: the trimmed validation loss is not recorded here.
        self._rows = {name: [] for name in SERIES if name != "val_loss_trimmed"}
        self.curves = None
        self.diagnosis = None

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        """Record the epoch's losses (and the dropout-off training loss when asked)."""
        logs = logs if logs is not None else {}
        if "val_loss" not in logs:
            raise ValueError(
                "DiagnosisCallback needs a validation loss every epoch, but the logs have "
                f"only {sorted(logs)}; pass validation_data= or validation_split= to fit."
            )
        fit_loss = float(logs["loss"])
        train_loss, train_metric = fit_loss, _accuracy(logs, "")
        if self.train_data is not None:
            train_loss, evaluated_metric = self._evaluate_train()
            train_metric = evaluated_metric if evaluated_metric is not None else train_metric
            logs["train_loss"] = train_loss
        row = {
            "train_loss": train_loss,
            "val_loss": float(logs["val_loss"]),
            "fit_loss": fit_loss,
            "train_metric": train_metric,
            "val_metric": _accuracy(logs, "val_"),
        }
        for name, value in row.items():
            self._rows[name].append(math.nan if value is None else value)

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        """Diagnose the curves; leave the verdict here and on the model's ``History``."""
        self.curves = self.curves_so_far()
        if self.curves.epochs_trained == 0:
            return
        self.diagnosis = self._diagnose(self.curves, self.config)
        history = getattr(self.model, "history", None)
        if isinstance(history, keras.callbacks.History):
            history.diagnosis = self.diagnosis

    def curves_so_far(self, stop: StopReason = "completed") -> SeedCurves:
        """Return the curves recorded so far as one seed's :class:`SeedCurves`."""
        series: dict[str, Any] = {k: np.asarray(v, float) for k, v in self._rows.items()}
        for name in ("train_metric", "val_metric"):
            if not np.isfinite(series[name]).any():
                series[name] = None
        planned = int((self.params or {}).get("epochs") or len(series["val_loss"]))
        finite = bool(np.isfinite(series["val_loss"][-1:]).all())
        return SeedCurves(
            seed=self.seed,
            epochs_planned=max(planned, len(series["val_loss"])),
            stop=stop if finite else "diverged",
            **series,
        )

    def _diagnose(self, curves: SeedCurves, config: DiagnosisConfig) -> FitDiagnosis:
        return FitDiagnosis.of(
            diagnose_seeds([curves], config=config, baseline_loss=self.baseline_loss)
        )

    def _evaluate_train(self) -> tuple[float, float | None]:
        data = self.train_data
        arguments = list(data) if isinstance(data, (tuple, list)) else [data]
        result = self.model.evaluate(
            *arguments, batch_size=self.batch_size, verbose=0, return_dict=True
        )
        return float(result["loss"]), _accuracy(result, "")


class OverfitPruningCallback(DiagnosisCallback):
    """Stop an Optuna trial as soon as its ``model.fit`` curves turn overfit, and store them.

    At every check (every ``settings.check_interval`` of ``fit``'s epochs) the epoch's ``monitor``
    log is reported to the trial as its intermediate value, and the curves so far go to the
    same policy as the sweeps' (:func:`study.pruning.decide_pruning`, with the study's own
    pruner as the wrapped one): the study's pruner (``trial.should_prune()``, e.g. a median
    pruner) first, then the overfit rule (warm-up, a rise of ``rise_ratio`` held for
    ``patience`` epochs, or a memorising stall). When either fires, the curves, their diagnosis
    and the reason are stored on the trial, training stops and ``optuna.TrialPruned`` is raised
    out of ``fit`` (as Optuna's own Keras callback does); the trial ends ``PRUNED``. Otherwise
    the curves and diagnosis are stored when ``fit`` ends. Pass as ``monitor`` what the
    objective returns (e.g. ``val_accuracy`` for an objective that returns the validation
    accuracy): the study's pruner then compares like with like, and a pruned trial's value
    (Optuna's last intermediate value) is that quantity at the stop. With ``settings.enabled``
    false the values are still reported, but nothing is pruned (the policy consults no rule).

    Args:
        trial: The running Optuna trial.
        train_data: See :class:`DiagnosisCallback`.
        settings: The pruner's settings (the ``[pruner]`` table of a search space).
        batch_size: See :class:`DiagnosisCallback`.
        config: Diagnosis thresholds.
        baseline_loss: Validation loss of the trivial predictor, if known.
        seed: The seed recorded with the curves.
        monitor: The epoch log reported to the trial at each check.

    Raises:
        ValueError: (during ``fit``) The epoch logs have no ``monitor``.
    """

    def __init__(
        self,
        trial: optuna.Trial,
        train_data: Any = None,
        *,
        settings: PrunerSettings | None = None,
        batch_size: int | None = None,
        config: DiagnosisConfig | None = None,
        baseline_loss: float | None = None,
        seed: int = 0,
        monitor: str = "val_loss",
    ) -> None:
        super().__init__(
            train_data,
            batch_size=batch_size,
            config=config,
            baseline_loss=baseline_loss,
            seed=seed,
        )
        self.trial = trial
        self.monitor = monitor
        self.settings = settings or PrunerSettings()
        self.pruned: PruneInfo | None = None

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        """Forget the curves and the prune of any previous ``fit``."""
        super().on_train_begin(logs)
        self.pruned = None

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        """Record the epoch; on a check epoch, prune the trial if its curves are overfit."""
        super().on_epoch_end(epoch, logs)
        epochs = len(self._rows["val_loss"])
        policy = self.policy
        planned = int((self.params or {}).get("epochs") or epochs)
        if not policy.checks_at(epochs, planned):
            return
        self._report(logs if logs is not None else {}, epochs)
        curves = self.curves_so_far()
        decision = decide_pruning(
            policy, [curves], epochs, wrapped_says=self.trial.should_prune, reported=self.monitor
        )
        if decision is None:
            return
        self.pruned = PruneInfo(
            epoch=epochs,
            epochs_planned=curves.epochs_planned,
            reason=decision.reason,
            by=decision.by,
        )
        self.model.stop_training = True
        self.curves = curves.truncated(epochs)
        self.curves = dataclasses.replace(self.curves, stop="pruned")
        # The stored verdict states the evidence of the prune, read as the pruner read it.
        live = live_config(self.settings, self.config)
        self.diagnosis = self._diagnose(self.curves, live)
        write_trial_result(self.trial, [self.curves], self.diagnosis, self.pruned)
        raise optuna.TrialPruned(decision.reason)

    @property
    def policy(self) -> PruningPolicy:
        """The pruning policy this callback applies: its settings, with the study's pruner."""
        return PruningPolicy(self.settings, self.config, self.trial.study.pruner)

    def _report(self, logs: dict[str, Any], epoch: int) -> None:
        if self.monitor not in logs:
            raise ValueError(
                f"OverfitPruningCallback reports `monitor` to the trial, but got "
                f"monitor={self.monitor!r}, which the logs lack; pass one of {sorted(logs)}."
            )
        value = float(logs[self.monitor])
        if not math.isnan(value):
            self.trial.report(value, step=epoch)

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        """Diagnose the curves and store them, with the diagnosis, on the trial."""
        super().on_train_end(logs)
        if self.curves is not None and self.curves.epochs_trained:
            write_trial_result(self.trial, [self.curves], self.diagnosis)


def _accuracy(logs: dict[str, Any], prefix: str) -> float | None:
    for name in ACCURACY_NAMES:
        if prefix + name in logs:
            return float(logs[prefix + name])
    return None
