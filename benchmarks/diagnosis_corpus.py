"""Benchmark the learning-curve diagnosis on both labelled corpora.

1. The shape corpus (``tests/corpus``: synthetic curves and real curves labelled by shape):
   confusion matrix (true x predicted category), accuracy per category and overall, the kinds
   confused within the right category, and the time per curve.
2. The counterfactual corpus (``tests/corpus/counterfactual``: real trials labelled by what an
   action does to their test loss): confusion matrix of the trials' verdicts over their seeds,
   overall, on the tuning datasets and on the held-out datasets, the number of dropped
   (in-between or unmeasurable) trials, the verdicts' confidence when right and when wrong,
   and how close the suggested stop epoch's test loss is to the test minimum; then the same
   summary on the labels the protocol gives without its significance check; then everything
   again with ``reached_loss`` given, as a study can give it: the lowest validation loss the
   other configurations on the same dataset reached (what a reader of the study judges
   against, see ``study.verdicts``); the verdicts as a run stores them, with the best so far
   in random run orders; last, the accuracy when the curves do not
   carry the trimmed validation loss (trials stored before it was recorded, the Keras
   callback), with and without ``reached_loss``. After each counterfactual summary, the
   calibration: accuracy by confidence bin (all and held-out trials), and how many verdicts
   are marked ``uncertain`` and how the others fare.

Scoring: a verdict is right when its category is the label's (``still_improving`` and
``capacity`` are both ``underfit``; ``overfit``; ``good_fit``): the score the issue sets the
target on. The action score is stricter: an ``underfit`` verdict must also name the label's
kind, since "train longer" and "make it larger" are different advice.

``--corpus recurrent`` scores the recurrent corpus (Keras LSTMs and GRUs on sequences,
``tests/corpus/recurrent``) instead of the MLP one; ``--corpus DIR`` any folder of that format.
Every part is printed for the held-out datasets first, then the tuning datasets, then all, with
a calibration table (verdict confidence bins against accuracy) beside each confusion matrix.

Run: ``python benchmarks/diagnosis_corpus.py [--per-kind 40] [--seed 0] [--errors]
[--corpus mlp|recurrent|DIR] [--counterfactual-only]``
"""

from __future__ import annotations

import argparse
import itertools
import math
import sys
import time
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from study.diagnosis import diagnose_curve, diagnose_seeds, lowest_val_loss
from tests.corpus import load_corpus
from tests.corpus.counterfactual import (
    COUNTERFACTUAL_DIR,
    RECURRENT_DIR,
    CounterfactualTrial,
    load_counterfactual,
)

CORPORA = {"mlp": COUNTERFACTUAL_DIR, "recurrent": RECURRENT_DIR}
CONFIDENCE_BINS = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)


def run(per_kind: int, seed: int) -> pd.DataFrame:
    """Diagnose every corpus curve; one row per curve with truth, prediction and time."""
    rows = []
    for item in load_corpus(seed=seed, per_kind=per_kind):
        start = time.perf_counter()
        dx = diagnose_curve(item.curves, baseline_loss=item.baseline_loss)
        seconds = time.perf_counter() - start
        rows.append(
            {
                "name": item.name,
                "source": item.source,
                "epochs": item.curves.epochs_trained,
                "true": item.category,
                "true_kind": item.kind or "-",
                "predicted": dx.category,
                "predicted_kind": dx.kind or "-",
                "confidence": dx.confidence,
                "ms": 1000 * seconds,
            }
        )
    return pd.DataFrame(rows)


