"""The task's scaling beside a kept model: raw inputs in, predictions in the target's units."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from study.runner import KeptModel
from study.tasks import TaskData, load_task, make_spec

LOOKBACK = 5
ROWS = 80
VALIDATION = 0.25
# A univariate series in units far from standardised ones (as sunspot counts are).
SERIES_SPACE = f"""family = "lstm"
task = {{ csv = "counts.csv", target = "count", lookback = {LOOKBACK}, validation = {VALIDATION} }}
seeds = 1

[params]
units = 8
epochs = 20
learning_rate = 0.02
"""


def _counts(folder: Path) -> np.ndarray:
    steps = np.arange(ROWS)
    noise = np.random.default_rng(1).normal(scale=5.0, size=ROWS)
    counts = np.round(80.0 + 40.0 * np.sin(steps / 5.0) + noise, 1)
    (folder / "counts.csv").write_text("count\n" + "\n".join(map(str, counts)) + "\n")
    return counts


def _two_columns(folder: Path) -> np.ndarray:
    rng = np.random.default_rng(2)
    table = np.round(np.column_stack([rng.normal(50, 10, ROWS), rng.normal(-3, 0.5, ROWS)]), 4)
    lines = [f"{2000 + i},{a:.4f},{b:.4f}" for i, (a, b) in enumerate(table)]
    (folder / "two.csv").write_text("year,a,b\n" + "\n".join(lines) + "\n")
    return table


def test_a_csv_series_keeps_the_scaling_fitted_on_its_training_rows(tmp_path: Path) -> None:
    table = _two_columns(tmp_path)
    spec = {"csv": "two.csv", "target": "b", "time": "year", "lookback": 3, "validation": 0.25}
    data = load_task(make_spec(spec, tmp_path))
    n_train = ROWS - round(ROWS * 0.25)
    assert data.input_scaling is not None and data.target_scaling is not None
    np.testing.assert_allclose(data.input_scaling.mean, table[:n_train].mean(axis=0))
    np.testing.assert_allclose(data.input_scaling.scale, table[:n_train].std(axis=0))
    np.testing.assert_allclose(
        data.target_scaling.invert(data.y_val)[:, 0], table[n_train:, 1], atol=1e-4
    )
    np.testing.assert_allclose(
        data.input_scaling.apply(table[:3]), data.x_train[0], atol=1e-5
    )  # The first training window is made of the first three rows.


def test_a_classification_task_scales_its_inputs_only() -> None:
    data = load_task(make_spec("wine"))
    assert data.input_scaling is not None and data.target_scaling is None


def test_a_task_that_does_not_scale_keeps_no_scaling() -> None:
    data = load_task(make_spec("sequence"))
    assert data.input_scaling is None and data.target_scaling is None


def _unscaled_windows() -> TaskData:
    x = np.arange(2 * 3 * 4 * 2, dtype=np.float32).reshape(6, 4, 2)
    y = np.arange(6, dtype=np.float32)[:, None]
    return TaskData("raw", "regression", x[:3], y[:3], x[3:], y[3:], "mse")


def test_without_scaling_the_kept_model_passes_values_through() -> None:
    kept = KeptModel(trial=0, seed=0, data=_unscaled_windows(), input_shape=(4, 2))
    window = np.ones((4, 2))
    np.testing.assert_array_equal(kept.scale_inputs(window), window[None].astype(np.float32))
    np.testing.assert_array_equal(kept.unscale(np.array([[2.5]])), [[2.5]])
    assert kept.lookback == 4


def test_an_mlps_inputs_are_each_window_flattened() -> None:
    kept = KeptModel(trial=0, seed=0, data=_unscaled_windows(), input_shape=(8,))
    windows = np.arange(2 * 4 * 2, dtype=np.float64).reshape(2, 4, 2)
    np.testing.assert_array_equal(kept.scale_inputs(windows), windows.reshape(2, 8))


def test_raw_samples_of_another_shape_are_refused() -> None:
    kept = KeptModel(trial=0, seed=0, data=_unscaled_windows(), input_shape=(4, 2))
    with pytest.raises(ValueError, match=r"must end with one sample's shape \(4, 2\)"):
        kept.scale_inputs(np.ones((4, 3)))


@pytest.mark.e2e
def test_a_kept_series_model_predicts_in_the_targets_units_from_raw_rows(workdir: Path) -> None:
    from study.cli import main
    from study.runner import load_model

    counts = _counts(workdir)
    (workdir / "counts.toml").write_text(SERIES_SPACE)
    argv = ["run", "--space", "counts.toml", "--study", "c", "--trials", "1", "--jobs", "1"]
    assert main([*argv, "--no-report"]) == 0
    model, kept = load_model("c")
    assert kept.lookback == LOOKBACK
    # The last validation window predicts the last row from the rows before it.
    window = counts[-LOOKBACK - 1 : -1].reshape(LOOKBACK, 1)
    scaled = kept.scale_inputs(window)
    np.testing.assert_allclose(scaled[0], kept.data.x_val[-1], atol=1e-5)
    predicted = kept.unscale(model.predict(scaled, verbose=0))
    train = counts[: ROWS - round(ROWS * VALIDATION)]
    engine = model.predict(kept.data.x_val[-1:], verbose=0) * train.std() + train.mean()
    np.testing.assert_allclose(predicted, engine, rtol=1e-5)
    assert predicted.shape == (1, 1)
    assert counts.min() - 40.0 < predicted[0, 0] < counts.max() + 40.0  # counts, not z-scores
    assert abs(predicted[0, 0]) > 20.0
