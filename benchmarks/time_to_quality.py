"""Benchmark: time to quality of ``study run`` beside four other ways to search, in one run.

On three real tasks (the sunspots series with an LSTM, scikit-learn's digits read row by row
by a GRU, scikit-learn's breast-cancer table with an MLP), each arm searches the same space
with the same seeds for the same wall-clock budget; arms run one after another, their order
rotated every repeat:

* ``study``: ``study.run`` (TPE, the seed-batched engine, overfit and will-not-win pruning);
* ``optuna``: Optuna TPE + ``MedianPruner`` + ``optuna_integration.KerasPruningCallback``,
  ``model.fit`` per seed, seeds averaged;
* ``hyperband``: KerasTuner ``Hyperband``, ``executions_per_trial`` = seeds;
* ``floor``: every configuration one epoch, the best three trained fully;
* ``random``: Optuna ``RandomSampler``, no pruning, ``model.fit``.

Per arm: best-so-far validation loss against wall time; the test loss of the configuration it
hands back (retrained once per seed on the training split, scored on a test split no arm
saw, mean over seeds); and the time it first reached the target, the best final validation
loss among the other tools' arms (``optuna``, ``hyperband``, ``floor``, ``random``).

Run from the repository root: ``python -m benchmarks.time_to_quality [--budget 120]
[--repeats 1] [--tasks sunspots digits breast_cancer] [--seeds 3] [--more]`` (``hyperband``
and ``optuna`` need ``pip install study[bench]``; ``--more`` adds rounds to those of the result
file when it was written with the same options). Writes
``benchmarks/results/time_to_quality.json`` and ``docs/images/time_to_quality.png``.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from benchmarks.ttq_arms import run_arm
from benchmarks.ttq_common import ANCHORS, ARMS, Problem, test_losses
from benchmarks.ttq_goal import goal_rounds, goal_rows
from benchmarks.ttq_summary import plot, summary_rows
from benchmarks.ttq_tasks import make_problem
from study.atomic import write_atomic, write_text_atomic

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "time_to_quality.json"
FIGURE = ROOT / "docs" / "images" / "time_to_quality.png"
TASKS = ("sunspots", "digits", "breast_cancer")


def arm_order(arms: Sequence[str], repeat: int) -> list[str]:
    """The arms' order in repeat ``repeat``: rotated by one each repeat."""
    shift = repeat % len(arms)
    return [*arms[shift:], *arms[:shift]]


def time_to_reach(curve: Sequence[Sequence[float]], target: float) -> float | None:
    """The first time a best-so-far curve is at or below ``target``, or ``None``."""
    return next((float(t) for t, value in curve if value <= target), None)


def run_task(
    problem: Problem, arms: Sequence[str], budget: float, repeats: range
) -> list[dict[str, Any]]:
    """Run every arm once per repeat in ``repeats`` on one task; one record per arm and repeat.

    The repeat number seeds the arms' samplers and rotates their order, so rounds added to an
    earlier run (``--more``) continue its numbering rather than repeat its first round.
    """
    records = []
    for repeat in repeats:
        for arm in arm_order(arms, repeat):
            recorder = run_arm(arm, problem, budget, repeat)
            best = recorder.best
            losses = None if best is None else test_losses(problem, best)
            records.append(
                {
                    "task": problem.name,
                    "arm": arm,
                    "repeat": repeat,
                    "seconds": round(recorder.elapsed, 1),
                    "trials": recorder.trials,
                    "curve": recorder.curve,
                    "best_val_loss": recorder.curve[-1][1] if recorder.curve else None,
                    "config": best,
                    "test_loss": None if losses is None else float(losses.mean()),
                    "test_losses": None if losses is None else _rounded(losses),
                }
            )
    _add_time_to_target(records)
    return records


def _rounded(values: Any) -> list[float]:
    """Per-sample losses as the result file keeps them (6 significant digits)."""
    return [float(f"{v:.6g}") for v in values]