def report(frame: pd.DataFrame, show_errors: bool) -> None:
    """Print the confusion matrix, accuracies and timings."""
    pd.set_option("display.width", 200)
    pd.set_option("display.max_columns", None)
    print(f"{len(frame)} curves ({(frame.source == 'real').sum()} real)\n")
    print(pd.crosstab(frame.true, frame.predicted, margins=True), "\n")
    right = frame.true == frame.predicted
    per_category = right.groupby(frame.true).mean().rename("accuracy")
    print(per_category.map("{:.1%}".format).to_string(), "\n")
    print(f"overall accuracy: {right.mean():.1%}")
    good = frame[frame.true == "good_fit"]
    print(f"good_fit called overfit: {(good.predicted == 'overfit').mean():.1%}")
    same = frame[right]
    kind_right = (same.true_kind == same.predicted_kind).mean()
    print(f"kind accuracy within the right category: {kind_right:.1%}\n")
    print(pd.crosstab(frame.true_kind, frame.predicted_kind), "\n")
    by_length = frame.groupby("epochs").ms.agg(["count", "mean", "max"]).round(2)
    print("milliseconds per curve by length:\n" + by_length.to_string())
    if show_errors:
        print("\n" + frame[~right | (frame.true_kind != frame.predicted_kind)].to_string())


def lowest_by_trial(trials: list[CounterfactualTrial]) -> dict[str, float]:
    """Per trial, the lowest validation loss its seeds' mean curve reached (what it offers the
    study as a reference, :func:`study.diagnosis.lowest_val_loss`)."""
    lowest = {t.name: lowest_val_loss(t.curves) for t in trials}
    return {name: v for name, v in lowest.items() if math.isfinite(v)}


def reached_by_others(trials: list[CounterfactualTrial]) -> dict[str, float | None]:
    """Per trial, the lowest validation loss the other configurations on its dataset reached.

    What a reader of the finished study judges a trial against (``study.verdicts``); dropped
    trials count, as they would in a study. ``None`` for a trial alone on its dataset (a
    partly made corpus).
    """
    lowest = lowest_by_trial(trials)
    dataset = {t.name: t.dataset for t in trials}
    return {
        t.name: min(
            (v for name, v in lowest.items() if name != t.name and dataset[name] == t.dataset),
            default=None,
        )
        for t in trials
    }


def reached_in_run_order(
    trials: list[CounterfactualTrial], lowest: Mapping[str, float], rng: np.random.Generator
) -> dict[str, float | None]:
    """Per trial, what a run knows when it stores the trial's verdict: the best so far.

    Each dataset's configurations run in a random order; a trial gets the lowest validation
    loss (``lowest``, by trial) of those that ran before it (none for the first), as
    ``study.runner`` passes it.
    """
    reached: dict[str, float | None] = {}
    for dataset in sorted({t.dataset for t in trials}):
        group = [t for t in trials if t.dataset == dataset]
        best: float | None = None
        for i in rng.permutation(len(group)):
            reached[group[i].name] = best
            value = lowest.get(group[i].name)
            if value is not None:
                best = value if best is None else min(best, value)
    return reached


def report_run_order(trials: list[CounterfactualTrial], orders: int, seed: int) -> None:
    """Print the accuracy of the verdicts a run stores, over random orders of the trials."""
    rng = np.random.default_rng(seed)
    lowest = lowest_by_trial(trials)
    scores = []
    for _ in range(orders):
        frame = run_counterfactual(trials, reached_in_run_order(trials, lowest, rng))
        scores.append(float((frame.true == frame.predicted).mean()))
    print(
        f"\n=== verdicts as a run stores them (best so far as reached_loss; {orders} random "
        f"orders) ===\naccuracy: mean {np.mean(scores):.1%}, "
        f"min {min(scores):.1%}, max {max(scores):.1%} "
        "(readers judge again against the whole study: the figure with reached_loss above)"
    )


