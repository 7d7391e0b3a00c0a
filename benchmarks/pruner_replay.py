"""Benchmark: replay the "will not win" pruner on full-length studies.

Every trial of a replayed study was run to its end, so what the pruner would have stopped,
and what that would have cost, is known exactly:

* **studies**: each dataset of the two counterfactual corpora (the scikit-learn MLPs of
  ``tests/corpus/counterfactual`` and the Keras LSTMs and GRUs of ``tests/corpus/recurrent``)
  with its configurations as trials, in several seeded random orders; or the complete trials
  of a stored ``study`` (``--storage URL --study NAME``), in their run order;
* **replay**: trials run one after another; while one trains, the incumbent is the best
  complete trial so far by the objective (the mean over seeds); the pruner is consulted at
  the runner's checks (every ``check_every`` epochs, more often for a trial too short for
  ``min_checks`` of them, :meth:`study.pruning.PrunerSettings.check_interval`); a stopped
  trial never becomes the incumbent;
* **measures**: how often the eventual winner (the best trial of the full study) would have
  been stopped, how often a configuration the seeds cannot tell apart from it (its t interval
  overlaps the winner's, :func:`study.evidence.overlapping`) would have been (Ax's "best trial
  vulnerability"), the share of trials stopped and the share of seed-epochs saved.

Each corpus holds some datasets out (the MLP corpus ``wine``, ``iris`` and ``co2``; the
recurrent corpus those its ``labels.json`` marks): the defaults of
:class:`study.pruning.WillNotWinSettings` were chosen on the other datasets (``--tune``
prints the grid they were chosen from), and the held-out figures are printed first.
An *oracle* row stops, at the warm-up, every trial whose final value is worse than the
incumbent's: what a pruner that knew the future would save with the same warm-up.

Run: ``.venv/bin/python benchmarks/pruner_replay.py [--orders 20] [--check-every 50 5]
[--min-checks 10] [--tune] [--storage URL --study NAME [--objective NAME]]``. Replaying the
corpora writes ``benchmarks/results/pruner_replay.json``.
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import cast

from benchmarks.replay import (
    EvidenceTable,
    ReplayResult,
    ReplayTrial,
    StopEpoch,
    oracle,
    orders,
    replay,
    stored_study,
    summary,
)
from study.atomic import write_text_atomic
from study.pruning import PrunerSettings, WillNotWinSettings
from study.space import OBJECTIVES, Objective
from tests.corpus.counterfactual import COUNTERFACTUAL_DIR, RECURRENT_DIR, load_counterfactual

RESULTS = Path(__file__).resolve().parent / "results" / "pruner_replay.json"
CORPORA = {"MLP": COUNTERFACTUAL_DIR, "recurrent": RECURRENT_DIR}


def corpus_studies(corpus: str) -> tuple[dict[str, list[ReplayTrial]], frozenset[str]]:
    """A counterfactual corpus's configurations grouped by dataset, and its held-out datasets."""
    studies: dict[str, list[ReplayTrial]] = {}
    held: set[str] = set()
    for trial in load_counterfactual(CORPORA[corpus], trimmed=False):
        studies.setdefault(trial.dataset, []).append(ReplayTrial(trial.name, trial.curves))
        if trial.held_out:
            held.add(trial.dataset)
    return studies, frozenset(held)


TUNE_THRESHOLDS = (0.02, 0.05, 0.1, 0.15, 0.2, 0.3)
TUNE_WARMUPS = (0.1, 0.2, 0.3)


Tables = dict[str, tuple[list[ReplayTrial], EvidenceTable]]
"""Each dataset's trials and their evidence table."""


def _results(
    tables: Tables,
    policy: Callable[[list[ReplayTrial], EvidenceTable], StopEpoch],
    objective: Objective,
    n_orders: int,
) -> list[ReplayResult]:
    replayed: list[ReplayResult] = []
    for i, (trials, table) in enumerate(tables.values()):
        stop = policy(trials, table)
        replayed.extend(
            replay(order, stop, objective) for order in orders(trials, n_orders, seed=i)
        )
    return replayed


def _row(label: str, numbers: dict[str, float]) -> str:
    return (
        f"{label:<34} {numbers['studies']:>7.0f} {numbers['winner_stopped']:>14.1f} "
        f"{numbers['near_stopped']:>12.1f} {numbers['trials_stopped']:>14.1f} "
        f"{numbers['saved']:>8.1f}"
    )


HEADER = (
    f"{'':<34} {'studies':>7} {'winner stop %':>14} {'near stop %':>12} "
    f"{'trials stop %':>14} {'saved %':>8}"
)


def _corpus(args: argparse.Namespace, settings: WillNotWinSettings) -> list[dict[str, str]]:
    rows = []
    for every in args.check_every:
        checks = PrunerSettings(check_every=every, min_checks=args.min_checks)
        for corpus in CORPORA:
            studies, held_out = corpus_studies(corpus)
            for objective in ("final_val_loss", "best_val_loss"):
                tables = {
                    name: (trials, EvidenceTable(trials, objective, checks))
                    for name, trials in studies.items()
                }
                print(
                    f"\n{corpus}: {', '.join(sorted(studies))} "
                    f"(held out: {', '.join(sorted(held_out))})\nobjective {objective}, "
                    f"{args.orders} orders per dataset, check every {every} epochs "
                    f"(at least {args.min_checks} checks per trial)"
                )
                found = _corpus_objective(args, settings, tables, held_out, objective)
                base = {"corpus": corpus, "objective": objective, "check_every": str(every)}
                rows += [{**base, **row} for row in found]
    return rows