def rescore(
    records: list[dict[str, Any]], folder: Path, seeds: int, max_epochs: int | None
) -> float:
    """Score every record's pick again, sample by sample (no search); return the largest
    relative change of a test loss, which retraining with the same seeds should keep at 0."""
    problems: dict[str, Problem] = {}
    done: dict[tuple[str, str], list[float]] = {}
    worst = 0.0
    for record in records:
        if record["config"] is None:
            continue
        task = record["task"]
        if task not in problems:
            problems[task] = make_problem(task, folder / task, seeds, max_epochs)
        key = (task, json.dumps(record["config"], sort_keys=True))
        if key not in done:
            done[key] = _rounded(test_losses(problems[task], record["config"]))
        record["test_losses"] = done[key]
        mean = float(np.mean(done[key]))
        worst = max(worst, abs(mean / record["test_loss"] - 1))
        record["test_loss"] = mean
    return worst


def _add_time_to_target(records: list[dict[str, Any]]) -> None:
    """Set each record's target (best anchor's final val loss) and time to reach it."""
    for repeat in {r["repeat"] for r in records}:
        same = [r for r in records if r["repeat"] == repeat]
        anchors = [r["best_val_loss"] for r in same if r["arm"] in ANCHORS]
        finals = [v for v in anchors if v is not None]
        target = min(finals) if finals else None
        for record in same:
            record["target"] = target
            reach = None if target is None else time_to_reach(record["curve"], target)
            record["time_to_target_s"] = reach


def run_benchmark(
    tasks: Sequence[str],
    arms: Sequence[str],
    *,
    budget: float,
    repeats: range,
    seeds: int,
    folder: Path,
    max_epochs: int | None = None,
) -> list[dict[str, Any]]:
    """Run every arm on every task; one record per task, arm and repeat.

    Args:
        tasks: Among :data:`TASKS`.
        arms: Among :data:`ARMS`.
        budget: Seconds per arm, task and repeat after which an arm starts nothing new.
        repeats: The rounds' numbers; the arms' order rotates every round.
        seeds: Seeds per configuration, for every arm.
        folder: Scratch folder for the data files and the arms' storages.
        max_epochs: Caps the spaces' ``epochs`` (a quick run); ``None`` for the spaces' own.
    """
    records = []
    for task in tasks:
        problem = make_problem(task, folder / task, seeds, max_epochs)
        records += run_task(problem, arms, budget, repeats)
    return records


def results(records: Sequence[Mapping[str, Any]], args: argparse.Namespace) -> dict[str, Any]:
    """The result file: the table the docs render, the options and every curve."""
    capped = f", epochs capped at {args.max_epochs}" if args.max_epochs else ""
    return {
        "title": "Time to quality",
        "command": "python -m benchmarks.time_to_quality",
        "options": _options(args),
        "measures": "Each search tool on the same space, seeds and wall-clock budget per task: "
        "its best validation loss, the test loss of the configuration it hands back, and "
        "when it first reached the best final validation loss of the other tools' arms.",
        "how_measured": f"Shared 2-core machine without a GPU; {args.budget:g} s per arm and "
        f"task, {args.repeats} repeat(s), arms interleaved (order rotated per repeat), "
        f"medians over repeats{capped}.",
        "budget_s": args.budget,
        "columns": {
            "task": "task",
            "arm": "arm",
            "trials": "configurations finished",
            "best_val_loss": "best validation loss",
            "test_loss": "test loss of its pick",
            "time_to_target": "time to the best other arm's validation loss",
        },
        "rows": summary_rows(records),
        "more_tables": [
            {
                "title": "The goal, round by round: study beside each round's best anchor",
                "columns": {
                    "task": "task",
                    "rounds": "rounds",
                    "median_ratio": "study's time to the target / the anchor's (median)",
                    "rounds_within_goal": "rounds at or below 0.5",
                    "test_vs_best_anchor": "study's test loss minus the best anchor's, per "
                    "round (95 % interval)",
                },
                "rows": goal_rows(records),
            }
        ],
        "goal_rounds": goal_rounds(records),
        "notes": [
            "Arms: study = study.run (TPE, seed-batched engine, overfit and will-not-win "
            "pruning); optuna = TPE + MedianPruner + KerasPruningCallback with model.fit; "
            "hyperband = KerasTuner Hyperband, executions_per_trial = seeds; floor = every "
            "configuration one epoch for half the budget, then the best three fully; "
            "random = RandomSampler, no pruning. The floor's count leaves out its one-epoch "
            "screens.",
            "Losses include the L2 penalty, as the models train on them. An arm finishes the "
            "configuration it is training when the budget ends, so its time may exceed it.",
            "Test loss: the configuration retrained once per seed on the training split and "
            "scored on a test split no arm saw (sunspots: the last 15 % of the years; "
            "digits and breast cancer: a stratified 20 % cut before anything else).",
            "Time to target: the median over rounds, a round that did not reach the target "
            "counting as infinitely long. Goal rows (benchmarks/ttq_goal.py): per round, study's "
            "time to the target over the time the anchor that set it took to reach it, and "
            "study's test loss minus the best anchor's, per test sample, with its 95 % "
            "bootstrap interval.",
        ],
        "records": list(records),
    }