def run_counterfactual(
    trials: list[CounterfactualTrial], reached: Mapping[str, float | None] | None = None
) -> pd.DataFrame:
    """Diagnose every labelled trial; one row per trial with truth, verdict and stop figures.

    Args:
        trials: The corpus.
        reached: Per trial name, the ``reached_loss`` to diagnose it with (none when ``None``).
    """
    rows = []
    for trial in trials:
        if trial.label is None:
            continue
        dx = diagnose_seeds(
            trial.curves,
            baseline_loss=trial.baseline_loss,
            reached_loss=None if reached is None else reached[trial.name],
        )
        # geometric mean over seeds, like the diagnosis' mean curve
        test = np.exp(np.mean(np.log(trial.test_loss), axis=0))
        stop = dx.verdict.evidence.best_epoch or len(test)
        rows.append(
            {
                "name": trial.name,
                "held_out": trial.held_out,
                "label": trial.label,
                "true": trial.category,
                "predicted": dx.category,
                "predicted_kind": dx.verdict.kind or "-",
                "action_right": trial.category == dx.category
                and (trial.kind is None or trial.kind == dx.verdict.kind),
                "confidence": dx.verdict.confidence,
                "uncertain": dx.verdict.uncertain is not None,
                "stop_epoch": stop,
                "stop_vs_test_min": float(test[stop - 1] / test.min()),
                **{f"gain_{k}": v for k, v in trial.gains.items()},
                "advice": dx.verdict.advice,
            }
        )
    return pd.DataFrame(rows)


def report_counterfactual(
    frame: pd.DataFrame, trials: list[CounterfactualTrial], show_errors: bool, title: str
) -> None:
    """Print the counterfactual confusion matrices, dropped counts and stop-epoch figure."""
    dropped = [t for t in trials if t.label is None]
    held = sum(t.held_out for t in dropped)
    print(
        f"\n=== counterfactual corpus{title}: {len(trials)} trials, {len(dropped)} dropped "
        f"(in between or unmeasurable; {held} held-out, {len(dropped) - held} tuning), "
        f"{len(frame)} labelled ===\n"
    )
    _print_parts(frame, matrices=True)
    right = frame.true == frame.predicted
    under = frame[right & (frame.true == "underfit")]
    print(
        f"underfit kind (still_improving or capacity) right on "
        f"{(under.label == under.predicted_kind).sum()} of {len(under)} trials rightly "
        "called underfit"
    )
    print(
        f"verdict confidence: median {frame.confidence[right].median():.2f} when right "
        f"(n={right.sum()}), {frame.confidence[~right].median():.2f} when wrong "
        f"(n={(~right).sum()})"
    )
    for part_title, part in (
        ("held-out", frame[frame.held_out]),
        ("tuning", frame[~frame.held_out]),
        ("all", frame),
    ):
        for title, chosen in (
            ("called overfit", part[part.predicted == "overfit"]),
            ("labelled overfit", part[part.label == "overfit"]),
        ):
            if len(chosen):
                ratio = chosen.stop_vs_test_min
                print(
                    f"suggested stop epoch ({part_title} trials {title}, n={len(chosen)}): "
                    f"test loss there is median {ratio.median():.3f}x, worst "
                    f"{ratio.max():.3f}x the test minimum; {(ratio <= 1.05).mean():.0%} "
                    "within 5 %"
                )
    if show_errors:
        wrong = frame[frame.true != frame.predicted]
        print("\n" + wrong.drop(columns="advice").to_string())


def report_calibration(frame: pd.DataFrame, title: str) -> None:
    """Print how the confident (>= 0.8) and the ``uncertain`` verdicts fare (the calibration
    tables by confidence bin are printed with each part's confusion matrix)."""
    print(f"\n=== confident and uncertain verdicts{title} ===")
    right = frame.true == frame.predicted
    for part, mask in (("all", frame.held_out | ~frame.held_out), ("held-out", frame.held_out)):
        sure = mask & (frame.confidence >= 0.8)
        print(f"-- {part}: confidence >= 0.8 right on {right[sure].sum()} of {sure.sum()}")
    unsure = frame.uncertain
    print(
        f"uncertain verdicts: {unsure.sum()} of {len(frame)} (right on {right[unsure].sum()}); "
        f"the others right on {right[~unsure].sum()} of {(~unsure).sum()} "
        f"({right[~unsure].mean():.1%})"
    )


def report_unchecked(trials: list[CounterfactualTrial]) -> None:
    """Print the summary on the labels given without the protocol's significance check."""
    unchecked = [t.with_unchecked_label() for t in trials]
    frame = run_counterfactual(unchecked)
    dropped = sum(t.label is None for t in unchecked)
    print(f"\n=== without the significance check: {len(frame)} labelled, {dropped} dropped ===")
    _print_parts(frame, matrices=False)
    print(pd.crosstab(frame.label, frame.predicted, margins=True))


