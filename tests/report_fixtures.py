"""Synthetic stored studies for the report tests: scripted curves and diagnoses, no training."""

from __future__ import annotations

import dataclasses
import datetime
import functools
import math
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import optuna

from study.curves import SeedCurves
from study.diagnosis import Diagnosis, Evidence, TrialDiagnosis
from study.followup import describe
from study.storage import PruneInfo, StudyRecord, TrialRecord
from study.storage.runs import write_study_attrs
from tests.stored_once import stored_once

START = datetime.datetime(2025, 1, 1, 12, 0, 0)
KINDS = {"underfit": "still_improving", "overfit": "turning_point", "unstable": "oscillating"}


def scripted_curves(
    category: str, epochs: int, seed: int, planned: int | None = None
) -> SeedCurves:
    """One seed's curves shaped like ``category`` (deterministic in ``seed``)."""
    t = np.arange(1, epochs + 1, dtype=float)
    rng = np.random.default_rng(seed)
    scale = 1.0 + 0.05 * seed
    if category == "overfit":
        train = scale * (0.02 + np.exp(-t / 20))
        val = scale * (0.25 + np.exp(-t / 20) + 0.004 * np.maximum(t - 40, 0))
    elif category == "underfit":
        train = scale * (0.6 + 0.4 * np.exp(-t / 400))
        val = train * 1.05
    elif category == "unstable":
        train = scale * (0.5 + 0.3 * np.abs(rng.standard_normal(epochs)))
        val = train * (1 + 0.5 * np.abs(rng.standard_normal(epochs)))
    elif category == "not_learning":
        train = val = np.full(epochs, scale)
    else:
        train = scale * (0.1 + np.exp(-t / 15))
        val = train * 1.08
    return SeedCurves(
        seed=seed,
        train_loss=train,
        val_loss=val,
        epochs_planned=planned or epochs,
        stop="pruned" if planned and planned > epochs else "completed",
        seconds=0.5,
    )


def scripted_diagnosis(
    category: str, n_seeds: int, *, disagree: int = 0, best_epoch: int = 40, advice: str = ""
) -> TrialDiagnosis:
    """A trial's verdict of ``category`` on which ``disagree`` seeds disagree."""
    evidence = Evidence(
        epochs=100,
        best_epoch=best_epoch,
        best_val_loss=0.3,
        final_train_loss=0.1,
        final_val_loss=0.4,
        gap=0.3,
        gap_ratio=4.0,
        train_trend=-0.1,
        val_trend=0.2,
        val_rise=1.3,
    )
    kind: Any = KINDS.get(category)
    verdict = Diagnosis(category, kind, 0.8, evidence, advice or f"looks {category}")  # type: ignore[arg-type]
    other = Diagnosis(
        "good_fit" if category != "good_fit" else "underfit", None, 0.5, evidence, ""
    )
    seeds = tuple(other if i < disagree else verdict for i in range(n_seeds))
    return TrialDiagnosis(
        verdict=verdict,
        seeds=seeds,
        seed_ids=tuple(range(n_seeds)),
        agreement=(n_seeds - disagree) / n_seeds,
        disagreeing=tuple(range(disagree)),
    )


def scripted_trial(
    number: int,
    params: dict[str, Any],
    category: str | None,
    *,
    state: str = "COMPLETE",
    value: float | None = None,
    epochs: int = 100,
    pruned_at: int | None = None,
    n_seeds: int = 3,
    error: str | None = None,
    disagree: int = 0,
) -> TrialRecord:
    """A trial with scripted curves and diagnosis (``category=None``: no curves, no diagnosis)."""
    trained = pruned_at or epochs
    seeds = (
        ()
        if category is None
        else tuple(scripted_curves(category, trained, s, planned=epochs) for s in range(n_seeds))
    )
    if value is None and seeds and state == "COMPLETE":
        value = float(np.mean([s.val_loss[-1] for s in seeds]))
    return TrialRecord(
        number=number,
        state=state,
        params=params,
        value=value,
        seeds=seeds,
        diagnosis=None
        if category is None
        else scripted_diagnosis(category, n_seeds, disagree=disagree),
        pruned=PruneInfo(pruned_at, epochs, f"overfit in {n_seeds} of {n_seeds} seeds")
        if pruned_at
        else None,
        error=error,
        datetime_start=START + datetime.timedelta(minutes=number),
        datetime_complete=START + datetime.timedelta(minutes=number, seconds=30),
    )


