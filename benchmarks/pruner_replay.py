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

import numpy as np
import optuna

from study.atomic import write_text_atomic
from study.curves import SeedCurves
from study.evidence import overlapping, seed_values, trial_evidence
from study.pruning import (
    PrunerSettings,
    WillNotWinSettings,
    WinEvidence,
    forecast_trial,
    judge_will_not_win,
    win_evidence,
)
from study.space import OBJECTIVES, Objective
from study.storage import open_storage, study_record
from tests.corpus.counterfactual import COUNTERFACTUAL_DIR, RECURRENT_DIR, load_counterfactual

RESULTS = Path(__file__).resolve().parent / "results" / "pruner_replay.json"
CORPORA = {"MLP": COUNTERFACTUAL_DIR, "recurrent": RECURRENT_DIR}


@dataclasses.dataclass(frozen=True)
class ReplayTrial:
    """A full-length trial: its name and every seed's full curves."""

    name: str
    curves: tuple[SeedCurves, ...]

    @property
    def seed_epochs(self) -> int:
        """Seed-epochs the full trial trained."""
        return sum(c.epochs_trained for c in self.curves)


StopEpoch = Callable[[ReplayTrial, ReplayTrial], int | None]
"""The epoch at which a policy stops ``trial`` while ``incumbent`` leads, or ``None``."""


@dataclasses.dataclass(frozen=True)
class ReplayResult:
    """One replayed study.

    Attributes:
        order: Trial names in run order.
        stopped: Stopped trials and the epoch each was stopped at.
        winner: The best trial of the full study.
        near: Trials the seeds cannot tell apart from the winner.
        seed_epochs_full: Seed-epochs of the full study.
        seed_epochs_used: Seed-epochs with the pruner.
    """

    order: tuple[str, ...]
    stopped: dict[str, int]
    winner: str
    near: tuple[str, ...]
    seed_epochs_full: int
    seed_epochs_used: int

    @property
    def winner_stopped(self) -> bool:
        """Whether the pruner would have stopped the eventual winner."""
        return self.winner in self.stopped

    @property
    def near_stopped(self) -> int:
        """How many trials within the winner's interval the pruner would have stopped."""
        return sum(name in self.stopped for name in self.near)


def replay(
    trials: Sequence[ReplayTrial], stop_epoch: StopEpoch, objective: Objective
) -> ReplayResult:
    """Replay a policy over full-length trials in the given run order.

    The first trial (no incumbent yet) always runs to its end; a stopped trial used its
    seeds up to the stop epoch and never becomes the incumbent.
    """
    sign = 1.0 if OBJECTIVES[objective] == "minimize" else -1.0
    value = {t.name: sign * _mean(t, objective) for t in trials}
    incumbent: ReplayTrial | None = None
    stopped: dict[str, int] = {}
    used = 0
    for trial in trials:
        epoch = None if incumbent is None else stop_epoch(trial, incumbent)
        if epoch is not None:
            stopped[trial.name] = epoch
            used += sum(min(epoch, c.epochs_trained) for c in trial.curves)
            continue
        used += trial.seed_epochs
        if incumbent is None or value[trial.name] < value[incumbent.name]:
            incumbent = trial
    evidence = [
        trial_evidence(seed_values(objective, t.curves), number=i) for i, t in enumerate(trials)
    ]
    best = min(range(len(trials)), key=lambda i: (value[trials[i].name], i))
    return ReplayResult(
        order=tuple(t.name for t in trials),
        stopped=stopped,
        winner=trials[best].name,
        near=tuple(trials[i].name for i in overlapping(evidence, best)),
        seed_epochs_full=sum(t.seed_epochs for t in trials),
        seed_epochs_used=used,
    )


def _mean(trial: ReplayTrial, objective: Objective) -> float:
    values = np.asarray(seed_values(objective, trial.curves))
    finite = values[np.isfinite(values)]
    worst = np.inf if OBJECTIVES[objective] == "minimize" else -np.inf
    return float(finite.mean()) if len(finite) else worst


