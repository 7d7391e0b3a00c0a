"""The labelled corpus of learning curves that the diagnosis is tested and benchmarked on.

Two sources:

* synthetic curves from :mod:`.synthetic` (every category and kind, deterministic);
* real curves, when present: CSV files under ``tests/corpus/real/`` with columns
  ``epoch, train_loss, val_loss, fit_loss, train_metric, val_metric`` and a ``labels.json``
  mapping each file name to ``{"category", "kind", "config"}`` (optionally
  ``"baseline_loss"``, at the top level or inside ``config``). Files not in ``labels.json``
  are ignored.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from study.curvefiles import read_curve_file

from ._labelled import LabelledCurve
from .synthetic import generate, make_curve

__all__ = ["REAL_DIR", "LabelledCurve", "generate", "load_corpus", "load_real", "make_curve"]

REAL_DIR = Path(__file__).parent / "real"


def load_corpus(seed: int = 0, per_kind: int = 40) -> list[LabelledCurve]:
    """The synthetic corpus followed by the real curves, if any."""
    return generate(seed=seed, per_kind=per_kind) + load_real()


def load_real(directory: Path = REAL_DIR) -> list[LabelledCurve]:
    """The labelled real curves in ``directory`` (empty when it has no ``labels.json``)."""
    labels_path = directory / "labels.json"
    if not labels_path.is_file():
        return []
    labels: dict[str, dict[str, Any]] = json.loads(labels_path.read_text())
    out = []
    for i, (file_name, label) in enumerate(sorted(labels.items())):
        path = directory / file_name
        if not path.is_file():
            continue
        config = label.get("config") or {}
        baseline = label.get("baseline_loss", config.get("baseline_loss"))
        out.append(
            LabelledCurve(
                name=f"real/{file_name}",
                curves=read_curve_file(path, seed=i),
                category=label["category"],
                kind=label.get("kind"),
                baseline_loss=None if baseline is None else float(baseline),
                source="real",
                variant=_task_name(config),
            )
        )
    return out


def _task_name(config: Any) -> str:
    task = config.get("task", "real") if isinstance(config, dict) else "real"
    return str(task.get("name", "real") if isinstance(task, dict) else task)