SEARCHED = {"units": "int 4..128 log", "dropout": "float 0.0..0.5", "optimizer": "adam | sgd"}
DISTRIBUTIONS: dict[str, optuna.distributions.BaseDistribution] = {
    "units": optuna.distributions.IntDistribution(4, 128, log=True),
    "dropout": optuna.distributions.FloatDistribution(0.0, 0.5),
    "optimizer": optuna.distributions.CategoricalDistribution(["adam", "sgd"]),
    "learning_rate": optuna.distributions.FloatDistribution(1e-5, 0.3, log=True),
    "epochs": optuna.distributions.IntDistribution(10, 400, step=10),
}
"""The distribution each scripted parameter is sampled from (as Optuna stores it per trial)."""
_FALLBACK = optuna.distributions.FloatDistribution(0.0, 2.0)


def scripted_study(
    trials: Sequence[TrialRecord], *, name: str = "demo", **changes: Any
) -> StudyRecord:
    """A study record holding ``trials`` with the parameters of :data:`SEARCHED`.

    Each trial gets the :data:`DISTRIBUTIONS` of its searched parameters, as Optuna stores them.
    """
    searched = changes.get("searched", SEARCHED)
    trials = [
        dataclasses.replace(
            t,
            distributions={k: DISTRIBUTIONS.get(k, _FALLBACK) for k in t.params if k in searched}
            if not t.distributions
            else t.distributions,
        )
        for t in trials
    ]
    record = StudyRecord(
        name=name,
        storage="sqlite:///demo.db",
        family="lstm",
        task="sine",
        task_description="a noisy sine wave",
        objective="final_val_loss",
        direction="minimize",
        searched=dict(SEARCHED),
        fixed={"epochs": 100, "layers": 1},
        n_seeds=3,
        baseline_loss=1.0,
        space_text="[search]\nunits = [4, 128, 'log']\n",
        trials=tuple(trials),
    )
    return dataclasses.replace(record, **changes)


def rule_category(units: int, dropout: float) -> str:
    """The scripted ground truth: big, lightly regularised models overfit."""
    if units >= 64 and dropout < 0.2:
        return "overfit"
    return "underfit" if units < 16 else "good_fit"


def grid_study(
    n: int = 60, *, seed: int = 0, epochs: int = 100, name: str = "demo"
) -> StudyRecord:
    """``n`` trials whose category follows :func:`rule_category`; overfit ones are pruned.

    Besides, trial 1 failed (no curves, no diagnosis).
    """
    rng = np.random.default_rng(seed)
    trials = []
    for number in range(n):
        units = int(rng.choice([4, 8, 16, 32, 64, 128]))
        dropout = round(float(rng.uniform(0.0, 0.5)), 3)
        params = {
            "units": units,
            "dropout": dropout,
            "optimizer": str(rng.choice(["adam", "sgd"])),
        }
        if number == 1:
            trials.append(scripted_trial(number, params, None, state="FAIL", error="OOM <boom>"))
            continue
        category = rule_category(units, dropout)
        pruned = epochs // 2 if category == "overfit" else None
        trials.append(
            scripted_trial(
                number,
                params,
                category,
                state="PRUNED" if pruned else "COMPLETE",
                epochs=epochs,
                pruned_at=pruned,
            )
        )
    return scripted_study(trials, name=name)


MIXED_SEARCHED = {**SEARCHED, "learning_rate": "1e-05..0.3 log"}


def mixed_study(n: int = 80, *, seed: int = 1, name: str = "mixed") -> StudyRecord:
    """``n`` trials of every category: the learning rate and dropout add unstable,
    not-learning and validation-better trials to :func:`grid_study`'s pattern."""
    rng = np.random.default_rng(seed)
    trials = []
    for number in range(n):
        params = {
            "units": int(rng.choice([4, 8, 16, 32, 64, 128])),
            "dropout": round(float(rng.uniform(0.0, 0.5)), 3),
            "optimizer": str(rng.choice(["adam", "sgd"])),
            "learning_rate": float(10 ** rng.uniform(-5, math.log10(0.3))),
        }
        category = _mixed_category(params)
        pruned = 120 if category == "overfit" else None
        trials.append(
            scripted_trial(
                number,
                params,
                category,
                state="PRUNED" if pruned else "COMPLETE",
                epochs=300,
                pruned_at=pruned,
                n_seeds=5,
                disagree=int(rng.integers(0, 2)),
            )
        )
    return scripted_study(trials, name=name, searched=dict(MIXED_SEARCHED), n_seeds=5)


def _mixed_category(params: dict[str, Any]) -> str:
    if params["learning_rate"] > 0.05:
        return "unstable"
    if params["learning_rate"] < 3e-5:
        return "not_learning"
    if params["dropout"] > 0.45:
        return "validation_better"
    return rule_category(params["units"], params["dropout"])


def write_storage(record: StudyRecord, url: str) -> optuna.Study:
    """Store ``record`` in the Optuna storage at ``url``, laid out as a real run stores it.

    A record stored before in this session is copied from that first write (see
    :func:`tests.stored_once.stored_once`).
    """
    stored_once(url, ("write_storage", record), functools.partial(_write_storage, record))
    return optuna.load_study(study_name=record.name, storage=url)


