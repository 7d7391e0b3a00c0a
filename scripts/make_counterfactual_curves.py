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
means over the seeds. A gain decides a label only when the test split can measure it: its
one-sided 95 % lower bound, from resampling the test samples, must be above zero; otherwise
the trial is dropped as unmeasurable.
Output, under ``tests/corpus/counterfactual/``: one ``NAME.csv.gz`` per configuration with
columns ``seed, epoch, train_loss, val_loss, val_loss_trimmed, test_loss`` (float32
precision; ``val_loss_trimmed`` is the mean validation loss without the ``TRIMMED_SAMPLES``
largest per-sample losses of that epoch), one ``NAME.test.npz`` with each test sample's loss
under each action, and ``labels.json`` with each configuration's label, gains, split sizes and
settings.

Run: ``pip install -e '.[corpus]'`` (statsmodels' datasets), then
``python scripts/make_counterfactual_curves.py [--jobs 2] [--only NAME ...]``; or
``--relabel`` to label again from the stored test samples without training; or
``--curves-only`` to retrain only the seeds' own runs and rewrite the curve files, leaving the
test samples and labels untouched (it checks that the columns already stored come out equal).
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import dataclasses
import io
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

from study.curves import TRIMMED_SAMPLES

OUT = Path(__file__).resolve().parents[1] / "tests" / "corpus" / "counterfactual"
SEEDS = (0, 1, 2)
HELPS, NEUTRAL = 0.10, 0.05
ACTIONS = ("end", "more", "stop", "big", "reg")
BOOTSTRAP, CONFIDENCE = 2000, 0.95


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


def trimmed_mean(values: np.ndarray, trimmed: int = TRIMMED_SAMPLES) -> float:
    """Mean without the ``trimmed`` largest values; the plain mean when ``len <= 2 * trimmed``."""
    n = len(values)
    if n <= 2 * trimmed:
        return float(np.mean(values))
    return float(np.mean(np.partition(values, n - trimmed - 1)[: n - trimmed]))


def _losses(model: Any, split: Split) -> tuple[float, float, float, np.ndarray]:
    """Train, validation and trimmed validation loss (log loss or squared error), and each
    test sample's loss."""
    parts = (split.y_train, split.y_val, split.y_test)
    x = np.concatenate([split.x_train, split.x_val, split.x_test])
    y = np.concatenate(parts)
    if split.classification:
        proba = np.clip(model.predict_proba(x), 1e-15, 1.0)
        per_sample = -np.log(proba[np.arange(len(y)), np.searchsorted(model.classes_, y)])
    else:
        per_sample = (model.predict(x) - y) ** 2
    edges = np.cumsum([len(p) for p in parts])[:-1]
    train, val, test = np.split(per_sample, edges)
    return float(np.mean(train)), float(np.mean(val)), trimmed_mean(val), test


def train_curves(
    config: Config,
    split: Split,
    seed: int,
    *,
    epochs: int,
    hidden: tuple[int, ...],
    alpha: float,
    every_epoch: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Train epoch by epoch.

    Returns:
        Rows ``(train_loss, val_loss, test_loss, val_loss_trimmed)``, shape (epochs, 4), and
        each test sample's
        loss after every epoch, shape (epochs, n_test). With ``every_epoch=False`` only the
        last epoch is measured (the other rows are NaN).
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
    out = np.full((epochs, 4), np.nan)
    samples = np.full((epochs, len(split.y_test)), np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for epoch in range(epochs):
            if split.classification:
                model.partial_fit(split.x_train, split.y_train, classes=classes)
            else:
                model.partial_fit(split.x_train, split.y_train)
            if every_epoch or epoch == epochs - 1:
                train, val, trimmed, test = _losses(model, split)
                out[epoch] = train, val, float(np.mean(test)), trimmed
                samples[epoch] = test
    return out, samples


def run_curves(config: Config, seed: int) -> dict[str, Any]:
    """Only the curves of one seed (its first ``epochs``, the same as in :func:`run_seed`)."""
    split = load_split(config.dataset, config.n_train, config.n_val)
    base, samples = train_curves(
        config, split, seed, epochs=config.epochs, hidden=config.hidden, alpha=config.alpha
    )
    return {"seed": seed, "curves": base, "end_samples": samples[-1].astype(np.float32)}


def run_seed(config: Config, seed: int) -> dict[str, Any]:
    """The curves of one seed and the test losses under each counterfactual action."""
    split = load_split(config.dataset, config.n_train, config.n_val)
    e = config.epochs
    base, base_samples = train_curves(
        config, split, seed, epochs=2 * e, hidden=config.hidden, alpha=config.alpha
    )
    wide = tuple(min(max(4 * h, 32), 128) for h in config.hidden)
    big_samples = base_samples[:e]
    if wide != config.hidden:
        _, big_samples = train_curves(
            config, split, seed, epochs=e, hidden=wide, alpha=config.alpha, every_epoch=False
        )
    _, reg_samples = train_curves(
        config,
        split,
        seed,
        epochs=e,
        hidden=config.hidden,
        alpha=max(30 * config.alpha, 1e-2),
        every_epoch=False,
    )
    best = int(np.argmin(base[:e, 1]))
    # each test sample's loss under each action, in the order of ACTIONS
    samples = np.vstack(
        [
            base_samples[e - 1],
            base_samples[2 * e - 1],
            base_samples[best],
            big_samples[e - 1],
            reg_samples[e - 1],
        ]
    )
    return {
        "seed": seed,
        "curves": base[:e],
        "samples": samples.astype(np.float32),
        "train_fell": bool(base[e - 1, 0] < base[best, 0]),
        "sizes": (len(split.y_train), len(split.y_val), len(split.y_test)),
        "baseline_loss": split.baseline_loss,
    }


# ---------------------------------------------------------------------------- labels


def gains_of(samples: np.ndarray) -> dict[str, float]:
    """Geometric-mean fraction (over seeds) by which each action lowers the final test loss.

    Args:
        samples: Each test sample's loss, shape ``(n_seeds, len(ACTIONS), n_test)``.
    """
    logs = np.log(samples.astype(np.float64).mean(axis=-1))  # (n_seeds, actions)
    change = (logs[:, 1:] - logs[:, :1]).mean(axis=0)
    return {a: float(1.0 - math.exp(c)) for a, c in zip(ACTIONS[1:], change, strict=True)}


def lower_bounds(samples: np.ndarray) -> dict[str, float]:
    """One-sided lower confidence bound of each gain, from resampling the test samples.

    The test samples are drawn with replacement (the same draw for every seed and action, so
    the comparison stays paired): an effect carried by one or two test samples growing
    confidently wrong or right has a bound near or below zero.
    """
    rng = np.random.default_rng(0)
    n_test = samples.shape[-1]
    draws = rng.integers(0, n_test, size=(BOOTSTRAP, n_test))
    data = samples.astype(np.float64)
    means = np.stack([data[..., d].mean(axis=-1) for d in draws])  # (B, n_seeds, actions)
    logs = np.log(means)
    change = (logs[..., 1:] - logs[..., :1]).mean(axis=1)  # (B, actions - 1)
    gains = 1.0 - np.exp(change)
    low = np.quantile(gains, 1.0 - CONFIDENCE, axis=0)
    return {a: float(v) for a, v in zip(ACTIONS[1:], low, strict=True)}


def label(
    gains: dict[str, float], low: dict[str, float] | None, train_fell: list[bool]
) -> str | None:
    """The configuration's label, or ``None`` when it is in between (dropped).

    Args:
        gains: Each action's gain (see :func:`gains_of`).
        low: Each gain's lower confidence bound; ``None`` skips the significance check.
        train_fell: Per seed, whether the training loss kept falling past the best epoch.
    """
    fell = sum(train_fell) * 2 > len(train_fell)
    stop = gains["stop"] if fell else 0.0

    def measurable(*actions: str) -> bool:
        # a gain the test split cannot tell apart from zero is no evidence for a label
        return low is None or any(gains[a] >= HELPS and low[a] > 0 for a in actions)

    if gains["more"] >= HELPS and max(stop, gains["reg"]) >= HELPS:
        return None  # opposite actions both help: no single advice is right
    if gains["more"] >= HELPS:
        return "still_improving" if measurable("more") else None
    if max(stop, gains["reg"]) >= HELPS:
        return "overfit" if measurable(*(("stop", "reg") if fell else ("reg",))) else None
    if gains["big"] >= HELPS and max(gains["more"], gains["stop"]) < NEUTRAL:
        return "capacity" if measurable("big") else None
    if max(gains.values()) < NEUTRAL:
        return "good_fit"
    return None


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


def curve_frame(runs: list[dict[str, Any]]) -> pd.DataFrame:
    """The curve file's rows: one per seed and epoch."""
    frames = []
    for r in runs:
        c = r["curves"]
        frames.append(
            pd.DataFrame(
                {
                    "seed": r["seed"],
                    "epoch": np.arange(1, len(c) + 1),
                    "train_loss": c[:, 0],
                    "val_loss": c[:, 1],
                    "val_loss_trimmed": c[:, 3],
                    "test_loss": c[:, 2],
                }
            )
        )
    return pd.concat(frames)


def write_curves(name: str, frame: pd.DataFrame) -> None:
    """Write a curve file (float32 precision; no time stamp, so the bytes are reproducible)."""
    frame.to_csv(
        OUT / f"{name}.csv.gz",
        index=False,
        float_format="%.7g",
        compression={"method": "gzip", "mtime": 0},
    )


def save(config: Config, runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Write one configuration's curves and test samples; return its ``labels.json`` entry."""
    write_curves(config.name, curve_frame(runs))
    samples = np.stack([r["samples"] for r in runs])
    np.savez_compressed(OUT / f"{config.name}.test.npz", samples=samples)
    n_train, n_val, n_test = runs[0]["sizes"]
    return entry(
        samples,
        [r["train_fell"] for r in runs],
        {
            "dataset": config.dataset,
            "n_train": n_train,
            "n_val": n_val,
            "n_test": n_test,
            "baseline_loss": runs[0]["baseline_loss"],
            "config": {
                k: v for k, v in dataclasses.asdict(config).items() if k not in ("name", "dataset")
            },
        },
    )


def entry(samples: np.ndarray, train_fell: list[bool], rest: dict[str, Any]) -> dict[str, Any]:
    """A ``labels.json`` entry: the label with and without the significance check, the gains
    and their lower bounds, and the settings in ``rest``."""
    gains, low = gains_of(samples), lower_bounds(samples)
    return {
        **rest,
        "label": label(gains, low, train_fell),
        "label_unchecked": label(gains, None, train_fell),
        "gains": {k: round(v, 4) for k, v in gains.items()},
        "gains_low": {k: round(v, 4) for k, v in low.items()},
        "train_fell": train_fell,
    }


def relabel(labels: dict[str, dict[str, Any]]) -> None:
    """Label every configuration again from its stored test samples (no training)."""
    for name, old in labels.items():
        path = OUT / f"{name}.test.npz"
        if not path.is_file():
            continue
        with np.load(path) as data:
            samples = data["samples"]
        keep = ("dataset", "n_train", "n_val", "n_test", "baseline_loss", "config")
        labels[name] = entry(samples, old["train_fell"], {k: old[k] for k in keep})


def refresh_curves(config: Config, runs: list[dict[str, Any]]) -> None:
    """Rewrite a configuration's curve file from its seeds' runs, once they reproduce it.

    Raises:
        RuntimeError: A column already stored, or the stored test samples at the last epoch,
            came out different: the training is not reproducing the corpus.
    """
    frame = curve_frame(runs)
    path = OUT / f"{config.name}.csv.gz"
    if path.is_file():
        old = pd.read_csv(path)
        new = pd.read_csv(io.StringIO(frame.to_csv(index=False, float_format="%.7g")))
        for column in old.columns:
            if column != "val_loss_trimmed" and not old[column].equals(new[column]):
                raise RuntimeError(f"{config.name}: column {column} differs from the stored one")
    with np.load(OUT / f"{config.name}.test.npz") as data:
        stored = data["samples"][:, ACTIONS.index("end")]
    if not np.array_equal(stored, np.stack([r["end_samples"] for r in runs])):
        raise RuntimeError(f"{config.name}: test samples at the last epoch differ")
    write_curves(config.name, frame)


def main() -> None:
    """Train every configuration (or relabel from stored test samples) and write the corpus."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--only", nargs="*", help="configuration names to (re)make")
    parser.add_argument(
        "--relabel",
        action="store_true",
        help="label again from the stored test samples, without training",
    )
    parser.add_argument(
        "--curves-only",
        action="store_true",
        help="retrain only the seeds' own runs and rewrite the curve files",
    )
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    labels_path = OUT / "labels.json"
    labels = json.loads(labels_path.read_text()) if labels_path.is_file() else {}
    start = time.perf_counter()
    if args.relabel:
        relabel(labels)
    elif args.curves_only:
        chosen = [
            c
            for c in configurations()
            if (not args.only or c.name in args.only) and c.name in labels
        ]
        results = Parallel(n_jobs=args.jobs, return_as="generator")(
            delayed(run_curves)(c, s) for c in chosen for s in SEEDS
        )
        for config in chosen:
            refresh_curves(config, [next(results) for _ in SEEDS])
            print(f"{config.name}: curves ({time.perf_counter() - start:.0f} s)", flush=True)
        return
    else:
        chosen = [c for c in configurations() if not args.only or c.name in args.only]
        results = Parallel(n_jobs=args.jobs, return_as="generator")(
            delayed(run_seed)(c, s) for c in chosen for s in SEEDS
        )
        for config in chosen:
            labels[config.name] = save(config, [next(results) for _ in SEEDS])
            labels_path.write_text(json.dumps(labels, indent=1, sort_keys=True) + "\n")
            print(
                f"{config.name}: {labels[config.name]['label']} "
                f"({time.perf_counter() - start:.0f} s)",
                flush=True,
            )
    labels_path.write_text(json.dumps(labels, indent=1, sort_keys=True) + "\n")
    counts = pd.DataFrame(
        [(v["label_unchecked"], v["label"]) for v in labels.values()],
        columns=["unchecked", "checked"],
    ).fillna("dropped")
    print(pd.crosstab(counts.unchecked, counts.checked, margins=True).to_string())
    print(f"{len(labels)} configurations in {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
