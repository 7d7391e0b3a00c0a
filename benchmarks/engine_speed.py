"""Speed and memory of study's training engine against ``model.fit`` on the same work.

Run ``python -m benchmarks.engine_speed`` for the whole grid (hours on two cores: the LSTM(128)
cells at 100k windows dominate), ``--quick`` for a subset that fits a CI budget of a few
minutes, or ``--cells PATTERN`` for the cells whose name contains PATTERN.

Cells: LSTM (and GRU, bidirectional LSTM) with lookback 30 on a generated noisy series, N
training windows in {1k, 10k, 100k}, units in {32, 128}, batch in {32, 512}; an MLP 2x256 on
50k tabular rows (20 features, binary), batch 128; the two tutorial toys (``sequence``
LSTM(10) on 5 samples, ``moons`` MLP(500) on 30 samples).

Each cell runs in its own process with one TensorFlow thread. In that process, repeat after
repeat, the engine trains K = 1 and K = 5 seeds and ``model.fit(validation_data=...)``
trains one seed, each for the same few epochs (a full training would take hours at 100k
windows; on the toys the engine runs 400 epochs per call and ``model.fit`` 20); the table
gives medians of the repeats of seconds per seed-epoch and the speed-up
``model.fit / engine`` (above 1: the engine is faster). ``rss`` is the process's peak resident
memory after the engine's first repeat, before ``model.fit`` has run in it;
``trace 1st / 2nd`` is the wall time of a one-epoch trial of a fresh structure, then of a
second trial of the same structure with other values (learning rate, batch size 1.5x).
The last row times ``python -m study --help``. ``--optimizer-leak`` measures instead the
memory a Keras optimizer keeps per trial inside ``tf.function`` (see
``study/engine/_optimizers.py``).
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np

from study.params import Family, TrialParams
from study.tasks._base import TaskData

KS = (1, 5)
LOOKBACK = 30


@dataclasses.dataclass(frozen=True)
class Cell:
    """One benchmark cell: a problem, its parameters and the epochs timed per repeat."""

    name: str
    family: Family
    data: str
    n: int
    params: TrialParams
    epochs: int
    quick: bool = False
    fit_epochs: int = 0


def grid() -> list[Cell]:
    """Return every cell of the benchmark, the quick ones flagged."""
    cells = [
        Cell("toy sequence LSTM(10)", "lstm", "sequence", 5, TrialParams(units=10), 400, True, 20),
        Cell("toy moons MLP(500)", "mlp", "moons", 30, TrialParams(units=500), 400, True, 20),
    ]
    for n in (1_000, 10_000, 100_000):
        for units in (32, 128):
            for batch in (32, 512):
                params = TrialParams(units=units, batch_size=batch)
                epochs = {1_000: 8, 10_000: 2, 100_000: 1}[n]
                quick = (n, units) == (1_000, 32) or (n, units, batch) == (10_000, 32, 512)
                name = f"LSTM({units}) N={n // 1000}k b={batch}"
                cells.append(Cell(name, "lstm", "series", n, params, epochs, quick))
    for cell, bidirectional in (("gru", False), ("lstm", True), ("gru", True)):
        params = TrialParams(units=32, batch_size=32, cell=cell, bidirectional=bidirectional)
        label = ("Bi" if bidirectional else "") + cell.upper()
        for n in (1_000, 10_000):
            name = f"{label}(32) N={n // 1000}k b=32"
            epochs = 8 if n < 10_000 else 2
            cells.append(Cell(name, "lstm", "series", n, params, epochs, n < 10_000))
    mlp = TrialParams(units=256, layers=2, batch_size=128)
    cells.append(Cell("MLP 2x256 50k rows b=128", "mlp", "tabular", 50_000, mlp, 2, True))
    return cells


def make_data(kind: str, n: int) -> TaskData:
    """Return the cell's data: ``n`` training samples and ``n // 5`` validation samples."""
    rng = np.random.default_rng(0)
    n_val = max(n // 5, 2)
    if kind == "series":
        t = np.arange(n + n_val + LOOKBACK, dtype=np.float32)
        s = np.sin(0.07 * t) + 0.5 * np.sin(0.011 * t) + 0.1 * rng.normal(size=t.shape)
        windows = np.arange(n + n_val)[:, None] + np.arange(LOOKBACK)[None]
        x = s[windows][..., None].astype(np.float32)
        y = s[np.arange(n + n_val) + LOOKBACK][:, None].astype(np.float32)
        return TaskData("series", "regression", x[:n], y[:n], x[n:], y[n:], "mse")
    if kind == "tabular":
        x = rng.normal(size=(n + n_val, 20)).astype(np.float32)
        y = (np.sin(x[:, :1]) + x[:, 1:2] * x[:, 2:3] > 0).astype(np.float32)
        return TaskData("tab", "binary", x[:n], y[:n], x[n:], y[n:], "binary_crossentropy")
    from study.tasks import load_task

    return load_task(kind)


def forward_flops(cell: Cell, data: TaskData) -> float:
    """Return the multiply-add FLOPs (2 per multiply-add) of one sample's forward pass.

    Matrix products only: a recurrent layer's input and recurrent products at every step (per
    direction), a dense layer's product; the element-wise gate arithmetic is left out (a few
    per cent of an LSTM(128)'s).
    """
    params, features = cell.params, int(data.x_train.shape[-1])
    if cell.family == "mlp":
        widths = [features] + [params.units] * params.layers + [1]
        return float(sum(2 * a * b for a, b in itertools.pairwise(widths)))
    gates = {"lstm": 4, "gru": 3}[params.cell]
    directions = 2 if params.bidirectional else 1
    total, inputs = 0.0, features
    for _ in range(params.layers):
        per_step = 2 * gates * params.units * (inputs + params.units)
        total += directions * LOOKBACK * per_step
        inputs = directions * params.units
    return total + 2 * inputs


def epoch_gflop(cell: Cell, data: TaskData) -> float:
    """Return the GFLOP of one ``model.fit`` epoch with validation: a training step costs
    about three forward passes (forward, then the backward pass's two products per product),
    validation one forward pass per sample."""
    forward = forward_flops(cell, data)
    return (3 * forward * len(data.x_train) + forward * len(data.x_val)) / 1e9


def peak_gflops(repeats: int = 5) -> float:
    """Return the best GFLOP/s of a 1024 x 1024 float32 matrix product on one thread."""
    import tensorflow as tf

    from study.engine import configure_threads

    configure_threads(1)
    a = tf.random.normal([1024, 1024])
    product = tf.function(lambda: tf.reduce_sum(tf.matmul(a, a)))
    product()
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        for _ in range(10):
            product()
        best = min(best, (time.perf_counter() - started) / 10)
    return 2 * 1024**3 / best / 1e9


def _fit_seconds(cell: Cell, data: TaskData, model: object, epochs: int) -> float:
    """Return ``model.fit``'s seconds per epoch: the median epoch after the first when it runs
    three or more epochs (so its per-call overhead is not counted), else the call's mean."""
    import keras

    ticks: list[float] = []
    clock = keras.callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: ticks.append(time.perf_counter())
    )
    started = time.perf_counter()
    model.fit(  # type: ignore[attr-defined]
        data.x_train,
        data.y_train,
        batch_size=cell.params.batch_size,
        epochs=epochs,
        validation_data=(data.x_val, data.y_val),
        shuffle=data.shuffle,
        verbose=0,
        callbacks=[clock],
    )
    if epochs >= 3:
        return float(np.median(np.diff(ticks)))
    return (time.perf_counter() - started) / epochs