def _write_storage(record: StudyRecord, url: str) -> None:
    direction: Literal["minimize", "maximize"] = (
        "maximize" if record.direction == "maximize" else "minimize"
    )
    study = optuna.create_study(study_name=record.name, storage=url, direction=direction)
    write_study_attrs(
        study,
        {
            "family": record.family,
            "task_label": record.task,
            "task_description": record.task_description,
            "objective": record.objective,
            "searched": record.searched,
            "fixed": record.fixed,
            "seeds": record.n_seeds,
            "baseline_loss": record.baseline_loss,
            "space_text": record.space_text,
        },
    )
    for t in record.trials:
        study.add_trial(_frozen(t, t.distributions or _distributions(record)))


def _frozen(trial: TrialRecord, distributions: dict[str, Any]) -> optuna.trial.FrozenTrial:
    attrs: dict[str, Any] = {
        "params": trial.params,
        "seeds": [s.summary() for s in trial.seeds],
        "curves": [s.to_dict() for s in trial.seeds],
    }
    if trial.diagnosis is not None:
        attrs["diagnosis"] = trial.diagnosis.to_dict()
    if trial.pruned is not None:
        attrs["pruned"] = trial.pruned.to_dict()
    if trial.error is not None:
        attrs["error"] = trial.error
    searched = {k: v for k, v in trial.params.items() if k in distributions}
    value = trial.value if trial.state in ("COMPLETE", "PRUNED") else None
    return optuna.trial.create_trial(
        state=optuna.trial.TrialState[trial.state],
        value=value,
        params=searched,
        distributions={k: distributions[k] for k in searched},
        user_attrs=attrs,
    )


def _distributions(record: StudyRecord) -> dict[str, optuna.distributions.BaseDistribution]:
    out: dict[str, optuna.distributions.BaseDistribution] = {}
    for name in record.searched:
        values = [t.params[name] for t in record.trials if name in t.params]
        if not values:
            continue
        if all(isinstance(v, str) for v in values):
            out[name] = optuna.distributions.CategoricalDistribution(sorted(set(values)))
        elif all(isinstance(v, int) for v in values):
            out[name] = optuna.distributions.IntDistribution(min(values), max(values))
        else:
            out[name] = optuna.distributions.FloatDistribution(
                float(min(values)),
                float(max(values)) + (0.0 if max(values) > min(values) else 1.0),
            )
    return out


DEMO_DISTRIBUTIONS: dict[str, optuna.distributions.BaseDistribution] = {
    "units": optuna.distributions.IntDistribution(2, 256, log=True),
    "layers": optuna.distributions.IntDistribution(1, 2),
    "bidirectional": optuna.distributions.CategoricalDistribution([False, True]),
    "dropout": optuna.distributions.FloatDistribution(0.0, 0.5),
    "l2": optuna.distributions.FloatDistribution(1e-6, 1e-2, log=True),
    "learning_rate": optuna.distributions.FloatDistribution(1e-4, 3e-2, log=True),
    "epochs": optuna.distributions.IntDistribution(10, 600, step=10),
}
"""The demo's search space, with the recurrent study's ``layers`` and ``bidirectional``."""


def demo_study(n: int = 24, *, seed: int = 3, name: str = "demo") -> StudyRecord:
    """A study shaped like the shipped demo's: ``n`` trials over :data:`DEMO_DISTRIBUTIONS`.

    Big, lightly regularised trials overfit and are pruned at half their epochs with their
    value where they stopped; small ones underfit; one trial is the only bidirectional one.
    """
    rng = np.random.default_rng(seed)
    trials = []
    for number in range(n):
        params: dict[str, Any] = {
            "units": round(2 ** rng.uniform(1, 8)),
            "layers": int(rng.integers(1, 3)),
            "bidirectional": number == 5,
            "dropout": round(float(rng.uniform(0.0, 0.5)), 3),
            "l2": float(10 ** rng.uniform(-6, -2)),
            "learning_rate": float(10 ** rng.uniform(-4, math.log10(3e-2))),
            "epochs": int(rng.integers(1, 61)) * 10,
        }
        category = rule_category(params["units"], params["dropout"])
        pruned = params["epochs"] // 2 if category == "overfit" else None
        value = 0.3 + 0.05 * number / n if pruned else None
        trials.append(
            scripted_trial(
                number,
                params,
                category,
                state="PRUNED" if pruned else "COMPLETE",
                value=value,
                epochs=params["epochs"],
                pruned_at=pruned,
                n_seeds=4,
            )
        )
    searched = {k: describe(d) for k, d in DEMO_DISTRIBUTIONS.items()}
    trials = [dataclasses.replace(t, distributions=dict(DEMO_DISTRIBUTIONS)) for t in trials]
    return scripted_study(trials, name=name, searched=searched, n_seeds=4, family="mlp", fixed={})
