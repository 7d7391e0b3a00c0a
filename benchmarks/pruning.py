"""Benchmark: the same small study with and without the overfit pruner, and Keras EarlyStopping.

Both runs train the same trials (the same configurations, drawn once by a seeded sampler from a
two-moons space with overfit-prone and well-fitting regions, and the same seeds), so each
pruned trial can be compared with its own full-length run:

* epochs trained in total and wall time of each run;
* each pruned trial's prune epoch against its planned epochs, and whether its full curves are
  diagnosed ``overfit`` (the pruner's precision);
* epochs spent on trials whose full curves end ``overfit``, with and without pruning;
* the best objective of each run;
* Keras ``EarlyStopping(monitor="val_loss", patience=P)`` on the same trials: it only reads the
  validation loss after each epoch, so replaying it on the recorded full curves gives exactly
  the epoch at which it would have stopped.

It also runs the reference two-moons overfit (500 units for 4,000 epochs, two seeds, 70
validation samples, validation minimum near epoch 848) and says where it is pruned.

Run: ``.venv/bin/python benchmarks/pruning.py [--trials 16] [--seeds 3] [--jobs 2]``; writes
``benchmarks/results/pruning.json``.
"""

from __future__ import annotations

import argparse
import io
import json
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import optuna
import pandas as pd

from study.atomic import write_text_atomic
from study.pruning import PrunerSettings
from study.runner import RunOptions, run
from study.storage import TrialRecord, open_storage, study_record

SPACE = """
family = "mlp"
task = "moons"
seeds = {seeds}
sampler_seed = 0

[params]
units = {{ low = 8, high = 1000, log = true }}
epochs = {{ low = 1000, high = 4000, step = 250 }}
dropout = {{ low = 0.0, high = 0.3 }}
l2 = {{ low = 1e-7, high = 1e-3, log = true }}
learning_rate = 0.001

[pruner]
enabled = {pruning}
will_not_win = false  # the overfit rule alone: benchmarks/pruner_replay.py measures the other
"""
REFERENCE = """
family = "mlp"
task = "moons"
seeds = 2

[params]
units = 500
epochs = 4000
dropout = 0.0

[pruner]
will_not_win = false
"""
RESULTS = Path(__file__).resolve().parent / "results" / "pruning.json"
EARLY_STOPPING_PATIENCE = (50, 200)
PATIENCE = PrunerSettings().patience


def configurations(trials: int) -> list[dict[str, Any]]:
    """The trials both runs train: drawn once by a seeded random sampler."""
    sampler = optuna.samplers.RandomSampler(seed=0)
    study = optuna.create_study(sampler=sampler)
    dists = {
        "units": optuna.distributions.IntDistribution(8, 1000, log=True),
        "epochs": optuna.distributions.IntDistribution(1000, 4000, step=250),
        "dropout": optuna.distributions.FloatDistribution(0.0, 0.3),
        "l2": optuna.distributions.FloatDistribution(1e-7, 1e-3, log=True),
    }
    return [study.ask(dists).params for _ in range(trials)]


def run_study(
    folder: Path, pruning: bool, configs: list[dict[str, Any]], seeds: int, jobs: int
) -> tuple[list[TrialRecord], float]:
    """Run the study with every configuration enqueued; return its trials and wall time."""
    space = folder / f"space_{pruning}.toml"
    space.write_text(SPACE.format(seeds=seeds, pruning=str(pruning).lower()))
    url = f"sqlite:///{folder}/bench_{pruning}.db"
    # One quick trial creates the study; the benchmark's trials are enqueued after it.
    run(
        RunOptions(
            study="b",
            trials=1,
            space=space,
            storage=url,
            jobs=jobs,
            overrides={"epochs": "20", "units": "4"},
        ),
        out=io.StringIO(),
    )
    study = optuna.load_study(study_name="b", storage=open_storage(url))
    started = time.perf_counter()
    study.set_user_attr("overrides", {})
    for params in configs:
        study.enqueue_trial(params)
    run(RunOptions(study="b", trials=1 + len(configs), storage=url, jobs=jobs), out=io.StringIO())
    seconds = time.perf_counter() - started
    return list(study_record(study, url).trials[1:]), seconds


