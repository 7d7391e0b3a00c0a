"""The counterfactual corpus: real trials labelled by what an action does to their test loss.

Two corpora share the format: scikit-learn MLPs on tables and series
(``scripts/make_counterfactual_curves.py``, protocol in ``tests/corpus/counterfactual/README.md``)
and Keras LSTMs and GRUs on sequences (``scripts/make_recurrent_corpus.py``, protocol in
``tests/corpus/recurrent/README.md``). Each trial holds the training and validation curves
of its seeds (what a diagnosis reads) and, apart from them, the test loss of each epoch (what
judges the diagnosis: it never enters the curves).
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from study.curves import SeedCurves
from study.diagnosis import Category, Kind

__all__ = [
    "COUNTERFACTUAL_DIR",
    "HELD_OUT_DATASETS",
    "RECURRENT_DIR",
    "CounterfactualTrial",
    "load_counterfactual",
]

COUNTERFACTUAL_DIR = Path(__file__).parent / "counterfactual"
RECURRENT_DIR = Path(__file__).parent / "recurrent"

HELD_OUT_DATASETS = frozenset({"wine", "iris", "co2"})
"""Datasets of the MLP corpus kept out of rule tuning: the accuracy on them is reported
separately. The recurrent corpus marks its held-out entries in ``labels.json`` itself."""

_CATEGORY: dict[str, tuple[Category, Kind | None]] = {
    "still_improving": ("underfit", "still_improving"),
    "capacity": ("underfit", "capacity"),
    "overfit": ("overfit", None),
    "good_fit": ("good_fit", None),
}


@dataclasses.dataclass(frozen=True)
class CounterfactualTrial:
    """One configuration, its seeds' curves and the label its test loss gives it.

    Attributes:
        name: The configuration's name (dataset first).
        dataset: The dataset it was trained on.
        label: ``still_improving``, ``overfit``, ``capacity``, ``good_fit``, or ``None`` when
            the effects fell in between or the test split could not measure them (dropped
            from the labelled set).
        unchecked_label: The label the protocol gives without its significance check (see
            the corpus README), kept to measure what that check changes.
        curves: One entry per seed; training and validation losses only.
        test_loss: Test loss per seed and epoch, shape ``(n_seeds, epochs)``.
        baseline_loss: Validation loss of the trivial predictor.
        gains: Fraction by which each action lowered the final test loss (``more``, ``stop``,
            ``big``, ``reg``).
        held_out: Whether the dataset is kept out of rule tuning: the entry's ``held_out``
            where ``labels.json`` records it, else whether it is one of
            :data:`HELD_OUT_DATASETS`.
    """

    name: str
    dataset: str
    label: str | None
    unchecked_label: str | None
    curves: tuple[SeedCurves, ...]
    test_loss: np.ndarray
    baseline_loss: float
    gains: dict[str, float]
    held_out: bool

    @property
    def category(self) -> Category | None:
        """The diagnosis category the label corresponds to."""
        return None if self.label is None else _CATEGORY[self.label][0]

    @property
    def kind(self) -> Kind | None:
        """The diagnosis kind the label corresponds to, where it fixes one."""
        return None if self.label is None else _CATEGORY[self.label][1]

    def with_unchecked_label(self) -> CounterfactualTrial:
        """The same trial labelled without the significance check."""
        return dataclasses.replace(self, label=self.unchecked_label)


def load_counterfactual(
    directory: Path = COUNTERFACTUAL_DIR, *, trimmed: bool = True
) -> list[CounterfactualTrial]:
    """All trials of the corpus, dropped ones included (``label is None``), sorted by name.

    Args:
        directory: The corpus folder.
        trimmed: Whether the curves carry the trimmed validation loss (when the files record
            it); ``False`` reads them as a study that does not record it would.
    """
    labels_path = directory / "labels.json"
    if not labels_path.is_file():
        return []
    labels: dict[str, dict[str, Any]] = json.loads(labels_path.read_text())
    return [
        _trial(directory, name, entry, trimmed=trimmed)
        for name, entry in sorted(labels.items())
        if (directory / f"{name}.csv.gz").is_file()
    ]


def _trial(
    directory: Path, name: str, entry: dict[str, Any], *, trimmed: bool
) -> CounterfactualTrial:
    frame = pd.read_csv(directory / f"{name}.csv.gz")
    trimmed = trimmed and "val_loss_trimmed" in frame.columns
    curves, tests = [], []
    for _, rows in frame.groupby("seed", sort=True):
        rows = rows.sort_values("epoch")
        curves.append(
            SeedCurves(
                seed=int(rows["seed"].iloc[0]),
                train_loss=rows.train_loss.to_numpy(np.float64),
                val_loss=rows.val_loss.to_numpy(np.float64),
                epochs_planned=len(rows),
                val_samples=int(entry["n_val"]),
                val_loss_trimmed=(rows.val_loss_trimmed.to_numpy(np.float64) if trimmed else None),
            )
        )
        tests.append(rows.test_loss.to_numpy(np.float64))
    return CounterfactualTrial(
        name=name,
        dataset=entry["dataset"],
        label=entry["label"],
        unchecked_label=entry.get("label_unchecked", entry["label"]),
        curves=tuple(curves),
        test_loss=np.vstack(tests),
        baseline_loss=float(entry["baseline_loss"]),
        gains=dict(entry["gains"]),
        held_out=bool(entry.get("held_out", entry["dataset"] in HELD_OUT_DATASETS)),
    )
