"""Benchmark: how often a real curve ends below its forecast's one-sided 95 % bound.

Every seed's validation curve of both counterfactual corpora (the scikit-learn MLPs of
``tests/corpus/counterfactual`` and the Keras LSTMs and GRUs of ``tests/corpus/recurrent``)
is cut at 20, 30, 50 and 70 % of its epochs and forecast to its last epoch by
:func:`study.evidence.forecast` on the log scale the pruner reads. A forecast is
*calibrated* when the final value falls below ``value - 1.645 * sd`` in about 5 % of the
forecasts: more means the "will not win" pruner is surer than it should be. Held-out
datasets (those the pruner's settings were not chosen on) are printed first.

Run: ``.venv/bin/python benchmarks/forecast_calibration.py``.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

import numpy as np

from study.curves import SeedCurves
from study.evidence import forecast
from tests.corpus.counterfactual import COUNTERFACTUAL_DIR, RECURRENT_DIR, load_counterfactual

CUTS = (0.2, 0.3, 0.5, 0.7)
"""Shares of a curve's epochs it is forecast from."""
Z_95 = 1.645
"""One-sided 95 % quantile of the normal distribution."""


def coverage(curves: Sequence[SeedCurves]) -> tuple[int, int, int]:
    """Forecasts made, forecasts whose final value fell below the bound, and not made."""
    made = below = none = 0
    for seed in curves:
        series = np.log(np.maximum(seed.val_loss, 1e-12))
        for cut in CUTS:
            ahead = forecast(series[: int(cut * len(series))], len(series))
            if ahead is None:
                none += 1
                continue
            made += 1
            below += bool(series[-1] < ahead.value - Z_95 * ahead.sd)
    return made, below, none


def main() -> int:
    """Print the share of forecasts below their bound, per corpus and split."""
    print(f"{'corpus':<12} {'split':<9} {'forecasts':>9} {'below bound %':>14} {'not made':>9}")
    for label, folder in (("MLP", COUNTERFACTUAL_DIR), ("recurrent", RECURRENT_DIR)):
        trials = load_counterfactual(folder, trimmed=False)
        for split, held in (("held-out", True), ("tuning", False)):
            curves = [c for t in trials if t.held_out == held for c in t.curves]
            made, below, none = coverage(curves)
            share = 100 * below / max(made, 1)
            print(f"{label:<12} {split:<9} {made:>9} {share:>14.1f} {none:>9}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
