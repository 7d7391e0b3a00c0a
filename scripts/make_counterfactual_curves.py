"""Train real models on real data and label each configuration by what helps its test loss.

Every configuration is a scikit-learn ``MLPClassifier`` or ``MLPRegressor`` trained epoch by
epoch with ``partial_fit`` on data shipped inside packages (scikit-learn's datasets, and
windowed real series from statsmodels' datasets), split into train / validation / test. The
curves that a diagnosis reads hold only the training and validation losses; the test loss is
kept apart and decides the label, from what each action would have done to it:

* ``still_improving``: training twice as long lowers the test loss by >= 10 %;
* ``overfit``: stopping at the best-validation epoch, or a 30x larger L2 penalty (at least
  0.01), lowers it by >= 10 % while the training loss kept falling;
* ``capacity``: a 4x wider model (at most 128 units a layer) lowers it by >= 10 % while
  neither more epochs nor early stopping helps by 5 %;
* ``good_fit``: none of these actions lowers it by 5 %.

Anything in between is dropped (and counted), and so is a trial where both more epochs and
stopping earlier (or L2) help: opposite advice cannot both be right. Gains are geometric
means over the seeds.
Output, under ``tests/corpus/counterfactual/``: one ``NAME.csv.gz`` per configuration with
columns ``seed, epoch, train_loss, val_loss, test_loss`` (float32 precision) and
``labels.json`` with each configuration's label, gains, split sizes and settings.

Run: ``pip install -e '.[corpus]'`` (statsmodels' datasets), then
``python scripts/make_counterfactual_curves.py [--jobs 2] [--only NAME ...]``.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import dataclasses
import json
import math
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from sklearn import datasets
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.preprocessing import StandardScaler

OUT = Path(__file__).resolve().parents[1] / "tests" / "corpus" / "counterfactual"
SEEDS = (0, 1, 2)
HELPS, NEUTRAL = 0.10, 0.05


@dataclasses.dataclass(frozen=True)
class Split:
    """Standardised arrays of one dataset split three ways."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    classification: bool
    baseline_loss: float


@dataclasses.dataclass(frozen=True)
class Config:
    """One model configuration on one dataset."""

    name: str
    dataset: str
    hidden: tuple[int, ...]
    epochs: int
    alpha: float = 1e-4
    lr: float = 1e-3
    batch: int = 32
    n_train: int | None = None  # None: everything not used for validation or test
    n_val: int | None = None  # None: the dataset's default validation share
    solver: str = "adam"


# ------------------------------------------------------------------------------ the data


def _table(name: str) -> tuple[np.ndarray, np.ndarray, bool]:
    loaders: dict[str, Callable[..., Any]] = {
        "cancer": datasets.load_breast_cancer,
        "digits": datasets.load_digits,
        "wine": datasets.load_wine,
        "iris": datasets.load_iris,
        "diabetes": datasets.load_diabetes,
    }
    x, y = loaders[name](return_X_y=True)
    return x.astype(np.float64), y, name != "diabetes"


def _series(name: str) -> np.ndarray:
    import statsmodels.api as sm

    if name == "sunspots":
        return sm.datasets.sunspots.load_pandas().data["SUNACTIVITY"].to_numpy(float)
    if name == "co2":
        co2 = sm.datasets.co2.load_pandas().data["co2"].interpolate().bfill()
        return np.diff(co2.to_numpy(float))  # weekly changes: the trend is not learnable
    if name == "elnino":
        return sm.datasets.elnino.load_pandas().data.iloc[:, 1:].to_numpy(float).ravel()
    raise KeyError(name)


def load_split(dataset: str, n_train: int | None, n_val: int | None) -> Split:
    """Split a dataset (fixed split seed): tables at random, series in time order."""
    if dataset in ("sunspots", "co2", "elnino"):
        values = _series(dataset)
        lags = 12
        x = np.lib.stride_tricks.sliding_window_view(values[:-1], lags)
        y, classification = values[lags:], False
        order = np.arange(len(y))  # time order: train, then validation, then test
        n_test = len(y) // 5
        test, rest = order[-n_test:], order[:-n_test]
        n_val = n_val or len(rest) // 4
        val, train = rest[-n_val:], rest[:-n_val]
    else:
        x, y, classification = _table(dataset)
        order = np.random.default_rng(0).permutation(len(y))
        n_test = round(0.3 * len(y))
        test, rest = order[:n_test], order[n_test:]
        n_val = n_val or round(0.25 * len(rest))
        val, train = rest[:n_val], rest[n_val:]
    if n_train is not None:
        train = train[-n_train:]
    scaler = StandardScaler().fit(x[train])
    xs = [scaler.transform(x[i]) for i in (train, val, test)]
    ys = [y[i] for i in (train, val, test)]
    if not classification:
        mean, std = ys[0].mean(), ys[0].std()
        ys = [(v - mean) / std for v in ys]
        baseline = float(np.mean(ys[1] ** 2))
    else:
        prior = np.bincount(ys[0], minlength=int(y.max()) + 1) / len(ys[0])
        baseline = float(-np.mean(np.log(np.clip(prior[ys[1]], 1e-15, 1))))
    return Split(xs[0], ys[0], xs[1], ys[1], xs[2], ys[2], classification, baseline)


