"""One colour per fit category, used by every figure and by the page."""

from __future__ import annotations

from collections.abc import Iterable

from study.diagnosis import CATEGORIES

NO_CATEGORY = "undiagnosed"
"""The label of trials without a diagnosis (failed, running, or never trained)."""

CATEGORY_COLORS: dict[str, str] = {
    "underfit": "#4c72b0",
    "good_fit": "#55a868",
    "overfit": "#c44e52",
    "not_learning": "#8c8c8c",
    "unstable": "#dd8452",
    "validation_better": "#8172b3",
    NO_CATEGORY: "#c7c7c7",
}
"""The colour of each fit category (and of :data:`NO_CATEGORY`)."""

CATEGORY_ORDER: tuple[str, ...] = (*CATEGORIES, NO_CATEGORY)
"""Categories in the order figures, legends and tables list them."""

TRAIN_COLOR = "#4c72b0"
"""Colour of training-loss lines in learning curves."""
VAL_COLOR = "#dd8452"
"""Colour of validation-loss lines in learning curves."""


def present_categories(labels: Iterable[str]) -> list[str]:
    """Return the categories of :data:`CATEGORY_ORDER` that occur in ``labels``, in order."""
    seen = set(labels)
    return [c for c in CATEGORY_ORDER if c in seen]
