"""A study's verdicts judged against the whole study, as it stands when it is read.

A trial's verdict is stored when the trial finishes, judged against the lowest validation loss
the study had reached *so far* (``reached_loss``, see :func:`study.diagnosis.diagnose_curve`):
the first trials of a study are judged without it. Whether a curve that levels off near the
trivial predictor's loss is too small a model (or simply as good as this task gets) depends on
what the other configurations reach, so the readers of a stored study (``report``, ``next``,
``show``, :func:`study.load`) judge each complete trial again against every other finished
trial. A trial the overfit pruner stopped is judged with the pruner's thresholds (see
:func:`study.pruning.live_config`), as it was when it stopped.

Every reader gets a trial's verdict from :func:`verdict_inputs`: the same curves, settings,
baseline and reached loss give the same category, kind and confidence wherever the verdict is
read (``show``, the report, :func:`study.load` then :func:`study.diagnose`, and ``export``
then ``diagnose``, which carry these inputs in the exported curves).

On the counterfactual corpus (``benchmarks/diagnosis_corpus.py``) this is the difference
between the verdicts a run stores (94-96 % right, by the order the trials ran in) and those
judged against the whole study (96 %).
"""

from __future__ import annotations

import dataclasses
import math
import tomllib
from typing import Literal

from study.diagnosis import (
    DiagnosisConfig,
    TrialOutcome,
    against_study_best,
    diagnose_seeds,
    lowest_val_loss,
)
from study.errors import InputError
from study.pruning import PrunerSettings, live_config
from study.storage import StudyRecord, TrialRecord

__all__ = ["VerdictInputs", "judged_against_study", "study_config", "verdict_inputs"]


@dataclasses.dataclass(frozen=True)
class VerdictInputs:
    """Everything besides the curves that a trial's verdict is computed from.

    Attributes:
        config: The diagnosis settings (the study's, or the pruner's for a trial it stopped).
        baseline_loss: Validation loss of the task's trivial predictor, if known.
        reached_loss: The lowest validation loss any other finished trial reached, if any.
    """

    config: DiagnosisConfig
    baseline_loss: float | None
    reached_loss: float | None

    def settings(self) -> dict[str, object]:
        """The diagnosis settings that differ from the defaults (a JSON-able dict)."""
        default = DiagnosisConfig().to_dict()
        return {k: v for k, v in self.config.to_dict().items() if default[k] != v}


def judged_against_study(record: StudyRecord) -> StudyRecord:
    """Return ``record`` with each diagnosed trial's verdict judged against the whole study.

    Each complete or pruned, diagnosed trial is diagnosed again from its stored curves with
    its :func:`verdict_inputs`; a complete good fit whose objective is materially behind the
    study's best, or a good fit the pruner stopped, then says so instead of "keep this
    configuration" (:func:`study.diagnosis.against_study_best`). Nothing stored changes.
    """
    inputs = verdict_inputs(record)
    judged = [_judged(t, inputs.get(t.number)) for t in record.trials]
    outcomes = [_outcome(t) for t in judged if t.state == "COMPLETE" and t.value is not None]
    direction: Literal["minimize", "maximize"] = (
        "maximize" if record.direction == "maximize" else "minimize"
    )
    trials = tuple(_beside_best(t, outcomes, direction) for t in judged)
    return dataclasses.replace(record, trials=trials)


def _outcome(trial: TrialRecord) -> TrialOutcome:
    stopped = None if trial.pruned is None else trial.pruned.epoch
    value = math.nan if trial.value is None else float(trial.value)
    return TrialOutcome(trial.number, value, trial.params, stopped)


def _beside_best(
    trial: TrialRecord,
    outcomes: list[TrialOutcome],
    direction: Literal["minimize", "maximize"],
) -> TrialRecord:
    """A complete or pruned good fit's advice judged against the study's best."""
    finished = trial.state in ("COMPLETE", "PRUNED")
    if not finished or trial.diagnosis is None or trial.value is None:
        return trial
    diagnosis = against_study_best(trial.diagnosis, _outcome(trial), outcomes, direction=direction)
    return dataclasses.replace(trial, diagnosis=diagnosis)


def verdict_inputs(record: StudyRecord) -> dict[int, VerdictInputs]:
    """The inputs of each complete or pruned trial's verdict, by trial number.

    ``reached_loss`` is the lowest validation loss any *other* complete or pruned trial
    reached; the settings are the study's ``[diagnosis]`` table, with the overfit pruner's
    thresholds for a trial that pruner stopped. A study made by a user's own objective holds
    no pruner settings: a trial its overfit callback stopped keeps its stored verdict.
    """
    lowest = {t.number: lowest_val_loss(t.seeds) for t in record.trials if _finished(t)}
    config = study_config(record.space_text)
    pruning = live_config(_pruner_settings(record.space_text), config)
    inputs = {}
    for trial in record.trials:
        if not _finished(trial):
            continue
        others = [v for n, v in lowest.items() if n != trial.number and math.isfinite(v)]
        by_overfit = trial.pruned is not None and trial.pruned.by == "overfit"
        if by_overfit and not record.space_text:
            continue  # Stopped by a callback whose settings the study does not hold: as stored.
        inputs[trial.number] = VerdictInputs(
            config=pruning if by_overfit else config,
            baseline_loss=record.baseline_loss,
            reached_loss=min(others) if others else None,
        )
    return inputs


def study_config(space_text: str) -> DiagnosisConfig:
    """The diagnosis settings of the ``[diagnosis]`` table of a study's stored search space.

    A space that does not parse (or has no such table) gives the default settings: the run
    that stored it accepted it, so only a text stored by another tool can fail here.
    """
    try:
        table = tomllib.loads(space_text).get("diagnosis", {}) if space_text else {}
        return DiagnosisConfig.from_mapping(table)
    except (tomllib.TOMLDecodeError, InputError):
        return DiagnosisConfig()


def _pruner_settings(space_text: str) -> PrunerSettings:
    """The ``[pruner]`` table of a stored search space; the defaults when it has none."""
    try:
        table = tomllib.loads(space_text).get("pruner", {}) if space_text else {}
        return PrunerSettings.from_mapping(table)
    except (tomllib.TOMLDecodeError, InputError, ValueError, TypeError):
        return PrunerSettings()


def _finished(trial: TrialRecord) -> bool:
    return trial.state in ("COMPLETE", "PRUNED") and bool(trial.seeds)


def _judged(trial: TrialRecord, inputs: VerdictInputs | None) -> TrialRecord:
    usable = [c for c in trial.seeds if c.epochs_trained > 0]
    if inputs is None or trial.diagnosis is None or not usable:
        return trial
    diagnosis = diagnose_seeds(
        usable,
        config=inputs.config,
        baseline_loss=inputs.baseline_loss,
        reached_loss=inputs.reached_loss,
    )
    return dataclasses.replace(trial, diagnosis=diagnosis)
