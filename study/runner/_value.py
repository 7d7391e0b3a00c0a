"""A trial's objective value: what it stores, and what it reports while its seeds train."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from study.curves import SeedCurves
from study.evidence import seed_values
from study.space import Objective


def objective_value(objective: Objective, curves: Sequence[SeedCurves]) -> float:
    """The trial's value: the mean over seeds of the objective's per-seed quantity.

    Each seed's quantity is read at its last epoch so far: on the curves of a running trial
    it is the value the trial would have if it stopped now (the running best for
    ``best_val_loss``), so the same function gives the intermediate values and the stored
    value. Seeds whose quantity is not finite (diverged) are left out of the mean; when none
    is finite the value is infinite (the worst for the objective's direction), so the sampler
    learns to avoid it.

    Args:
        objective: ``final_val_loss``, ``best_val_loss`` or ``final_val_accuracy``.
        curves: Every seed's curves (so far); each seed's quantity is
            :func:`study.evidence.seed_values`'s.
    """
    per_seed = seed_values(objective, [c for c in curves if c.epochs_trained > 0])
    finite = [v for v in per_seed if math.isfinite(v)]
    if not finite:
        return -np.inf if objective == "final_val_accuracy" else np.inf
    return float(np.mean(finite))