def early_stop_epoch(val_loss: np.ndarray, patience: int) -> int:
    """The epoch (1-based) at which Keras' EarlyStopping(patience) stops, min_delta 0."""
    best, wait = np.inf, 0
    for epoch, value in enumerate(val_loss, start=1):
        if value < best:
            best, wait = value, 0
        else:
            wait += 1
            if wait >= patience:
                return epoch
    return len(val_loss)


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def compare(full: list[TrialRecord], pruned: list[TrialRecord]) -> pd.DataFrame:
    """One row per trial: its full-run diagnosis and epochs, and what pruning did."""
    rows = []
    for a, b in zip(full, pruned, strict=True):
        row = {
            "trial": a.number,
            "units": a.params["units"],
            "dropout": round(a.params["dropout"], 2),
            "planned": a.params["epochs"],
            "full_fit": a.category,
            "full_kind": a.diagnosis.verdict.kind if a.diagnosis else None,
            "best_epoch": a.diagnosis.verdict.evidence.best_epoch if a.diagnosis else None,
            "rise": _rounded(a.diagnosis.verdict.evidence.val_rise if a.diagnosis else None),
            "full_epochs": a.seed_epochs,
            "pruned_epochs": b.seed_epochs,
            "pruned_at": b.pruned.epoch if b.pruned else None,
            "value_full": a.value,
            "value_pruned": b.value,
            "state": b.state,
        }
        best = a.diagnosis.verdict.evidence.best_epoch if a.diagnosis else None
        ideal = min(a.params["epochs"], (best or a.params["epochs"]) + PATIENCE)
        row["ideal_epochs"] = ideal * len(a.seeds)
        for p in EARLY_STOPPING_PATIENCE:
            row[f"es{p}_epochs"] = sum(early_stop_epoch(s.val_loss, p) for s in a.seeds)
        rows.append(row)
    return pd.DataFrame(rows)


def summary(frame: pd.DataFrame, seconds: tuple[float, float]) -> pd.DataFrame:
    """The headline numbers of the comparison."""
    overfit = frame["full_fit"] == "overfit"
    pruned = frame["state"] == "PRUNED"
    complete = frame["state"] == "COMPLETE"
    lines: dict[str, Any] = {
        "seed-epochs, all trials": (frame["full_epochs"].sum(), frame["pruned_epochs"].sum()),
        "seed-epochs, trials overfit by full curves": (
            frame.loc[overfit, "full_epochs"].sum(),
            frame.loc[overfit, "pruned_epochs"].sum(),
        ),
        "the same, stopped exactly `patience` epochs after each full curve's best epoch": (
            "-",
            int(frame.loc[overfit, "ideal_epochs"].sum()),
        ),
        "wall time (s)": (round(seconds[0], 1), round(seconds[1], 1)),
        "trials pruned": (0, int(pruned.sum())),
        "pruned trials overfit by full curves": (
            "-",
            f"{int((pruned & overfit).sum())} of {int(pruned.sum())}",
        ),
        "best objective (completed trials)": (
            round(float(frame["value_full"].min()), 4),
            round(float(frame.loc[complete, "value_pruned"].min()), 4),
        ),
    }
    for p in EARLY_STOPPING_PATIENCE:
        lines[f"EarlyStopping(patience={p}): seed-epochs, overfit trials"] = (
            "-",
            frame.loc[overfit, f"es{p}_epochs"].sum(),
        )
        stopped = frame[f"es{p}_epochs"] < frame["full_epochs"]
        lines[f"EarlyStopping(patience={p}): stopped trials not overfit"] = (
            "-",
            f"{int((stopped & ~overfit).sum())} of {int(stopped.sum())}",
        )
    return pd.DataFrame(lines, index=["without pruning", "with pruning"]).T


