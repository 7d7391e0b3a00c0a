"""Train Keras recurrent models on real sequences and label each by what helps its test loss.

Every configuration is a Keras 3 LSTM or GRU (bidirectional or not, stacked or not, with or
without dropout, recurrent dropout and L2) trained with plain ``model.fit`` on sequence data
shipped inside packages: UCR collections bundled with aeon, scikit-learn's digits read as 8 steps
of 8 values (sequence classification or regression), and real series from statsmodels and
pmdarima windowed into lookback windows (forecasting the next value). The protocol, labels and
significance check are those of the MLP corpus (``scripts/make_counterfactual_curves.py``, whose
labelling functions this script imports); see ``tests/corpus/recurrent/README.md``.

Output, under ``tests/corpus/recurrent/`` (or ``--out``): one ``NAME.csv.gz`` per configuration
with columns ``seed, epoch, train_loss, val_loss, val_loss_trimmed, test_loss, fit_loss``, one
``NAME.test.npz`` with each test sample's loss under each action, and ``labels.json``. Every
configuration's files are written atomically once all its seeds are trained; a rerun skips the
finished ones, so an interrupted run resumes where it stopped.

Run: ``pip install -e '.[corpus]'``, then
``python scripts/make_recurrent_corpus.py [--jobs 1] [--only NAME ...] [--limit N]``;
``--tiny`` makes two small configurations for a quick check (give it ``--out``);
``--relabel`` labels again from the stored test samples, without training.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import argparse
import dataclasses
import gzip
import hashlib
import importlib.util
import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from joblib import Parallel, delayed

sys.path.insert(0, str(Path(__file__).resolve().parent))

from make_counterfactual_curves import SEEDS, entry, trimmed_mean

OUT = Path(__file__).resolve().parents[1] / "tests" / "corpus" / "recurrent"
Measured = tuple[int, float, tuple[np.ndarray, np.ndarray, np.ndarray]]

# Datasets by task group; a third of each group, the first by SHA-256 of the name, is held out.
SEQUENCE_SETS = ("arrowhead", "digits", "acsf1", "covid", "basicmotions", "osuleaf")
SERIES_SETS = ("sunspots", "co2", "elnino", "msft", "wineind", "macro")
TRAIN_CAP = 256  # at most this many training samples (the last ones), to bound the cost


def held_out_datasets() -> frozenset[str]:
    """A third of the sequence sets and of the series sets: the first by SHA-256 of the name."""
    out: set[str] = set()
    for group in (SEQUENCE_SETS, SERIES_SETS):
        ranked = sorted(group, key=lambda n: hashlib.sha256(n.encode()).hexdigest())
        out.update(ranked[: round(len(group) / 3)])
    return frozenset(out)


@dataclasses.dataclass(frozen=True)
class Split:
    """Standardised arrays of one dataset split three ways; inputs ``(n, steps, channels)``."""

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
    """One recurrent model configuration on one dataset."""

    name: str
    dataset: str
    cell: Literal["lstm", "gru"]
    units: tuple[int, ...]
    epochs: int
    lr: float = 1e-3
    dropout: float = 0.0
    recurrent_dropout: float = 0.0
    l2: float = 0.0
    bidirectional: bool = False
    batch: int = 64
    n_train: int | None = None  # None: everything not used for validation or test, capped
    tiny: bool = False  # few samples, for a quick check of the pipeline


# ------------------------------------------------------------------------------ the data


def _aeon_ts(name: str) -> tuple[np.ndarray, np.ndarray]:
    """A UCR collection shipped with aeon (train and test pooled): ``(n, channels, length)``.

    The ``.ts`` files are read directly from aeon's package folder: importing aeon is not needed.
    """
    spec = importlib.util.find_spec("aeon")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("aeon is not installed: pip install -e '.[corpus]'")
    folder = Path(next(iter(spec.submodule_search_locations))) / "datasets" / "data" / name
    rows, targets = [], []
    for part in ("TRAIN", "TEST"):
        in_data = False
        for line in (folder / f"{name}_{part}.ts").read_text().splitlines():
            line = line.strip()
            if in_data and line:
                *channels, target = line.split(":")
                rows.append([[float(v) for v in c.split(",")] for c in channels])
                targets.append(target)
            in_data = in_data or line.lower() == "@data"
    return np.asarray(rows, dtype=np.float64), np.asarray(targets)


def _steps(x: np.ndarray, width: int) -> np.ndarray:
    """Means over ``width`` consecutive values, as steps: ``(n, channels, length)`` to
    ``(n, length // width, channels)``."""
    n, channels, length = x.shape
    steps = length // width
    return x[..., : steps * width].reshape(n, channels, steps, width).mean(-1).transpose(0, 2, 1)


def _sequences(name: str) -> tuple[np.ndarray, np.ndarray, bool]:
    """Inputs ``(n, steps, channels)``, targets and whether they are classes."""
    if name == "digits":
        from sklearn.datasets import load_digits

        x, y = load_digits(return_X_y=True)
        return x.reshape(-1, 8, 8), y, True
    # about 24 steps each: a recurrent step costs the same whatever its width
    aeon_name, width = {
        "arrowhead": ("ArrowHead", 10),
        "acsf1": ("ACSF1", 60),
        "covid": ("Covid3Month", 3),
        "basicmotions": ("BasicMotions", 4),
        "osuleaf": ("OSULeaf", 18),
    }[name]
    x, targets = _aeon_ts(aeon_name)
    if name == "covid":
        return _steps(x, width), targets.astype(np.float64), False
    return _steps(x, width), np.unique(targets, return_inverse=True)[1], True


def _series(name: str) -> tuple[np.ndarray, int]:
    """Values ``(time, channels)`` and the lookback window length; channel 0 is forecast."""
    import statsmodels.api as sm

    if name == "sunspots":
        values = sm.datasets.sunspots.load_pandas().data["SUNACTIVITY"].to_numpy(float)
        return values[:, None], 12
    if name == "co2":
        co2 = sm.datasets.co2.load_pandas().data["co2"].interpolate().bfill()
        return np.diff(co2.to_numpy(float))[:, None], 13  # weekly changes, a quarter
    if name == "elnino":
        monthly = sm.datasets.elnino.load_pandas().data.iloc[:, 1:].to_numpy(float)
        return monthly.ravel()[:, None], 12
    if name == "macro":
        data = sm.datasets.macrodata.load_pandas().data
        quantities = data[["realgdp", "realcons", "realinv", "cpi"]].to_numpy()
        growth = np.diff(np.log(quantities), axis=0)
        levels = data[["unemp", "tbilrate"]].to_numpy()[1:]
        return np.hstack([100 * growth, levels]), 8
    import pmdarima.datasets as pm

    if name == "wineind":
        return np.log(pm.load_wineind())[:, None], 12
    if name == "msft":
        frame = pm.load_msft().tail(2401)
        volume = np.log1p(frame["Volume"].to_numpy(float))[1:]  # a few days traded nothing
        returns = np.diff(np.log(frame["Close"].to_numpy(float)))
        return np.column_stack([volume, 100 * returns]), 10
    raise KeyError(name)


def _standardise(xs: list[np.ndarray]) -> list[np.ndarray]:
    """Inputs standardised per channel on the training split (the first)."""
    mean = xs[0].mean(axis=(0, 1))
    std = xs[0].std(axis=(0, 1)) + 1e-8
    return [((x - mean) / std).astype(np.float32) for x in xs]


def load_split(dataset: str, n_train: int | None, *, tiny: bool = False) -> Split:
    """Split a dataset: collections at random (seed 0), series in time order."""
    if dataset in SERIES_SETS:
        values, lookback = _series(dataset)
        x = np.lib.stride_tricks.sliding_window_view(values[:-1], lookback, axis=0)
        x, y, classification = x.transpose(0, 2, 1), values[lookback:, 0], False
        order = np.arange(len(y))  # time order: train, then validation, then test
        n_test = len(y) // 5
        test, rest = order[-n_test:], order[:-n_test]
        val, train = rest[-(len(rest) // 4) :], rest[: -(len(rest) // 4)]
    else:
        x, y, classification = _sequences(dataset)
        order = np.random.default_rng(0).permutation(len(y))
        n_test = round(0.3 * len(y))
        test, rest = order[:n_test], order[n_test:]
        val, train = rest[: round(0.25 * len(rest))], rest[round(0.25 * len(rest)) :]
    train = train[-min(n_train or TRAIN_CAP, TRAIN_CAP) :]
    if tiny:
        train, val, test = train[-48:], val[:24], test[:24]
    xs = _standardise([x[i] for i in (train, val, test)])
    ys = [y[i] for i in (train, val, test)]
    if classification:
        prior = np.bincount(ys[0], minlength=int(y.max()) + 1) / len(ys[0])
        baseline = float(-np.mean(np.log(np.clip(prior[ys[1]], 1e-15, 1))))
    else:
        mean, std = ys[0].mean(), ys[0].std()
        ys = [((v - mean) / std).astype(np.float32) for v in ys]
        baseline = float(np.mean(ys[1].astype(np.float64) ** 2))
    return Split(xs[0], ys[0], xs[1], ys[1], xs[2], ys[2], classification, baseline)


# --------------------------------------------------------------------------- training


def _keras() -> Any:
    """Keras, with TensorFlow single-threaded and deterministic (once per process)."""
    import keras
    import tensorflow as tf

    if tf.config.threading.get_intra_op_parallelism_threads() != 1:
        tf.config.threading.set_intra_op_parallelism_threads(1)
        tf.config.threading.set_inter_op_parallelism_threads(1)
        tf.config.experimental.enable_op_determinism()
    return keras


def build(
    config: Config, split: Split, *, units: tuple[int, ...], l2: float, dropout: float
) -> Any:
    """The compiled model: stacked recurrent layers, then a softmax or linear output."""
    keras = _keras()
    layer_cls = keras.layers.LSTM if config.cell == "lstm" else keras.layers.GRU
    inputs = keras.Input(shape=split.x_train.shape[1:])
    h = inputs
    for i, n in enumerate(units):
        layer = layer_cls(
            n,
            dropout=dropout,
            recurrent_dropout=config.recurrent_dropout,
            kernel_regularizer=keras.regularizers.L2(l2) if l2 else None,
            recurrent_regularizer=keras.regularizers.L2(l2) if l2 else None,
            return_sequences=i < len(units) - 1,
        )
        h = keras.layers.Bidirectional(layer)(h) if config.bidirectional else layer(h)
    n_out = int(split.y_train.max()) + 1 if split.classification else 1
    outputs = keras.layers.Dense(n_out, activation="softmax" if split.classification else None)(h)
    model = keras.Model(inputs, outputs)
    loss = "sparse_categorical_crossentropy" if split.classification else "mse"
    # a tiny check runs eagerly: tracing the graphs would cost more than its few steps
    model.compile(
        optimizer=keras.optimizers.Adam(config.lr),
        loss=loss,
        jit_compile=False,
        run_eagerly=config.tiny,
    )
    return model


def _per_sample(model: Any, split: Split) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each sample's loss on the three splits, dropout off (log loss or squared error)."""
    parts = (split.y_train, split.y_val, split.y_test)
    x = np.concatenate([split.x_train, split.x_val, split.x_test])
    y = np.concatenate(parts)
    out = np.asarray(model.predict_on_batch(x), dtype=np.float64)
    if split.classification:
        losses = -np.log(np.clip(out[np.arange(len(y)), y], 1e-15, 1.0))
    else:
        losses = (out[:, 0] - y) ** 2
    train, val, test = np.split(losses, np.cumsum([len(p) for p in parts])[:-1])
    return train, val, test


def fit(
    config: Config,
    split: Split,
    seed: int,
    *,
    epochs: int,
    units: tuple[int, ...],
    l2: float,
    dropout: float,
    measure: Callable[[int], bool],
) -> list[Measured]:
    """Train one model with ``model.fit``; after each epoch ``measure`` accepts (counted from
    0), the epoch, Keras' running loss and each sample's loss on the three splits."""
    keras = _keras()
    keras.utils.set_random_seed(seed)
    model = build(config, split, units=units, l2=l2, dropout=dropout)
    rows: list[Measured] = []

    class Measure(keras.callbacks.Callback):  # type: ignore[name-defined]
        def on_epoch_end(self, epoch: int, logs: dict[str, float] | None = None) -> None:
            if measure(epoch):
                rows.append((epoch, float((logs or {})["loss"]), _per_sample(model, split)))

    model.fit(
        split.x_train,
        split.y_train,
        batch_size=min(config.batch, len(split.y_train)),
        epochs=epochs,
        shuffle=True,
        verbose=0,
        callbacks=[Measure()],
    )
    keras.backend.clear_session()
    return rows


def run_seed(config: Config, seed: int) -> dict[str, Any]:
    """The curves of one seed and the test losses under each counterfactual action."""
    split = load_split(config.dataset, config.n_train, tiny=config.tiny)
    e = config.epochs
    curves = np.full((e, 5), np.nan)  # train, val, test, val trimmed, fit loss
    samples_by_epoch = np.full((e, len(split.y_test)), np.nan)
    more_samples = np.full(len(split.y_test), np.nan)
    for epoch, fit_loss, (train, val, test) in fit(
        config,
        split,
        seed,
        epochs=2 * e,
        units=config.units,
        l2=config.l2,
        dropout=config.dropout,
        measure=lambda i: i < e or i == 2 * e - 1,
    ):
        if epoch < e:
            curves[epoch] = train.mean(), val.mean(), test.mean(), trimmed_mean(val), fit_loss
            samples_by_epoch[epoch] = test
        else:
            more_samples = test
    wide = tuple(min(max(4 * n, 32), 128) for n in config.units)
    big = fit(
        config,
        split,
        seed,
        epochs=e,
        units=wide,
        l2=config.l2,
        dropout=config.dropout,
        measure=lambda i: i == e - 1,
    )
    reg = fit(
        config,
        split,
        seed,
        epochs=e,
        units=config.units,
        l2=max(30 * config.l2, 1e-3),
        dropout=max(config.dropout, 0.3),
        measure=lambda i: i == e - 1,
    )
    best = int(np.argmin(curves[:, 1]))
    samples = np.vstack(
        [
            samples_by_epoch[e - 1],
            more_samples,
            samples_by_epoch[best],
            big[-1][2][2],
            reg[-1][2][2],
        ]
    )
    return {
        "seed": seed,
        "curves": curves,
        "samples": samples.astype(np.float32),
        "train_fell": bool(curves[e - 1, 0] < curves[best, 0]),
        "sizes": (len(split.y_train), len(split.y_val), len(split.y_test)),
        "baseline_loss": split.baseline_loss,
    }


def run_config(config: Config) -> tuple[Config, list[dict[str, Any]], float]:
    """Every seed of one configuration, and the seconds it took."""
    start = time.perf_counter()
    runs = [run_seed(config, seed) for seed in SEEDS]
    return config, runs, time.perf_counter() - start


# ---------------------------------------------------------------------- configurations

# (tag, cell, units, epochs, settings): the same recipes on every dataset, chosen to span
# too short, too small, too large and well regularised models.
RECIPES: tuple[tuple[str, Literal["lstm", "gru"], tuple[int, ...], int, dict[str, Any]], ...] = (
    ("lstm16_e15", "lstm", (16,), 15, {}),
    ("gru32_e100", "gru", (32,), 100, {"lr": 3e-3}),
    ("lstm4_e120_lr1e-2", "lstm", (4,), 120, {"lr": 1e-2}),
    (
        "bilstm32_e80_drop",
        "lstm",
        (32,),
        80,
        {"bidirectional": True, "dropout": 0.3, "recurrent_dropout": 0.2},
    ),
    ("gru32x2_e150_small", "gru", (32, 32), 150, {"lr": 3e-3, "n_train": 60}),
    ("lstm16_e300_lr1e-4", "lstm", (16,), 300, {"lr": 1e-4, "n_train": 120}),
    ("gru16_e60_l2", "gru", (16,), 60, {"lr": 3e-3, "l2": 1e-2}),
    ("bigru16_e40_lr1e-2", "gru", (16,), 40, {"bidirectional": True, "lr": 1e-2}),
    ("lstm2_e200", "lstm", (2,), 200, {"lr": 3e-3, "n_train": 200}),
    ("gru64_e200_small", "gru", (64,), 200, {"n_train": 40}),
    ("lstm16x2_e60_rdrop", "lstm", (16, 16), 60, {"lr": 3e-3, "recurrent_dropout": 0.3}),
    ("gru8_e30_lr3e-4", "gru", (8,), 30, {"lr": 3e-4}),
)


def configurations() -> list[Config]:
    """Every recipe on every dataset, datasets interleaved: a partial run covers them all."""
    datasets = [d for pair in zip(SEQUENCE_SETS, SERIES_SETS, strict=True) for d in pair]
    return [
        Config(f"{ds}_{tag}", ds, cell, units, epochs, **kw)
        for tag, cell, units, epochs, kw in RECIPES
        for ds in datasets
    ]


def tiny_configurations() -> list[Config]:
    """Two small configurations (few samples, few epochs) for a quick check."""
    return [
        Config("digits_tiny_lstm", "digits", "lstm", (4, 4), 2, l2=1e-3, tiny=True),
        Config(
            "sunspots_tiny_bigru",
            "sunspots",
            "gru",
            (4,),
            2,
            bidirectional=True,
            dropout=0.2,
            tiny=True,
        ),
    ]


# ------------------------------------------------------------------------------ output


def _write_atomic(path: Path, write: Callable[[Path], None]) -> None:
    """Write through a temporary file in the same folder, then rename it into place."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    os.chmod(tmp, 0o644)  # as an ordinary new file, not mkstemp's owner-only mode
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)


def _gzip(path: Path, data: bytes) -> None:
    # no file name (it would be the temporary one) and no time stamp in the header: the same
    # curves give the same bytes
    with path.open("wb") as raw, gzip.GzipFile("", "wb", 9, raw, mtime=0) as f:
        f.write(data)


def _savez(path: Path, samples: np.ndarray) -> None:
    with path.open("wb") as f:  # a file object: numpy would append ".npz" to the name
        np.savez_compressed(f, samples=samples)


def curve_frame(runs: list[dict[str, Any]]) -> pd.DataFrame:
    """The curve file's rows: one per seed and epoch."""
    return pd.concat(
        [
            pd.DataFrame(
                {
                    "seed": r["seed"],
                    "epoch": np.arange(1, len(r["curves"]) + 1),
                    "train_loss": r["curves"][:, 0],
                    "val_loss": r["curves"][:, 1],
                    "val_loss_trimmed": r["curves"][:, 3],
                    "test_loss": r["curves"][:, 2],
                    "fit_loss": r["curves"][:, 4],
                }
            )
            for r in runs
        ]
    )


def save(out: Path, config: Config, runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Write one configuration's curves and test samples; return its ``labels.json`` entry."""
    frame = curve_frame(runs)
    text = frame.to_csv(index=False, float_format="%.7g").encode()
    _write_atomic(out / f"{config.name}.csv.gz", lambda p: _gzip(p, text))
    samples = np.stack([r["samples"] for r in runs])
    _write_atomic(out / f"{config.name}.test.npz", lambda p: _savez(p, samples))
    n_train, n_val, n_test = runs[0]["sizes"]
    return entry(
        samples,
        [r["train_fell"] for r in runs],
        {
            "dataset": config.dataset,
            "held_out": config.dataset in held_out_datasets(),
            "n_train": n_train,
            "n_val": n_val,
            "n_test": n_test,
            "baseline_loss": runs[0]["baseline_loss"],
            "config": {
                k: v
                for k, v in dataclasses.asdict(config).items()
                if k not in ("name", "dataset", "tiny")
            },
        },
    )


def write_labels(out: Path, labels: dict[str, dict[str, Any]]) -> None:
    """Write ``labels.json`` atomically."""
    text = json.dumps(labels, indent=1, sort_keys=True) + "\n"
    _write_atomic(out / "labels.json", lambda p: _write_text(p, text))


def _write_text(path: Path, text: str) -> None:
    path.write_text(text)


def held_out_sha256(labels: dict[str, dict[str, Any]]) -> str:
    """SHA-256 of the canonical JSON of the held-out entries (sorted keys, no spaces)."""
    held = {k: v for k, v in labels.items() if v.get("held_out")}
    canonical = json.dumps(held, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def relabel(out: Path, labels: dict[str, dict[str, Any]]) -> None:
    """Label every configuration again from its stored test samples (no training)."""
    keep = ("dataset", "held_out", "n_train", "n_val", "n_test", "baseline_loss", "config")
    for name, old in labels.items():
        path = out / f"{name}.test.npz"
        if path.is_file():
            with np.load(path) as data:
                labels[name] = entry(data["samples"], old["train_fell"], {k: old[k] for k in keep})


def _problem(args: argparse.Namespace) -> str | None:
    """What is wrong with the command line, in one line, or ``None``."""
    if args.jobs < 1 or (args.limit is not None and args.limit < 1):
        return (
            f"--jobs and --limit must be at least 1, but got --jobs={args.jobs} "
            f"--limit={args.limit}"
        )
    if args.out.exists() and not args.out.is_dir():
        return f"--out must be a folder, but got --out={args.out}, a file"
    known = {c.name for c in (tiny_configurations() if args.tiny else configurations())}
    unknown = sorted(set(args.only or ()) - known)
    if unknown:
        return (
            f"--only must name configurations of the list, but got {', '.join(unknown)}; "
            "the names are dataset_recipe, e.g. digits_gru32_e100"
        )
    return None


def main(argv: list[str] | None = None) -> None:
    """Train the configurations not yet finished (or relabel) and write the corpus."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=1, help="configurations in parallel")
    parser.add_argument("--only", nargs="*", help="configuration names to make")
    parser.add_argument("--limit", type=int, help="only the first N configurations of the list")
    parser.add_argument("--tiny", action="store_true", help="two small configurations")
    parser.add_argument("--out", type=Path, default=OUT, help="output folder")
    parser.add_argument(
        "--relabel",
        action="store_true",
        help="label again from the stored test samples, without training",
    )
    args = parser.parse_args(argv)
    problem = _problem(args)
    if problem:
        print(problem, file=sys.stderr)
        sys.exit(2)
    args.out.mkdir(parents=True, exist_ok=True)
    labels_path = args.out / "labels.json"
    labels = json.loads(labels_path.read_text()) if labels_path.is_file() else {}
    start = time.perf_counter()
    if args.relabel:
        relabel(args.out, labels)
    else:
        chosen = tiny_configurations() if args.tiny else configurations()
        chosen = [c for c in chosen if not args.only or c.name in args.only][: args.limit]
        todo = [
            c
            for c in chosen
            if not (
                c.name in labels
                and (args.out / f"{c.name}.csv.gz").is_file()
                and (args.out / f"{c.name}.test.npz").is_file()
            )
        ]
        print(
            f"{len(chosen) - len(todo)} of {len(chosen)} configurations already made", flush=True
        )
        results = Parallel(n_jobs=args.jobs, return_as="generator_unordered")(
            delayed(run_config)(c) for c in todo
        )
        for config, runs, seconds in results:
            labels[config.name] = save(args.out, config, runs)
            write_labels(args.out, labels)
            print(
                f"{config.name}: {labels[config.name]['label']} ({seconds:.0f} s; "
                f"{time.perf_counter() - start:.0f} s in all)",
                flush=True,
            )
    write_labels(args.out, labels)
    counts = pd.DataFrame(
        [(v["label_unchecked"], v["label"]) for v in labels.values()],
        columns=["unchecked", "checked"],
    ).fillna("dropped")
    if len(counts):
        print(pd.crosstab(counts.unchecked, counts.checked, margins=True).to_string())
    print(
        f"{len(labels)} configurations; held-out datasets "
        f"{', '.join(sorted(held_out_datasets()))}; held-out labels SHA-256 "
        f"{held_out_sha256(labels)}"
    )


if __name__ == "__main__":
    main()
