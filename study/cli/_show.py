"""``study show NAME``: a study's trials with parameters, state, objective, seeds and diagnosis."""

from __future__ import annotations

import argparse
import json
import math
from typing import TYPE_CHECKING, Any

from study.cli._common import add_storage_option, load_stored_study

if TYPE_CHECKING:
    import optuna

    from study.storage import TrialRecord

SEED_KEYS = ("seed", "epochs_trained", "error", "epochs_planned", "stop", "final_val_loss")
DIAGNOSIS_KEYS = ("category", "kind", "confidence", "agreement", "agreement_text",
                  "best_epoch", "advice", "disagreeing")
STUDY_KEYS = ("family", "task_label", "objective", "seeds", "searched", "fixed",
              "baseline_loss")
"""The study attributes ``--json`` prints (the names of ``study.storage.keys.STUDY_*``)."""


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``show``."""
    parser = subparsers.add_parser("show", help="show a study's trials")
    parser.add_argument("name", help="the study's name")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    add_storage_option(parser)
    parser.set_defaults(func=_main)


def _main(args: argparse.Namespace) -> int:
    from study.storage import study_record
    from study.verdicts import judged_against_study

    study, shown = load_stored_study(args.name, args.storage)
    record = judged_against_study(study_record(study, shown))
    trials = [trial_summary(t) for t in record.trials]
    if args.json:
        print(json.dumps({"study": _study_summary(study, shown), "trials": trials}, indent=1))
    else:
        _print_text(study, shown, trials)
    return 0


def trial_summary(record: TrialRecord) -> dict[str, Any]:
    """The stable, JSON-able summary of one trial (the ``trials`` entries of ``--json``).

    ``record`` is the decoded trial, its verdict judged against the whole study (see
    :func:`study.verdicts.judged_against_study`).
    """
    start, end = record.datetime_start, record.datetime_complete
    diagnosis = None if record.diagnosis is None else record.diagnosis.to_dict()
    return {
        "number": record.number,
        "state": record.state,
        "params": record.params,
        "value": _finite(record.value),
        "seeds": [
            {key: summary[key] for key in SEED_KEYS}
            for summary in (s.summary() for s in record.seeds)
        ],
        "diagnosis": None if diagnosis is None else {k: diagnosis[k] for k in DIAGNOSIS_KEYS},
        "pruned": None if record.pruned is None else record.pruned.to_dict(),
        "error": record.error,
        "interrupted": record.interrupted,
        "retry_of": record.retry_of,
        "duration_seconds": (end - start).total_seconds() if start and end else None,
    }


def _study_summary(study: optuna.Study, shown: str) -> dict[str, Any]:
    from study.storage import read_final_score

    attrs = study.user_attrs
    score = read_final_score(study)
    return {
        "name": study.study_name, "storage": shown, "direction": study.direction.name.lower(),
        **{k: attrs.get(k) for k in STUDY_KEYS},
        "test_score": None if score is None else score.summary(),
    }


def _print_text(study: optuna.Study, shown: str, trials: list[dict[str, Any]]) -> None:
    from study.parallel import describe_failures  # loads joblib: not for --help
    from study.storage import keys, read_final_score

    attrs = study.user_attrs
    print(f"study '{study.study_name}' in {shown}: {attrs.get(keys.STUDY_FAMILY)} on "
          f"{attrs.get(keys.STUDY_TASK_LABEL)}, objective {attrs.get(keys.STUDY_OBJECTIVE)} "
          f"({study.direction.name.lower()}), {attrs.get(keys.STUDY_SEEDS)} seeds per trial")
    if (score := read_final_score(study)) is not None:
        print(f"final score: {score.describe()}")
    for t in trials:
        value = "-" if t["value"] is None else f"{t['value']:.4g}"
        fit = t["diagnosis"]["agreement_text"] if t["diagnosis"] else "-"
        params = " ".join(f"{k}={_fmt(v)}" for k, v in t["params"].items())
        print(f"#{t['number']:<4} {t['state']:<9} value={value:<10} {fit}")
        print(f"      {params}")
        if t["diagnosis"]:
            print(f"      advice: {t['diagnosis']['advice']}")
        if t["pruned"]:
            print(f"      pruned at epoch {t['pruned']['epoch']}/{t['pruned']['epochs_planned']}: "
                  f"{t['pruned']['reason']}")
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


def _fmt(value: Any) -> str:
    return f"{value:.3g}" if isinstance(value, float) else str(value)


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None