def _corpus_objective(
    args: argparse.Namespace,
    settings: WillNotWinSettings,
    tables: Tables,
    held_out: frozenset[str],
    objective: Objective,
) -> list[dict[str, str]]:
    """Print the held-out and tuning rows (and the grid with ``--tune``); return the rows."""
    policies: dict[str, Callable[[list[ReplayTrial], EvidenceTable], StopEpoch]] = {
        "": _policy(settings),
        "  oracle, ": lambda trials, _: oracle(trials, settings, objective),
    }
    print(HEADER)
    rows = []
    for label, split in (("held out", "held-out"), ("tuning", "tuning")):
        group = {k: v for k, v in tables.items() if (k in held_out) == (split == "held-out")}
        found = {
            prefix: summary(_results(group, policy, objective, args.orders))
            for prefix, policy in policies.items()
        }
        for prefix, numbers in found.items():
            print(_row(f"{prefix}{label}", numbers))
        rows.append(_result_row(split, found[""], found["  oracle, "]))
    if args.tune:
        tuning = {k: v for k, v in tables.items() if k not in held_out}
        print("tuning grid (tuning datasets only): threshold, warmup_fraction")
        for threshold, warmup in itertools.product(TUNE_THRESHOLDS, TUNE_WARMUPS):
            tried = dataclasses.replace(settings, threshold=threshold, warmup_fraction=warmup)
            numbers = summary(_results(tuning, _policy(tried), objective, args.orders))
            print(_row(f"  {threshold:g}, {warmup:g}", numbers))
    return rows


def _policy(
    settings: WillNotWinSettings,
) -> Callable[[list[ReplayTrial], EvidenceTable], StopEpoch]:
    """The replay's will-not-win policy with ``settings``."""
    return lambda _, table: table.stop_epoch(settings)


def _result_row(split: str, numbers: dict[str, float], best: dict[str, float]) -> dict[str, str]:
    return {
        "split": split,
        "studies": f"{numbers['studies']:.0f}",
        "winner": f"{numbers['winner_stopped']:.1f} %",
        "near": f"{numbers['near_stopped']:.1f} %",
        "trials": f"{numbers['trials_stopped']:.1f} %",
        "saved": f"{numbers['saved']:.1f} %",
        "oracle": f"{best['saved']:.1f} %",
    }


def results(args: argparse.Namespace, rows: list[dict[str, str]]) -> dict[str, object]:
    """The result file the docs render: the replay's rows and how they were measured."""
    every = " ".join(str(e) for e in args.check_every)
    return {
        "title": "Will-not-win pruning, replayed",
        "command": "python benchmarks/pruner_replay.py",
        "options": f"--orders {args.orders} --check-every {every} --min-checks {args.min_checks}",
        "measures": "Every dataset of the two counterfactual corpora (scikit-learn MLPs: 8 "
        "datasets, 64 configurations; Keras LSTMs/GRUs: 12 datasets, 144 configurations) "
        f"replayed as a study in {args.orders} random run orders, every trial run to its "
        "end, with the default will-not-win settings: how often the eventual winner, and how "
        "often a configuration within the winner's interval, would have been stopped, the "
        "share of trials stopped, the seed-epochs saved, and what an oracle that stops every "
        "eventual loser at the same warm-up would save.",
        "how_measured": "Offline replay of stored curves (deterministic); checks as the runner "
        f"makes them (every check_every epochs, at least {args.min_checks} per trial); the "
        "defaults were chosen on the tuning datasets (`--tune`), the held-out datasets are "
        "printed first.",
        "columns": {
            "corpus": "corpus",
            "split": "datasets",
            "objective": "objective",
            "check_every": "check_every",
            "studies": "studies",
            "winner": "winner stopped",
            "near": "within winner's interval stopped",
            "trials": "trials stopped",
            "saved": "seed-epochs saved",
            "oracle": "oracle saves",
        },
        "rows": rows,
    }


def _stored(args: argparse.Namespace, settings: WillNotWinSettings) -> int:
    trials, stored = stored_study(args.storage, args.study)
    name = args.objective or stored
    if name not in OBJECTIVES:
        known = ", ".join(OBJECTIVES)
        print(
            f"study {args.study!r} stores objective {stored!r}; pass --objective ({known}).",
            file=sys.stderr,
        )
        return 2
    if len(trials) < 2:
        print(
            f"study {args.study!r} has fewer than 2 complete trials with curves.", file=sys.stderr
        )
        return 2
    objective = cast(Objective, name)
    checks = PrunerSettings(check_every=args.check_every[0], min_checks=args.min_checks)
    table = EvidenceTable(trials, objective, checks)
    result = replay(trials, table.stop_epoch(settings), objective)
    print(f"study {args.study}, objective {objective}, run order")
    print(HEADER)
    print(_row("stored study", summary([result])))
    print(f"winner {result.winner}; stopped: {result.stopped or 'none'}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Print the replay table (held-out datasets first)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=20)
    defaults = PrunerSettings()
    parser.add_argument("--check-every", type=int, nargs="+", default=[defaults.check_every])
    parser.add_argument("--min-checks", type=int, default=defaults.min_checks)
    parser.add_argument("--tune", action="store_true")
    parser.add_argument("--storage")
    parser.add_argument("--study")
    parser.add_argument("--objective", choices=tuple(OBJECTIVES))
    args = parser.parse_args(argv)
    settings = WillNotWinSettings()
    print(f"settings: {settings.get_config()}")
    if args.storage:
        return _stored(args, settings)
    rows = _corpus(args, settings)
    if not args.tune:
        write_text_atomic(RESULTS, json.dumps(results(args, rows), indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
