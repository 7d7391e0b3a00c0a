"""The objectives a study can optimise, and their directions.

A trial's value is the mean over its seeds of each seed's quantity: its last validation loss
(``final_val_loss``), its lowest (``best_val_loss``) or its last validation accuracy
(``final_val_accuracy``); see :func:`study.evidence.seed_values`. A module of its own, with no
imports of the package, so that every stage can name an objective without loading another.
"""

from __future__ import annotations

from typing import Literal

__all__ = ["OBJECTIVES", "Objective"]

Objective = Literal["final_val_loss", "best_val_loss", "final_val_accuracy"]
OBJECTIVES: dict[str, Literal["minimize", "maximize"]] = {
    "final_val_loss": "minimize",
    "best_val_loss": "minimize",
    "final_val_accuracy": "maximize",
}
"""Each objective and the direction it is optimised in."""