def _options(args: argparse.Namespace) -> str:
    """The options a result file records, rounds left out."""
    arms = "" if list(args.arms) == list(ARMS) else f" --arms {' '.join(args.arms)}"
    capped = f" --max-epochs {args.max_epochs}" if args.max_epochs else ""
    return (
        f"--budget {args.budget:g} --repeats {args.repeats} --seeds {args.seeds} "
        f"--tasks {' '.join(args.tasks)}{arms}{capped}"
    )


def earlier_records(args: argparse.Namespace) -> list[dict[str, Any]]:
    """The result file's records when it was written with ``args``' options, else none."""
    if not RESULTS.exists():
        return []
    earlier = json.loads(RESULTS.read_text())
    rounds = len({r["repeat"] for r in earlier["records"]})
    same = _options(argparse.Namespace(**{**vars(args), "repeats": rounds}))
    return list(earlier["records"]) if earlier["options"] == same else []


def main(argv: Sequence[str] | None = None) -> None:
    """Run the benchmark and write its result file and figure."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=120.0, help="seconds per arm and task")
    parser.add_argument("--repeats", type=int, default=1, help="rounds of all arms")
    parser.add_argument("--tasks", nargs="+", choices=TASKS, default=list(TASKS))
    parser.add_argument("--arms", nargs="+", choices=ARMS, default=list(ARMS))
    parser.add_argument("--seeds", type=int, default=3, help="seeds per configuration")
    parser.add_argument("--max-epochs", type=int, default=None, help="cap the spaces' epochs")
    parser.add_argument(
        "--more", action="store_true", help="add --repeats rounds to the result file's own"
    )
    parser.add_argument(
        "--rescore", action="store_true", help="score the result file's picks again, no search"
    )
    args = parser.parse_args(argv)
    if args.budget <= 0 or args.repeats < 1 or args.seeds < 1:
        parser.error("--budget, --repeats and --seeds must be positive.")
    earlier = earlier_records(args) if args.more or args.rescore else []
    if (args.more or args.rescore) and not earlier:
        parser.error(f"--more and --rescore need {RESULTS} written with the same options.")
    first = 1 + max((r["repeat"] for r in earlier), default=-1)
    with tempfile.TemporaryDirectory() as folder:
        if args.rescore:
            records = earlier
            change = rescore(records, Path(folder), args.seeds, args.max_epochs)
            print(f"largest change of a test loss scored again: {change:.2%}")
        else:
            records = earlier + run_benchmark(
                args.tasks,
                args.arms,
                budget=args.budget,
                repeats=range(first, first + args.repeats),
                seeds=args.seeds,
                folder=Path(folder),
                max_epochs=args.max_epochs,
            )
    args.repeats = len({r["repeat"] for r in records})
    figure = plot(records, args.budget)
    write_atomic(FIGURE, lambda path: figure.savefig(path, dpi=110, format="png"))
    text = json.dumps(results(records, args), indent=2) + "\n"
    write_text_atomic(RESULTS, text)
    print(pd.DataFrame(summary_rows(records)).to_string(index=False))
    print(pd.DataFrame(goal_rows(records)).to_string(index=False))


if __name__ == "__main__":
    main()
