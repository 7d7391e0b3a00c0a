"""``study list``: the studies in a storage, with trial counts by state."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from study.cli._common import add_storage_option

if TYPE_CHECKING:
    import optuna

STATES = ("COMPLETE", "PRUNED", "FAIL", "RUNNING", "WAITING")


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``list``."""
    parser = subparsers.add_parser("list", help="list the studies in the storage")
    add_storage_option(parser)
    parser.set_defaults(func=_main)


def _main(args: argparse.Namespace) -> int:
    import optuna

    from study.storage import mask_url, open_storage, resolve_url

    url = resolve_url(args.storage)
    storage = open_storage(url, must_exist=True)
    summaries = optuna.get_all_study_summaries(storage, include_best_trial=False)
    print(f"studies in {mask_url(url)}:")
    if not summaries:
        print("  (none yet: run `python -m study run`)")
        return 0
    header = f"  {'name':<24} {'family':<6} {'task':<16} " + " ".join(
        f"{s.lower():>8}" for s in STATES
    )
    print(header)
    for summary in sorted(summaries, key=lambda s: s.study_name):
        print(_row(storage, summary))
    return 0


def _row(storage: optuna.storages.BaseStorage, summary: optuna.study.StudySummary) -> str:
    import optuna

    from study.storage import keys
    from study.storage.runs import state_counts

    study = optuna.load_study(study_name=summary.study_name, storage=storage)
    counts = {state: 0 for state in STATES} | state_counts(study)
    family = summary.user_attrs.get(keys.STUDY_FAMILY, "?")
    task = summary.user_attrs.get(keys.STUDY_TASK_LABEL, "?")
    return f"  {summary.study_name:<24} {family:<6} {task:<16} " + " ".join(
        f"{counts[s]:>8}" for s in STATES
    )
