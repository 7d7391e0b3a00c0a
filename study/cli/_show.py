"""``study show NAME``: the trials, each value with its seeds' interval, and the trial to use."""

from __future__ import annotations

import argparse
import json
import math
from typing import TYPE_CHECKING, Any

from study.cli._common import add_storage_option

if TYPE_CHECKING:
    from study.storage import StudyRecord, TrialRecord

SEED_KEYS = ("seed", "epochs_trained", "error", "epochs_planned", "stop", "final_val_loss")
STUDY_KEYS = (
    "family",
    "task_label",
    "objective",
    "seeds",
    "searched",
    "fixed",
    "baseline_loss",
    "own_objective",
    "recommended",
)
"""The study keys ``--json`` prints beside its name, storage and direction."""
EVIDENCE_KEYS = ("value_se", "value_interval", "value_level", "seed_values", "diverged_seeds")
"""The keys of a trial's evidence in ``--json``, beside its ``value``."""


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``show``."""
    parser = subparsers.add_parser("show", help="show a study's trials")
    parser.add_argument("name", help="the study's name")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    add_storage_option(parser)
    parser.set_defaults(func=_main)


def _main(args: argparse.Namespace) -> int:
    from study.api import load_record

    record = load_record(args.name, args.storage)
    trials = [trial_summary(t) for t in record.trials]
    if args.json:
        print(json.dumps({"study": study_summary(record), "trials": trials}, indent=1))
    else:
        _print_text(record, trials)
    return 0


def trial_summary(record: TrialRecord) -> dict[str, Any]:
    """The stable, JSON-able summary of one trial (the ``trials`` entries of ``--json``).

    ``record`` is the decoded trial, its verdict judged against the whole study (see
    :func:`study.verdicts.judged_against_study`). Its numbers are the trials table's
    (:func:`study.api.trial_row`, the rows of ``export`` and :func:`study.load`): beside
    Optuna's ``value`` (the mean over the seeds) are what the seeds say of it
    (:class:`study.evidence.TrialEvidence`): ``value_se`` (its standard error),
    ``value_interval`` (``[low, high]``, the t interval at ``value_level``), ``seed_values``
    (each finite seed's value, in seed order) and ``diverged_seeds``; ``None`` where the
    seeds do not give them. ``epochs`` is what each seed trained, ``seed_epochs`` their sum.
    """
    from study.api import trial_row
    from study.storage import keys  # loads optuna: not for --help

    row = trial_row(record)
    diagnosis = None if record.diagnosis is None else record.diagnosis.to_dict()
    return {
        "number": row["number"],
        "state": row["state"],
        "params": {name: row[f"params_{name}"] for name in record.params},
        "value": row["value"],
        **_evidence_summary(record, row),
        "epochs": row["epochs"],
        "seed_epochs": row["seed_epochs"],
        "seeds": [
            {key: summary[key] for key in SEED_KEYS}
            for summary in (s.summary() for s in record.seeds)
        ],
        "diagnosis": None
        if diagnosis is None
        else {k: diagnosis[k] for k in keys.DIAGNOSIS_SUMMARY},
        "pruned": None if record.pruned is None else record.pruned.to_dict(),
        "error": row["error"],
        "interrupted": record.interrupted,
        "retry_of": record.retry_of,
        "duration_seconds": row["duration_seconds"],
    }


def study_summary(record: StudyRecord) -> dict[str, Any]:
    """The JSON-able description of a study (the ``study`` object of ``--json``).

    Its keys are ``name``, ``storage``, ``direction``, then :data:`STUDY_KEYS`; a study made
    by its own Optuna objective is described from its trials (see
    :func:`study.storage.study_record`) and has ``own_objective`` true.
    """
    return {
        "name": record.name,
        "storage": record.storage,
        "direction": record.direction,
        "family": record.family,
        "task_label": record.task,
        "objective": record.objective,
        "seeds": record.n_seeds,
        "searched": record.searched,
        "fixed": record.fixed,
        "baseline_loss": record.baseline_loss,
        "own_objective": record.own_objective,
        "test_score": None if record.test_score is None else record.test_score.summary(),
        "recommended": record.recommendation.to_dict(),
    }


def _evidence_summary(record: TrialRecord, row: dict[str, Any]) -> dict[str, Any]:
    evidence = record.evidence
    if evidence is None:
        return dict.fromkeys(EVIDENCE_KEYS)
    interval = None if row["value_low"] is None else [row["value_low"], row["value_high"]]
    return {
        "value_se": row["value_se"],
        "value_interval": interval,
        "value_level": evidence.level if evidence.has_interval else None,
        "seed_values": list(evidence.values),
        "diverged_seeds": evidence.diverged,
    }


def _print_text(record: StudyRecord, trials: list[dict[str, Any]]) -> None:
    from study.parallel import describe_failures  # loads joblib: not for --help

    seeds = f"{record.n_seeds} seed{'' if record.n_seeds == 1 else 's'} per trial"
    print(
        f"study '{record.name}' in {record.storage}: {record.family} on {record.task}, "
        f"objective {record.objective} ({record.direction}), {seeds}"
    )
    if record.test_score is not None:
        print(f"final score: {record.test_score.describe()}")
    print(recommended_line(record))
    for t in trials:
        fit = t["diagnosis"]["agreement_text"] if t["diagnosis"] else "-"
        params = " ".join(f"{k}={_fmt(v)}" for k, v in t["params"].items())
        print(f"#{t['number']:<4} {t['state']:<9} value={_value_text(t):<18} {fit}")
        print(f"      {params}")
        if t["diagnosis"]:
            print(f"      advice: {t['diagnosis']['advice']}")
        if t["pruned"]:
            print(
                f"      pruned at epoch {t['pruned']['epoch']}/{t['pruned']['epochs_planned']}: "
                f"{t['pruned']['reason']}"
            )
        if t["error"]:
            print(f"      error: {t['error']}")
        elif warning := describe_failures([s["error"] for s in t["seeds"]]):
            print(f"      warning: {warning}")
        seeds = ", ".join(
            f"{s['seed']}:{s['epochs_trained']}ep" + (" error" if s["error"] else "")
            for s in t["seeds"]
        )
        if seeds:
            print(f"      seeds: {seeds}")


def recommended_line(record: StudyRecord) -> str:
    """The ``recommended: trial N (...)`` line of ``show``, with a second line saying why
    when the trial is not Optuna's best (see :func:`study.evidence.recommend`)."""
    recommendation = record.recommendation
    if recommendation.recommended is None:
        return f"recommended: none ({recommendation.reason})"
    chosen = next(t for t in record.trials if t.number == recommendation.recommended)
    described = "" if chosen.evidence is None else f" ({chosen.evidence.describe()})"
    line = f"recommended: trial {recommendation.recommended}{described}"
    if recommendation.differs:
        line += f"\n  why: {recommendation.reason}"
    return line


def _value_text(trial: dict[str, Any]) -> str:
    """The value and, with an interval, its half-width: ``0.1042 ± 0.012``."""
    from study.evidence import value_text  # loads scipy: not for --help

    interval = trial["value_interval"]
    half = math.nan if interval is None else (interval[1] - interval[0]) / 2
    return value_text(trial["value"], half)


def _fmt(value: Any) -> str:
    return f"{value:.3g}" if isinstance(value, float) else str(value)