def reference_prune(folder: Path, jobs: int) -> str:
    """Where the reference two-moons overfit is pruned, and as what."""
    space = folder / "reference.toml"
    space.write_text(REFERENCE)
    url = f"sqlite:///{folder}/reference.db"
    run(RunOptions(study="r", trials=1, space=space, storage=url, jobs=jobs), out=io.StringIO())
    study = optuna.load_study(study_name="r", storage=open_storage(url))
    trial = study_record(study, url).trials[0]
    if trial.pruned is None or trial.diagnosis is None:
        return "not pruned"
    kind = trial.diagnosis.verdict.kind or trial.diagnosis.category
    return f"pruned at epoch {trial.pruned.epoch} of 4000 as {kind}"


def _percent_saved(pair: tuple[Any, Any]) -> float:
    return 100 * (1 - float(pair[1]) / float(pair[0]))


def results(lines: pd.DataFrame, reference: str, args: argparse.Namespace) -> dict[str, Any]:
    """The result file the docs render, from :func:`summary`'s table."""
    row = {name: tuple(values) for name, values in lines.iterrows()}
    overfit = row["seed-epochs, trials overfit by full curves"]
    ideal = row["the same, stopped exactly `patience` epochs after each full curve's best epoch"]
    best = row["best objective (completed trials)"]
    same = "the same with and without pruning" if best[0] == best[1] else f"{best[0]} / {best[1]}"
    seconds = row["wall time (s)"]
    measures = {
        "seed-epochs saved on trials that end overfit": f"{_percent_saved(overfit):.0f} % "
        f"(stopping each exactly `patience` epochs after its true minimum would save "
        f"{_percent_saved((overfit[0], ideal[1])):.0f} %)",
        "seed-epochs saved, all trials": f"{_percent_saved(row['seed-epochs, all trials']):.0f} %",
        "pruned trials overfit by full curves": row["pruned trials overfit by full curves"][1],
        "best objective": same,
        "wall time, with pruning against without": f"{seconds[1] / seconds[0]:.2f}×",
    }
    for p in EARLY_STOPPING_PATIENCE:
        cut = row[f"EarlyStopping(patience={p}): stopped trials not overfit"][1]
        measures[f"EarlyStopping(patience={p}) replayed"] = f"stops {cut} trials not overfit"
    measures["reference two-moons overfit (70 validation samples, minimum near epoch 848)"] = (
        reference
    )
    return {
        "title": "Overfit pruning",
        "command": "python benchmarks/pruning.py",
        "measures": f"The same {args.trials} trials ({args.seeds} seeds each) with and without "
        "the overfit pruner, and Keras EarlyStopping replayed on their curves.",
        "how_measured": "Shared 2-core machine without a GPU, one run; the will-not-win rule "
        "is off in both runs (benchmarks/pruner_replay.py measures it).",
        "columns": {"measure": "measure", "value": "result"},
        "rows": [{"measure": k, "value": v} for k, v in measures.items()],
        "notes": [],
    }


def main() -> None:
    """Run both studies and the reference, print the tables and write the result file."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--trials", type=int, default=16)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    configs = configurations(args.trials)
    with tempfile.TemporaryDirectory() as folder:
        full, t_full = run_study(Path(folder), False, configs, args.seeds, args.jobs)
        pruned, t_pruned = run_study(Path(folder), True, configs, args.seeds, args.jobs)
        reference = reference_prune(Path(folder), args.jobs)
    frame = compare(full, pruned)
    pd.set_option("display.width", 200)
    print(frame.to_string(index=False))
    print()
    lines = summary(frame, (t_full, t_pruned))
    print(lines.to_string())
    print(f"reference two-moons overfit: {reference}")
    write_text_atomic(RESULTS, json.dumps(results(lines, reference, args), indent=2) + "\n")


if __name__ == "__main__":
    main()
