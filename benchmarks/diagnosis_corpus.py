"""Benchmark the learning-curve diagnosis on the labelled corpus.

Prints the confusion matrix (true category x predicted category), the accuracy per category
and overall, the kinds confused within the right category, and the time per curve.

Run: ``.venv/bin/python benchmarks/diagnosis_corpus.py [--per-kind 40] [--seed 0] [--errors]``
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from study.diagnosis import diagnose_curve
from tests.corpus import load_corpus


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


def main() -> None:
    """Run the benchmark from the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-kind", type=int, default=40)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--errors", action="store_true", help="list misdiagnosed curves")
    args = parser.parse_args()
    report(run(args.per_kind, args.seed), args.errors)


if __name__ == "__main__":
    main()
