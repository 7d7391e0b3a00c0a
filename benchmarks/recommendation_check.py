"""Benchmark: is the recommended configuration ever worse on test than the best mean?

:func:`study.evidence.recommend` chooses the configuration to keep by the worse end of the
seeds' intervals, not by the lowest mean (Optuna's ``best_trial``). This checks that choice on
the test splits of both counterfactual corpora (scikit-learn MLPs, and Keras LSTMs and GRUs),
which no rule reads:

* **studies**: each dataset's configurations, and 30 seeded random subsets of 6 of them, as
  complete studies;
* **per study**: the recommended trial and the best-mean trial by the validation objective;
  where they differ, the recommended trial's test loss (mean over its seeds, at the epoch the
  objective reads: the last, or each seed's best validation epoch) against the best-mean
  trial's, and the recommended trial's own t interval on its test losses;
* **the goal**: the recommended trial is never worse on test than the best-mean trial by more
  than that interval's half-width.

Run: ``.venv/bin/python benchmarks/recommendation_check.py``.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

import numpy as np

from study.evidence import recommend, seed_values, trial_evidence
from study.objectives import Objective
from tests.corpus.counterfactual import (
    COUNTERFACTUAL_DIR,
    RECURRENT_DIR,
    CounterfactualTrial,
    load_counterfactual,
)

SUBSETS = 30
"""Random subsets of each dataset's configurations replayed as studies."""
SUBSET_SIZE = 6


def test_losses(trial: CounterfactualTrial, objective: Objective) -> np.ndarray:
    """Each seed's test loss at the epoch the objective reads."""
    if objective == "best_val_loss":
        at = [int(np.argmin(c.val_loss)) for c in trial.curves]
    else:
        at = [c.epochs_trained - 1 for c in trial.curves]
    return np.array([row[i] for row, i in zip(trial.test_loss, at, strict=True)])


def check(trials: Sequence[CounterfactualTrial], objective: Objective) -> tuple[str, float, float]:
    """The recommendation against the best mean on test.

    Returns:
        ``same``, ``better``, ``within`` or ``beyond`` (worse by more than the recommended
        trial's own test interval's half-width), then the recommended trial's and the best-mean
        trial's excess test loss over the study's best configuration on test (fractions).
    """
    evidence = [
        trial_evidence(seed_values(objective, t.curves), number=i) for i, t in enumerate(trials)
    ]
    choice = recommend(evidence, "minimize")
    tests = [float(np.mean(test_losses(t, objective))) for t in trials]
    if choice.recommended is None or choice.best_mean is None:
        return "same", 0.0, 0.0
    excess = (tests[choice.recommended] / min(tests) - 1, tests[choice.best_mean] / min(tests) - 1)
    if not choice.differs:
        return "same", *excess
    chosen = test_losses(trials[choice.recommended], objective)
    gap = tests[choice.recommended] - tests[choice.best_mean]
    if gap <= 0:
        return "better", *excess
    half = trial_evidence(tuple(float(v) for v in chosen), number=0).half_width
    return ("within" if gap <= half else "beyond"), *excess


def studies(trials: Sequence[CounterfactualTrial], seed: int) -> list[list[CounterfactualTrial]]:
    """The whole dataset and its seeded random subsets."""
    rng = np.random.default_rng(seed)
    subsets = [
        [trials[i] for i in sorted(rng.choice(len(trials), SUBSET_SIZE, replace=False))]
        for _ in range(SUBSETS if len(trials) > SUBSET_SIZE else 0)
    ]
    return [list(trials), *subsets]


def main() -> int:
    """Print, per corpus, split and objective, how the recommendation fared on test."""
    print(
        f"{'corpus':<10} {'split':<9} {'objective':<15} {'studies':>7} {'differs':>7} "
        f"{'better':>6} {'within':>6} {'beyond':>6} {'excess rec. %':>13} {'excess best %':>13}"
    )
    for label, folder in (("MLP", COUNTERFACTUAL_DIR), ("recurrent", RECURRENT_DIR)):
        by_dataset: dict[str, list[CounterfactualTrial]] = {}
        held: set[str] = set()
        for trial in load_counterfactual(folder, trimmed=False):
            by_dataset.setdefault(trial.dataset, []).append(trial)
            if trial.held_out:
                held.add(trial.dataset)
        for split, is_held in (("held-out", True), ("tuning", False)):
            for objective in ("final_val_loss", "best_val_loss"):
                rows = [
                    check(study, objective)
                    for i, (name, trials) in enumerate(by_dataset.items())
                    if (name in held) == is_held
                    for study in studies(trials, seed=i)
                ]
                outcomes = [r[0] for r in rows]
                counts = {k: outcomes.count(k) for k in ("better", "within", "beyond")}
                rec, best = (100 * float(np.mean([r[k] for r in rows])) for k in (1, 2))
                print(
                    f"{label:<10} {split:<9} {objective:<15} {len(rows):>7} "
                    f"{len(rows) - outcomes.count('same'):>7} {counts['better']:>6} "
                    f"{counts['within']:>6} {counts['beyond']:>6} {rec:>13.2f} {best:>13.2f}"
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
