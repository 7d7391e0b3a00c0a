"""How faithful the training curve evaluated on a fixed sample is, and what it saves.

Run ``python -m benchmarks.engine_eval_sample``. Each case trains a few seeds twice on the
same data with the same seeds (so both runs train identically): once evaluating the
end-of-epoch ``train_loss`` on the engine's default sample of the training set
(:func:`study.engine.train_eval_size`), once on every training sample. It prints the largest
relative gap between the two ``train_loss`` curves over epochs and seeds, the diagnosis of
each run, and each run's seconds per seed-epoch (one TensorFlow thread).
"""

from __future__ import annotations

import dataclasses
import sys
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np

from benchmarks.engine_speed import make_data
from study.params import Family, TrialParams
from study.tasks import TaskData

EVAL_SAMPLE_CASES: list[tuple[str, Family, str, int, TrialParams]] = [
    (
        "LSTM(32) sine 10k b=256",
        "lstm",
        "series",
        10_000,
        TrialParams(units=32, batch_size=256, epochs=20),
    ),
    (
        "LSTM(32) sine 100k b=512",
        "lstm",
        "series",
        100_000,
        TrialParams(units=32, batch_size=512, epochs=6),
    ),
    (
        "MLP 2x256 50k b=128",
        "mlp",
        "tabular",
        50_000,
        TrialParams(units=256, layers=2, batch_size=128, epochs=20),
    ),
]
"""Real trainings on which ``--eval-sample`` compares the sampled and the full training loss."""


def _baseline(data: TaskData) -> float:
    """Validation loss of the trivial predictor (training mean, or training class prior)."""
    if data.kind == "regression":
        return float(np.mean((data.y_val - data.y_train.mean(axis=0)) ** 2))
    prior = float(np.clip(data.y_train.mean(), 1e-7, 1 - 1e-7))
    y = data.y_val
    return float(-np.mean(y * np.log(prior) + (1 - y) * np.log(1 - prior)))


def eval_sample(seeds: int = 2) -> list[dict[str, Any]]:
    """Train each case twice, evaluating ``train_loss`` on the default sample and on all
    training samples; return the largest relative gap between the two curves over epochs and
    seeds, both trials' diagnoses and both runs' seconds per seed-epoch."""
    from study.diagnosis import diagnose_seeds
    from study.engine import TRAIN_EVAL_LIMIT, configure_threads, train_eval_size, train_seeds

    configure_threads(1)
    out: list[dict[str, Any]] = []
    for name, family, kind, n, params in EVAL_SAMPLE_CASES:
        data = make_data(kind, n).for_family(family)
        runs = {}
        warm = dataclasses.replace(
            data,
            x_train=data.x_train[: 2 * params.batch_size],
            y_train=data.y_train[: 2 * params.batch_size],
        )
        # Trace the structure first, so neither timed run pays for it.
        train_seeds(family, dataclasses.replace(params, epochs=1), warm, list(range(seeds)))
        for label, limit in (("sample", TRAIN_EVAL_LIMIT), ("full", None)):
            started = time.perf_counter()
            curves = train_seeds(
                family,
                params,
                data,
                list(range(seeds)),
                chunk_epochs=params.epochs,
                train_eval_limit=limit,
            )
            seconds = (time.perf_counter() - started) / (seeds * params.epochs)
            verdict = diagnose_seeds(curves, baseline_loss=_baseline(data)).category
            runs[label] = (curves, seconds, verdict)
        sampled, full = runs["sample"][0], runs["full"][0]
        pairs = zip(sampled, full, strict=True)
        gaps = np.abs([a.train_loss / b.train_loss - 1 for a, b in pairs])
        out.append(
            {
                "case": name,
                "n_train": len(data.x_train),
                "n_val": len(data.x_val),
                "evaluated": train_eval_size(len(data.x_train), len(data.x_val), TRAIN_EVAL_LIMIT),
                "gap": float(gaps.max()),
                "median_gap": float(np.median(gaps)),
                "diagnosis": (runs["sample"][2], runs["full"][2]),
                "final": (
                    float(np.mean([c.train_loss[-1] for c in full])),
                    float(np.mean([c.val_loss[-1] for c in full])),
                ),
                "seconds": (runs["sample"][1], runs["full"][1]),
            }
        )
    return out


def _print_eval_sample(results: list[dict[str, Any]]) -> None:
    print(
        f"{'case':<26} {'train':>7} {'val':>6} {'sample':>6} {'max gap':>8} {'median':>7} "
        f"{'end train / val':<17} {'diagnosis sample / full':<26} {'s/sep sample / full':<20}"
    )
    for r in results:
        (dx_sample, dx_full), (s_sample, s_full) = r["diagnosis"], r["seconds"]
        train, val = r["final"]
        print(
            f"{r['case']:<26} {r['n_train']:>7} {r['n_val']:>6} {r['evaluated']:>6} "
            f"{r['gap']:>7.2%} {r['median_gap']:>7.2%} {train:>8.4f} / {val:<6.4f} "
            f"{dx_sample + ' / ' + dx_full:<26} "
            f"{s_sample:.3f} / {s_full:.3f} ({s_full / s_sample:.2f}x)",
            flush=True,
        )
    print(
        "max gap, median: largest and median |sampled / full - 1| of train_loss over epochs "
        "and seeds (2 seeds, one TensorFlow thread); diagnosis: "
        "study.diagnosis.diagnose_seeds of each run; end train / val: the full run's last "
        "train_loss (all samples) and val_loss, mean over seeds; s/sep: seconds per "
        "seed-epoch."
    )


def main() -> None:
    """Print the comparison, one row per case."""
    _print_eval_sample(eval_sample())


if __name__ == "__main__":
    main()
