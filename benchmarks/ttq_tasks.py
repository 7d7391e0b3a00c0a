"""The time-to-quality benchmark's tasks: each one's search space and data, as every arm
sees them.

``sunspots`` reads ``search_spaces/lstm_sunspots.toml`` on the bundled series;
``breast_cancer`` ``search_spaces/mlp_breast_cancer.toml`` on scikit-learn's table;
``digits`` a GRU (:mod:`benchmarks.digits_gru`) reading scikit-learn's digits row by row.
The two tables keep a stratified test split that no arm sees.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import tomlkit
from sklearn.datasets import load_breast_cancer, load_digits

from benchmarks.ttq_common import Problem
from study.space import parse_space
from study.tasks import load_source

ROOT = Path(__file__).resolve().parents[1]
TEST_FRACTION = 0.2
DIGITS_PARAMS = {
    "units": {"low": 4, "high": 64, "log": True},
    "dropout": {"low": 0.0, "high": 0.4},
    "learning_rate": {"low": 0.001, "high": 0.02, "log": True},
    "epochs": {"low": 10, "high": 100, "step": 10},
    "batch_size": {"choices": [32, 64]},
}


def _table_csv(folder: Path, name: str, loader: Any) -> dict[str, Any]:
    """Write a scikit-learn dataset as a CSV; return the task table that reads it."""
    bunch = loader(as_frame=True)
    path = folder / f"{name}.csv"
    bunch.frame.to_csv(path, index=False)
    return {
        "csv": str(path),
        "target": "target",
        "kind": "classification",
        "validation": 0.25,
        "test": TEST_FRACTION,
    }


def space_doc(task: str, folder: Path) -> dict[str, Any]:
    """The search space of ``task``, as a dict of TOML tables with absolute paths."""
    if task == "sunspots":
        doc = tomllib.loads((ROOT / "search_spaces" / "lstm_sunspots.toml").read_text())
        doc["task"]["csv"] = str(ROOT / "examples" / "sunspots.csv")
        return doc
    if task == "breast_cancer":
        doc = tomllib.loads((ROOT / "search_spaces" / "mlp_breast_cancer.toml").read_text())
        doc["task"] = _table_csv(folder, task, load_breast_cancer)
        return doc
    return {
        "description": "GRU reading scikit-learn's digits row by row",
        "model": "benchmarks.digits_gru:build",
        "seeds": 3,
        "objective": "final_val_loss",
        "task": _table_csv(folder, task, load_digits),
        "params": DIGITS_PARAMS,
    }


def _capped(params: dict[str, Any], max_epochs: int) -> dict[str, Any]:
    """The ``[params]`` table with ``epochs`` at most ``max_epochs``."""
    epochs = params.get("epochs")
    if isinstance(epochs, dict) and "high" in epochs:
        low = min(int(epochs["low"]), max_epochs)
        step = int(epochs.get("step", 1))
        high = low + (max(int(min(epochs["high"], max_epochs)) - low, 0) // step) * step
        return {**params, "epochs": {**epochs, "low": low, "high": high}}
    if isinstance(epochs, int):
        return {**params, "epochs": min(epochs, max_epochs)}
    return params


def make_problem(task: str, folder: Path, seeds: int, max_epochs: int | None) -> Problem:
    """Prepare ``task`` for every arm: its space, its data and a scratch folder."""
    folder.mkdir(parents=True, exist_ok=True)
    doc = space_doc(task, folder)
    doc["seeds"] = seeds
    if max_epochs is not None:
        doc["params"] = _capped(dict(doc["params"]), max_epochs)
    space = parse_space(tomlkit.dumps(doc), folder / f"{task}.toml")
    return Problem(task, doc, space, load_source(space.task), folder)