def _engine_seconds(cell: Cell, data: TaskData, k: int) -> float:
    from study.engine import train_seeds

    params = dataclasses.replace(cell.params, epochs=cell.epochs)
    started = time.perf_counter()
    curves = train_seeds(cell.family, params, data, list(range(k)), chunk_epochs=cell.epochs)
    if curves[0].error:
        raise RuntimeError(curves[0].error)
    return (time.perf_counter() - started) / (k * cell.epochs)


def _trace_seconds(cell: Cell, data: TaskData) -> tuple[float, float]:
    """Time a one-epoch trial of a fresh structure, then one of the same structure."""
    from study.engine import clear_graphs, train_seeds

    small = dataclasses.replace(
        data,
        x_train=data.x_train[:256],
        y_train=data.y_train[:256],
        x_val=data.x_val[:64],
        y_val=data.y_val[:64],
    )
    first = dataclasses.replace(cell.params, epochs=1)
    # Another batch size on the same side of the step-by-step input threshold (a batch size
    # across it traces a second graph, once per structure: see study/engine/_recurrent.py).
    batch = first.batch_size + max(first.batch_size // 2, 1)
    second = dataclasses.replace(first, learning_rate=0.01, l2=first.l2, batch_size=batch)
    clear_graphs()
    times = []
    for params in (first, second):
        started = time.perf_counter()
        train_seeds(cell.family, params, small, list(range(max(KS))))
        times.append(time.perf_counter() - started)
    for k in KS:  # Every timed stack size starts traced, even with a single repeat.
        train_seeds(cell.family, first, small, list(range(k)))
    return times[0], times[1]


def run_cell(cell: Cell, repeats: int) -> dict[str, float]:
    """Measure one cell in this process; return its medians (seconds per seed-epoch)."""
    from study.engine import configure_threads

    configure_threads(1)
    from study.models import build_keras_model

    data = make_data(cell.data, cell.n).for_family(cell.family)
    trace = _trace_seconds(cell, data)
    model = build_keras_model(cell.family, cell.params, data, seed=0)
    warm = dataclasses.replace(data, x_train=data.x_train[:64], y_train=data.y_train[:64])
    _fit_seconds(cell, warm, model, 1)  # builds model.fit's graphs outside the timing
    times: dict[str, list[float]] = {"fit": [], **{f"K={k}": [] for k in KS}}
    rss = 0.0
    for repeat in range(repeats):
        for k in KS:
            times[f"K={k}"].append(_engine_seconds(cell, data, k))
        if repeat == 0:
            rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        times["fit"].append(_fit_seconds(cell, data, model, cell.fit_epochs or cell.epochs))
    result = {name: statistics.median(values) for name, values in times.items()}
    gflops = epoch_gflop(cell, data) / result["fit"]
    return {
        **result,
        "rss_mb": rss,
        "trace_first": trace[0],
        "trace_second": trace[1],
        "fit_gflops": gflops,
    }


def help_seconds(repeats: int) -> float:
    """Return the median wall time of ``python -m study --help``."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "study", "--help"], capture_output=True, check=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def optimizer_leak(trials: int = 60) -> dict[str, tuple[float, float]]:
    """Return, per optimizer implementation, the memory kept per trial (MB) and seconds per trial.

    Each trial makes a fresh optimizer and step function over a 5-seed stack of an MLP's
    weights and takes 20 Adam steps, as a worker running one trial after another would.
    """
    import gc

    import tensorflow as tf

    from study.engine import configure_threads
    from study.engine._optimizers import StackedOptimizer
    from study.models import make_optimizer

    configure_threads(1)
    shapes = [(5, 64, 256), (5, 256), (5, 256, 1), (5, 1)]

    def trial(kind: str) -> float:
        weights = [tf.Variable(tf.random.normal(shape)) for shape in shapes]
        if kind == "keras.optimizers.Adam":
            keras_adam = make_optimizer(TrialParams())
            step = tf.function(
                lambda: keras_adam.apply_gradients([(tf.ones_like(w), w) for w in weights])
            )
        else:
            stacked = StackedOptimizer("adam", weights)
            stacked.reset(0.001)
            step = tf.function(lambda: stacked.apply([tf.ones_like(w) for w in weights], weights))
        started = time.perf_counter()
        for _ in range(20):
            step()
        return time.perf_counter() - started

    out = {}
    for kind in ("keras.optimizers.Adam", "StackedOptimizer"):
        trial(kind)
        gc.collect()
        before, seconds = _rss_now(), []
        for _ in range(trials):
            seconds.append(trial(kind))
            gc.collect()
        out[kind] = ((_rss_now() - before) / trials, statistics.median(seconds))
    return out


def _rss_now() -> float:
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith("VmRSS"))
    return int(line.split()[1]) / 1024


def _row(name: str, result: dict[str, float]) -> str:
    fit = result["fit"]
    parts = [f"{name:<26}", f"{fit:>10.4f}"]
    for k in KS:
        engine = result[f"K={k}"]
        parts += [f"{engine:>10.4f}", f"{fit / engine:>7.2f}x"]
    parts += [
        f"{result['rss_mb']:>7.0f}",
        f"{result['trace_first']:>6.1f} / {result['trace_second']:<5.2f}",
        f"{result.get('fit_gflops', float('nan')):>6.1f}",
    ]
    return " ".join(parts)


def main(argv: list[str] | None = None) -> None:
    """Print the benchmark table, one cell per process."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the CI-sized subset")
    parser.add_argument("--cells", default="", help="only cells whose name contains this")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--peak", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument(
        "--optimizer-leak",
        action="store_true",
        help="only measure the memory Keras optimizers keep per trial inside tf.function",
    )
    args = parser.parse_args(argv)
    if args.optimizer_leak:
        for kind, (mb, seconds) in optimizer_leak().items():
            print(f"{kind:<24} {mb * 1024:>8.0f} KB kept per trial {seconds:>8.3f} s per trial")
        return
    if args.peak:
        print(f"{peak_gflops():.1f}")
        return
    cells = {cell.name: cell for cell in grid()}
    if args.one:
        print(json.dumps(run_cell(cells[args.one], args.repeats)))
        return
    chosen = [c for c in cells.values() if (c.quick or not args.quick) and args.cells in c.name]
    header = (
        f"{'cell':<26} {'fit s/ep':>10} {'K=1 s/sep':>10} {'ratio':>8} {'K=5 s/sep':>10} "
        f"{'ratio':>8} {'rss MB':>7} {'trace 1st / 2nd s'} {'fit GF/s':>8}"
    )
    print(header, "\n" + "-" * len(header), flush=True)
    for cell in chosen:
        command = [
            sys.executable,
            "-m",
            "benchmarks.engine_speed",
            "--one",
            cell.name,
            "--repeats",
            str(args.repeats),
        ]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            print(f"{cell.name:<26} failed: {done.stderr.strip().splitlines()[-1:]}", flush=True)
            continue
        print(_row(cell.name, json.loads(done.stdout.strip().splitlines()[-1])), flush=True)
    print(f"\n`python -m study --help`: {help_seconds(args.repeats):.2f} s wall (median)")
    peak = subprocess.run(
        [sys.executable, "-m", "benchmarks.engine_speed", "--peak"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()[-1]
    print(f"One core's float32 peak (best 1024x1024 matrix product, one thread): {peak} GFLOP/s")
    print(
        f"Medians of {args.repeats} interleaved repeats, one TensorFlow thread, CPU only; "
        "s/ep: seconds per epoch of model.fit (one seed, with validation_data); s/sep: the "
        "engine's seconds per seed-epoch (train step, dropout-off train and validation "
        "evaluation); ratio: model.fit / engine; fit GF/s: model.fit's matrix-product "
        "GFLOP per epoch (training about 3 forward passes per sample, validation 1) over its "
        "seconds per epoch: no seed stacking can go faster than the core's peak."
    )


if __name__ == "__main__":
    main()