class EvidenceTable:
    """Every trial's :class:`WinEvidence` at every check against every possible incumbent.

    The forecasts (the costly part) depend on the trial alone, so each trial is forecast
    once per check and compared with each incumbent; any settings then read the table.
    """

    def __init__(
        self, trials: Sequence[ReplayTrial], objective: Objective, checks: PrunerSettings
    ):
        self._objective = objective
        self._table: dict[tuple[str, str], list[WinEvidence]] = {}
        for trial in trials:
            step = checks.check_interval(_planned(trial))
            checks_at = range(step, _planned(trial), step)
            forecasts = [
                forecast_trial([c.truncated(e) for c in trial.curves], objective)
                for e in checks_at
            ]
            for other in trials:
                if other.name != trial.name:
                    self._table[trial.name, other.name] = [
                        win_evidence(f, other.curves, objective) for f in forecasts if f
                    ]

    def stop_epoch(self, settings: WillNotWinSettings) -> StopEpoch:
        """The replay's policy: the first check at which ``settings`` stop the trial."""

        def stop(trial: ReplayTrial, incumbent: ReplayTrial) -> int | None:
            for evidence in self._table[trial.name, incumbent.name]:
                if judge_will_not_win(evidence, settings) is not None:
                    return evidence.epoch
            return None

        return stop


def _planned(trial: ReplayTrial) -> int:
    return max(c.epochs_planned or c.epochs_trained for c in trial.curves)


def corpus_studies(corpus: str) -> tuple[dict[str, list[ReplayTrial]], frozenset[str]]:
    """A counterfactual corpus's configurations grouped by dataset, and its held-out datasets."""
    studies: dict[str, list[ReplayTrial]] = {}
    held: set[str] = set()
    for trial in load_counterfactual(CORPORA[corpus], trimmed=False):
        studies.setdefault(trial.dataset, []).append(ReplayTrial(trial.name, trial.curves))
        if trial.held_out:
            held.add(trial.dataset)
    return studies, frozenset(held)


def oracle(
    trials: Sequence[ReplayTrial], settings: WillNotWinSettings, objective: Objective
) -> StopEpoch:
    """Stop, at the warm-up, every trial whose final value is worse than the incumbent's."""
    sign = 1.0 if OBJECTIVES[objective] == "minimize" else -1.0
    value = {t.name: sign * _mean(t, objective) for t in trials}

    def stop(trial: ReplayTrial, incumbent: ReplayTrial) -> int | None:
        if value[trial.name] <= value[incumbent.name]:
            return None
        planned = _planned(trial)
        return next((e for e in range(1, planned + 1) if settings.past_warmup(e, planned)), None)

    return stop


def stored_study(url: str, name: str) -> tuple[list[ReplayTrial], str]:
    """The complete trials of a stored study, in run order, and its stored objective."""
    study = optuna.load_study(study_name=name, storage=open_storage(url, must_exist=True))
    record = study_record(study, url)
    trials = [
        ReplayTrial(f"trial {t.number}", t.seeds)
        for t in record.trials
        if t.state == "COMPLETE" and t.seeds
    ]
    return trials, record.objective


def orders(trials: Sequence[ReplayTrial], count: int, seed: int) -> list[list[ReplayTrial]]:
    """``count`` seeded random run orders of ``trials``."""
    rng = np.random.default_rng(seed)
    return [[trials[i] for i in rng.permutation(len(trials))] for _ in range(count)]


def summary(results: Sequence[ReplayResult]) -> dict[str, float]:
    """Rates over replayed studies, in percent."""
    near = sum(len(r.near) for r in results)
    full = sum(r.seed_epochs_full for r in results)
    return {
        "studies": len(results),
        "winner_stopped": 100 * float(np.mean([r.winner_stopped for r in results])),
        "near_stopped": 100 * sum(r.near_stopped for r in results) / max(near, 1),
        "trials_stopped": 100
        * sum(len(r.stopped) for r in results)
        / sum(len(r.order) for r in results),
        "saved": 100 * (1 - sum(r.seed_epochs_used for r in results) / full),
    }


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
    results = []
    for i, (trials, table) in enumerate(tables.values()):
        stop = policy(trials, table)
        results.extend(
            replay(order, stop, objective) for order in orders(trials, n_orders, seed=i)
        )
    return results


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
        "": lambda _, table: table.stop_epoch(settings),
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
            numbers = summary(
                _results(tuning, lambda _, t, s=tried: t.stop_epoch(s), objective, args.orders)
            )
            print(_row(f"  {threshold:g}, {warmup:g}", numbers))
    return rows


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
