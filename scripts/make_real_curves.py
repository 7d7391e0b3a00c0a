"""Train real Keras models on the project's tasks and save their curves as a labelled corpus.

Each configuration below was chosen to produce one fit shape, and each label was confirmed by
looking at the curves (``--plot`` draws them all on one sheet). The curves are written to
``tests/corpus/real/`` as CSV files (``epoch, train_loss, val_loss, fit_loss, train_metric,
val_metric``) with ``labels.json`` mapping each file to its category, kind and configuration.

Run: ``.venv/bin/python scripts/make_real_curves.py [--plot sheet.png]``.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from study.curves import SeedCurves
from study.params import Family, TrialParams
from study.tasks import load_task

OUT = Path(__file__).resolve().parents[1] / "tests" / "corpus" / "real"
SEEDS = (0, 1, 2)


@dataclasses.dataclass(frozen=True)
class Case:
    """One configuration and the fit shape it produces."""

    name: str
    family: Family
    task: dict[str, Any]
    params: dict[str, Any]
    category: str
    kind: str | None


CASES = (
    Case(
        "seq_lstm10_e100",
        "lstm",
        {"name": "sequence"},
        {"units": 10, "epochs": 100, "batch_size": 5},
        "underfit",
        "still_improving",
    ),
    Case(
        "seq_lstm1_mae_sgd",
        "lstm",
        {"name": "sequence", "loss": "mae"},
        {"units": 1, "epochs": 300, "optimizer": "sgd", "learning_rate": 0.01, "batch_size": 5},
        "underfit",
        "capacity",
    ),
    Case(
        "seq_lstm10_e3000_lr01",
        "lstm",
        {"name": "sequence"},
        {"units": 10, "epochs": 3000, "learning_rate": 0.01, "batch_size": 5},
        "overfit",
        "turning_point",
    ),
    Case(
        "moons_500_e4000",
        "mlp",
        {"name": "moons"},
        {"units": 500, "epochs": 4000},
        "overfit",
        "turning_point",
    ),
    Case(
        "moons_500_dropout_l2",
        "mlp",
        {"name": "moons"},
        {"units": 500, "epochs": 1500, "dropout": 0.5, "l2": 0.003},
        "underfit",
        "still_improving",
    ),
    Case(
        "cancer_16_e60",
        "mlp",
        {"name": "breast_cancer"},
        {"units": 16, "epochs": 60, "dropout": 0.2},
        "good_fit",
        None,
    ),
    Case(
        "moons_lr_tiny",
        "mlp",
        {"name": "moons"},
        {"units": 16, "epochs": 300, "learning_rate": 1e-7},
        "not_learning",
        None,
    ),
    Case(
        "moons_sgd_huge_lr",
        "mlp",
        {"name": "moons"},
        {"units": 64, "layers": 3, "epochs": 300, "optimizer": "sgd", "learning_rate": 5.0},
        "unstable",
        "diverged",
    ),
    Case(
        "cancer_256x3_e400",
        "mlp",
        {"name": "breast_cancer"},
        {"units": 256, "layers": 3, "epochs": 400, "learning_rate": 0.003},
        "overfit",
        "turning_point",
    ),
    Case(
        "sine_lstm16_e20",
        "lstm",
        {"name": "sine"},
        {"units": 16, "epochs": 20, "learning_rate": 0.001},
        "underfit",
        "still_improving",
    ),
    Case(
        "sine_lstm32_e200",
        "lstm",
        {"name": "sine"},
        {"units": 32, "epochs": 200, "learning_rate": 0.003},
        "good_fit",
        None,
    ),
)


def train(case: Case) -> list[SeedCurves]:
    """Train every seed of ``case`` with the project's engine."""
    from study.engine import configure_threads, train_seeds

    configure_threads(1)
    task = dict(case.task)
    data = load_task(str(task.pop("name")), **task)
    params = TrialParams.from_values(case.family, case.params)
    return train_seeds(case.family, params, data, SEEDS)


def save(case: Case, curves: list[SeedCurves], labels: dict[str, Any]) -> None:
    """Write one CSV per seed and its label."""
    baseline = load_task(
        case.task["name"], **{k: v for k, v in case.task.items() if k != "name"}
    ).baseline_loss
    for c in curves:
        frame = pd.DataFrame(
            {
                "epoch": np.arange(1, c.epochs_trained + 1),
                "train_loss": c.train_loss,
                "val_loss": c.val_loss,
                "fit_loss": c.fit_loss,
            }
        )
        if c.train_metric is not None:
            frame["train_metric"], frame["val_metric"] = c.train_metric, c.val_metric
        name = f"{case.name}_s{c.seed}.csv"
        frame.to_csv(OUT / name, index=False, float_format="%.7g")
        labels[name] = {
            "category": case.category,
            "kind": case.kind,
            "baseline_loss": baseline,
            "config": {
                "task": case.task["name"],
                "family": case.family,
                "seed": c.seed,
                **case.params,
            },
        }


def plot(all_curves: dict[str, list[SeedCurves]], path: Path) -> None:
    """Draw every case's seeds on one sheet, log scale, for inspection."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(3, 4, figsize=(18, 11))
    for ax, (name, curves) in zip(axes.flat, all_curves.items(), strict=False):
        for c in curves:
            ax.plot(c.train_loss, color="tab:blue", alpha=0.6, lw=0.8)
            ax.plot(c.val_loss, color="tab:orange", alpha=0.6, lw=0.8)
        ax.set_yscale("log")
        ax.set_title(name, fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=70)


def main() -> None:
    """Train every case and write the corpus."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--plot", type=Path, help="also draw all curves into this PNG")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    labels: dict[str, Any] = {}
    all_curves = {}
    for case in CASES:
        curves = train(case)
        all_curves[case.name] = curves
        save(case, curves, labels)
        print(
            f"{case.name}: {[c.epochs_trained for c in curves]} epochs, {[c.stop for c in curves]}"
        )
    (OUT / "labels.json").write_text(json.dumps(labels, indent=1, sort_keys=True) + "\n")
    if args.plot:
        plot(all_curves, args.plot)


if __name__ == "__main__":
    main()