def calibration(frame: pd.DataFrame) -> pd.DataFrame:
    """Per verdict-confidence bin (``[0, 0.2)`` ... ``[0.8, 1.0]``): trials, mean confidence and
    accuracy (category right)."""
    bins = pd.cut(frame.confidence, CONFIDENCE_BINS, right=False, include_lowest=True)
    bins = bins.cat.rename_categories(
        [
            f"[{lo:.1f},{hi:.1f}{']' if hi == 1.0 else ')'}"
            for lo, hi in itertools.pairwise(CONFIDENCE_BINS)
        ]
    )
    # a confidence of exactly 1.0 falls outside the half-open bins: it belongs to the last
    bins = bins.fillna(bins.cat.categories[-1])
    right = (frame.true == frame.predicted).astype(float)
    table = pd.DataFrame({"confidence": frame.confidence, "right": right, "bin": bins})
    return (
        table.groupby("bin", observed=False)
        .agg(
            trials=("right", "size"),
            mean_confidence=("confidence", "mean"),
            accuracy=("right", "mean"),
        )
        .round(3)
    )


def _print_parts(frame: pd.DataFrame, *, matrices: bool) -> None:
    """Accuracy over the held-out datasets, the tuning datasets and all trials, in that order;
    with ``matrices``, each part's confusion matrix and calibration table too."""
    for title, part in (
        ("held-out datasets", frame[frame.held_out]),
        ("tuning datasets", frame[~frame.held_out]),
        ("all", frame),
    ):
        right = part.true == part.predicted
        good = part[part.true == "good_fit"]
        print(
            f"-- {title}: {len(part)} trials, accuracy {right.mean():.1%} "
            f"(action {part.action_right.mean():.1%}), "
            f"good_fit called overfit {(good.predicted == 'overfit').sum()} of {len(good)}"
        )
        if matrices and len(part):
            print(pd.crosstab(part.label, part.predicted, margins=True), "\n")
            print("calibration (verdict confidence -> accuracy):")
            print(calibration(part).to_string(), "\n")


def report_untrimmed(directory: Path) -> None:
    """Print the accuracy on curves read without their trimmed validation loss."""
    trials = load_counterfactual(directory, trimmed=False)
    print("\n=== curves without val_loss_trimmed (the rules' fallback) ===")
    for title, reached in (("", None), (", with reached_loss", reached_by_others(trials))):
        frame = run_counterfactual(trials, reached)
        print(f"- without the trimmed loss{title}:")
        _print_parts(frame, matrices=False)


def main() -> None:
    """Run the benchmark from the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-kind", type=int, default=40)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--errors", action="store_true", help="list misdiagnosed curves")
    parser.add_argument(
        "--orders", type=int, default=20, help="random run orders for the verdicts a run stores"
    )
    parser.add_argument(
        "--corpus", default="mlp", help="counterfactual corpus: mlp, recurrent or a folder"
    )
    parser.add_argument("--counterfactual-only", action="store_true", help="skip the shape corpus")
    args = parser.parse_args()
    directory = CORPORA.get(args.corpus, Path(args.corpus))
    trials = load_counterfactual(directory)
    if not trials:
        print(
            f"--corpus must be mlp, recurrent or a folder holding a labels.json with trials, "
            f"but got --corpus={args.corpus}",
            file=sys.stderr,
        )
        sys.exit(2)
    if not args.counterfactual_only:
        report(run(args.per_kind, args.seed), args.errors)
    plain = run_counterfactual(trials)
    report_counterfactual(plain, trials, args.errors, "")
    report_calibration(plain, "")
    report_unchecked(trials)
    with_study = run_counterfactual(trials, reached_by_others(trials))
    report_counterfactual(
        with_study,
        trials,
        args.errors,
        " with each dataset's best validation loss as reached_loss",
    )
    report_calibration(with_study, " with reached_loss")
    report_run_order(trials, args.orders, args.seed)
    report_untrimmed(directory)


if __name__ == "__main__":
    main()