# --------------------------------------------------------------------------- training


def _losses(model: Any, split: Split) -> tuple[float, float, float]:
    """Train, validation and test loss (log loss or mean squared error), one predict call."""
    parts = (split.y_train, split.y_val, split.y_test)
    x = np.concatenate([split.x_train, split.x_val, split.x_test])
    y = np.concatenate(parts)
    if split.classification:
        proba = np.clip(model.predict_proba(x), 1e-15, 1.0)
        per_sample = -np.log(proba[np.arange(len(y)), np.searchsorted(model.classes_, y)])
    else:
        per_sample = (model.predict(x) - y) ** 2
    edges = np.cumsum([len(p) for p in parts])[:-1]
    a, b, c = (float(np.mean(p)) for p in np.split(per_sample, edges))
    return a, b, c


def train_curves(
    config: Config,
    split: Split,
    seed: int,
    *,
    epochs: int,
    hidden: tuple[int, ...],
    alpha: float,
    every_epoch: bool = True,
) -> np.ndarray:
    """Train epoch by epoch; rows ``(train_loss, val_loss, test_loss)``, shape (epochs, 3).

    With ``every_epoch=False`` only the last row is measured (the others are NaN).
    """
    cls = MLPClassifier if split.classification else MLPRegressor
    model = cls(
        hidden_layer_sizes=hidden,
        alpha=alpha,
        learning_rate_init=config.lr,
        batch_size=min(config.batch, len(split.y_train)),
        solver=config.solver,
        random_state=seed,
        shuffle=True,
    )
    classes = np.unique(np.concatenate([split.y_train, split.y_val, split.y_test]))
    out = np.full((epochs, 3), np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for epoch in range(epochs):
            if split.classification:
                model.partial_fit(split.x_train, split.y_train, classes=classes)
            else:
                model.partial_fit(split.x_train, split.y_train)
            if every_epoch or epoch == epochs - 1:
                out[epoch] = _losses(model, split)
    return out


def run_seed(config: Config, seed: int) -> dict[str, Any]:
    """The curves of one seed and the test loss under each counterfactual action."""
    split = load_split(config.dataset, config.n_train, config.n_val)
    e = config.epochs
    base = train_curves(config, split, seed, epochs=2 * e, hidden=config.hidden,
                        alpha=config.alpha)
    wide = tuple(min(max(4 * h, 32), 128) for h in config.hidden)
    big = base[:e]
    if wide != config.hidden:
        big = train_curves(config, split, seed, epochs=e, hidden=wide, alpha=config.alpha,
                           every_epoch=False)
    reg = train_curves(config, split, seed, epochs=e, hidden=config.hidden,
                       alpha=max(30 * config.alpha, 1e-2), every_epoch=False)
    best = int(np.argmin(base[:e, 1]))
    return {
        "seed": seed,
        "curves": base[:e],
        "test_end": base[e - 1, 2],
        "test_more": base[2 * e - 1, 2],
        "test_stop": base[best, 2],
        "test_big": big[e - 1, 2],
        "test_reg": reg[e - 1, 2],
        "train_fell": bool(base[e - 1, 0] < base[best, 0]),
        "sizes": (len(split.y_train), len(split.y_val), len(split.y_test)),
        "baseline_loss": split.baseline_loss,
    }


# ---------------------------------------------------------------------------- labels


def _gain(runs: list[dict[str, Any]], key: str) -> float:
    """Geometric-mean fraction by which ``key`` lowers the test loss at the end (>0 helps)."""
    logs = [math.log(r[key]) - math.log(r["test_end"]) for r in runs]
    return 1.0 - math.exp(float(np.mean(logs)))


def label(runs: list[dict[str, Any]]) -> tuple[str | None, dict[str, float]]:
    """The configuration's label (``None``: in between, dropped) and the gains behind it."""
    gains = {k: _gain(runs, f"test_{k}") for k in ("more", "stop", "big", "reg")}
    fell = sum(r["train_fell"] for r in runs) * 2 > len(runs)
    stop_or_reg = max(gains["stop"] if fell else 0.0, gains["reg"])
    if gains["more"] >= HELPS and stop_or_reg >= HELPS:
        return None, gains  # opposite actions both help: no single advice is right
    if gains["more"] >= HELPS:
        return "still_improving", gains
    if stop_or_reg >= HELPS:
        return "overfit", gains
    if gains["big"] >= HELPS and max(gains["more"], gains["stop"]) < NEUTRAL:
        return "capacity", gains
    if max(gains.values()) < NEUTRAL:
        return "good_fit", gains
    return None, gains


# ---------------------------------------------------------------------- configurations


def configurations() -> list[Config]:
    """The configurations, chosen to span all four outcomes on every dataset."""
    out: list[Config] = []

    def add(dataset: str, tag: str, hidden: tuple[int, ...], epochs: int, **kw: Any) -> None:
        out.append(Config(f"{dataset}_{tag}", dataset, hidden, epochs, **kw))

    for ds in ("cancer", "wine", "iris"):
        add(ds, "h32_e20", (32,), 20, lr=1e-3)
        add(ds, "h32_e60_sgd", (32,), 60, solver="sgd", lr=0.01)
        add(ds, "h64_e100", (64,), 100)
        add(ds, "h64x2_e200_a0", (64, 64), 200, alpha=0.0, lr=3e-3)
        add(ds, "h128_e300_small", (128,), 300, alpha=0.0, n_train=40)
        add(ds, "h16_e150_a1", (16,), 150, alpha=1.0)
        add(ds, "h2_e200", (2,), 200, lr=3e-3)
        add(ds, "h64_e200_val45", (64,), 200, n_val=45, alpha=0.0)
        add(ds, "h32_e120_a01", (32,), 120, alpha=0.1)
    add("digits", "h1_e100", (1,), 100, lr=1e-2)
    add("digits", "h4_e100", (4,), 100, lr=1e-2)
    add("digits", "h32_e15", (32,), 15)
    add("digits", "h64_e60_val45", (64,), 60, n_val=45, alpha=0.0)
    add("digits", "h64_e200_small", (64,), 200, alpha=0.0, n_train=100)
    for ds in ("diabetes", "sunspots", "co2", "elnino"):
        add(ds, "h32_e20", (32,), 20)
        add(ds, "h32_e80_sgd", (32,), 80, solver="sgd", lr=3e-3)
        add(ds, "h64_e150", (64,), 150)
        add(ds, "h64x2_e200_a0", (64, 64), 200, alpha=0.0, lr=3e-3)
        add(ds, "h128_e300_small", (128,), 300, alpha=0.0, n_train=60)
        add(ds, "h1_e150", (1,), 150, lr=1e-2)
        add(ds, "h16_e200_a1", (16,), 200, alpha=1.0)
        add(ds, "h32_e150_a01", (32,), 150, alpha=0.1)
    return out


# ------------------------------------------------------------------------------ main


def save(config: Config, runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Write one configuration's curves and return its entry for ``labels.json``."""
    frames = []
    for r in runs:
        c = r["curves"]
        frames.append(pd.DataFrame({
            "seed": r["seed"], "epoch": np.arange(1, len(c) + 1),
            "train_loss": c[:, 0], "val_loss": c[:, 1], "test_loss": c[:, 2],
        }))
    pd.concat(frames).to_csv(OUT / f"{config.name}.csv.gz", index=False, float_format="%.7g")
    kind, gains = label(runs)
    n_train, n_val, n_test = runs[0]["sizes"]
    return {
        "label": kind,
        "gains": {k: round(v, 4) for k, v in gains.items()},
        "dataset": config.dataset,
        "n_train": n_train, "n_val": n_val, "n_test": n_test,
        "baseline_loss": runs[0]["baseline_loss"],
        "config": {k: v for k, v in dataclasses.asdict(config).items()
                   if k not in ("name", "dataset")},
    }


def main() -> None:
    """Train every configuration and write the corpus."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--only", nargs="*", help="configuration names to (re)make")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    chosen = [c for c in configurations() if not args.only or c.name in args.only]
    start = time.perf_counter()
    results = Parallel(n_jobs=args.jobs, return_as="generator")(
        delayed(run_seed)(c, s) for c in chosen for s in SEEDS
    )
    labels_path = OUT / "labels.json"
    labels = json.loads(labels_path.read_text()) if labels_path.is_file() else {}
    for config in chosen:
        labels[config.name] = save(config, [next(results) for _ in SEEDS])
        labels_path.write_text(json.dumps(labels, indent=1, sort_keys=True) + "\n")
        print(f"{config.name}: {labels[config.name]['label']} "
              f"({time.perf_counter() - start:.0f} s)", flush=True)
    counts = pd.Series([v["label"] for v in labels.values()]).value_counts(dropna=False)
    print(counts.to_string())
    print(f"{len(chosen)} configurations x {len(SEEDS)} seeds in "
          f"{time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
