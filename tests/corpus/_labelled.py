"""The record of one labelled curve in the corpus."""

from __future__ import annotations

import dataclasses

from study.curves import SeedCurves
from study.diagnosis import Category, Kind


@dataclasses.dataclass(frozen=True)
class LabelledCurve:
    """One curve with the fit it is known to show.

    Attributes:
        name: Unique name, ``category-kind-variant-index`` for synthetic curves.
        curves: The curves.
        category: The true category.
        kind: The true kind, or ``None``.
        baseline_loss: The trivial predictor's validation loss, when known.
        source: ``synthetic`` or ``real``.
        variant: The shape variant (e.g. ``flat_spot``, ``gap_trap``).
    """

    name: str
    curves: SeedCurves
    category: Category
    kind: Kind | None
    baseline_loss: float | None = None
    source: str = "synthetic"
    variant: str = "plain"
