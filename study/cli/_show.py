"""``study show NAME``: a study's trials with parameters, state, objective, seeds and diagnosis."""

from __future__ import annotations

import argparse
import json
import math
from typing import Any

import optuna
from optuna.trial import FrozenTrial

from study.cli._common import add_storage_option, load_stored_study
from study.parallel import describe_failures
from study.storage._attrs import retried_numbers, was_interrupted


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``show``."""
    parser = subparsers.add_parser("show", help="show a study's trials")
    parser.add_argument("name", help="the study's name")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    add_storage_option(parser)
    parser.set_defaults(func=_main)


def _main(args: argparse.Namespace) -> int:
    study, shown = load_stored_study(args.name, args.storage)
    frozen = study.get_trials(deepcopy=False)
    retried = retried_numbers(frozen)
    trials = [trial_summary(t, retried) for t in frozen]
    if args.json:
        print(json.dumps({"study": _study_summary(study, shown), "trials": trials}, indent=1))
    else:
        _print_text(study, shown, trials)
    return 0


def trial_summary(trial: FrozenTrial, retried: set[int] | None = None) -> dict[str, Any]:
    """The stable, JSON-able summary of one trial (the ``trials`` entries of ``--json``).

    ``retried`` holds the numbers of trials that another trial re-runs.
    """
    attrs = trial.user_attrs
    diagnosis = attrs.get("diagnosis")
    return {
        "number": trial.number,
        "state": trial.state.name,
        "params": attrs.get("params") or trial.params,
        "value": _finite(trial.value) if trial.values else None,
        "seeds": [
            {"seed": s["seed"], "epochs_trained": s["epochs_trained"], "error": s.get("error"),
             "epochs_planned": s.get("epochs_planned"), "stop": s.get("stop"),
             "final_val_loss": s.get("final_val_loss")}
            for s in attrs.get("seeds", [])
        ],
        "diagnosis": None if not diagnosis else {
            key: diagnosis.get(key)
            for key in ("category", "kind", "confidence", "agreement", "agreement_text",
                        "best_epoch", "advice", "disagreeing")
        },
        "pruned": attrs.get("pruned"),
        "error": attrs.get("error"),
        "interrupted": was_interrupted(trial, retried or set()),
        "retry_of": attrs.get("retry_of"),
        "duration_seconds": trial.duration.total_seconds() if trial.duration else None,
    }


def _study_summary(study: optuna.Study, shown: str) -> dict[str, Any]:
    attrs = study.user_attrs
    return {
        "name": study.study_name, "storage": shown, "direction": study.direction.name.lower(),
        **{k: attrs.get(k) for k in ("family", "task_label", "objective", "seeds", "searched",
                                     "fixed", "baseline_loss")},
    }


def _print_text(study: optuna.Study, shown: str, trials: list[dict[str, Any]]) -> None:
    attrs = study.user_attrs
    print(f"study '{study.study_name}' in {shown}: {attrs.get('family')} on "
          f"{attrs.get('task_label')}, objective {attrs.get('objective')} "
          f"({study.direction.name.lower()}), {attrs.get('seeds')} seeds per trial")
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
