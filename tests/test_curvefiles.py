from __future__ import annotations

import json
import pickle
from pathlib import Path

import numpy as np
import pytest

from study.curvefiles import (
    MIN_EPOCHS,
    CurveContext,
    check_same_length,
    read_curve_file,
    read_trial_curves,
)
from study.errors import InputError


def _keras_csv(path: Path, n: int = 20, **extra: list[float]) -> Path:
    loss = np.linspace(1.0, 0.2, n)
    columns = {
        "epoch": list(range(n)),
        "accuracy": list(np.linspace(0.5, 0.9, n)),
        "loss": list(loss),
        "val_accuracy": list(np.linspace(0.5, 0.8, n)),
        "val_loss": list(loss * 1.1),
        **extra,
    }
    lines = [",".join(columns)] + [",".join(str(columns[c][i]) for c in columns) for i in range(n)]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_reads_a_keras_csvlogger_file(tmp_path: Path) -> None:
    curves = read_curve_file(_keras_csv(tmp_path / "log.csv"), seed=3)
    assert curves.seed == 3
    assert curves.epochs_trained == 20
    assert curves.train_metric is not None and curves.val_metric is not None
    assert curves.val_loss[0] == pytest.approx(1.1)


def test_keras_loss_is_both_train_and_fit_loss(tmp_path: Path) -> None:
    curves = read_curve_file(_keras_csv(tmp_path / "log.csv"))
    assert curves.fit_loss is not None
    np.testing.assert_array_equal(curves.fit_loss, curves.train_loss)


def test_reads_history_json(tmp_path: Path) -> None:
    path = tmp_path / "history.json"
    path.write_text(json.dumps({"loss": [1, 0.5, 0.4, 0.3, 0.3, 0.2], "val_loss": [1] * 6}))
    curves = read_curve_file(path)
    assert curves.epochs_trained == 6
    assert curves.train_metric is None


def test_reads_wrapped_history_json(tmp_path: Path) -> None:
    path = tmp_path / "history.json"
    path.write_text(json.dumps({"history": {"loss": [1.0] * 6, "val_loss": [1.0] * 6}}))
    assert read_curve_file(path).epochs_trained == 6


def test_reads_a_study_curve_csv(tmp_path: Path) -> None:
    path = tmp_path / "curve.csv"
    rows = ["epoch,train_loss,val_loss,fit_loss,train_metric,val_metric"]
    rows += [f"{i},{1 / (i + 1)},{1.1 / (i + 1)},{1.3 / (i + 1)},," for i in range(8)]
    path.write_text("\n".join(rows))
    curves = read_curve_file(path)
    assert curves.fit_loss is not None and curves.fit_loss[0] == pytest.approx(1.3)
    assert curves.train_metric is None  # an empty column is no metric


def test_reads_the_trimmed_validation_loss_of_a_study_curve_csv(tmp_path: Path) -> None:
    path = tmp_path / "curve.csv"
    rows = ["epoch,train_loss,val_loss,val_loss_trimmed"]
    rows += [f"{i},{1 / (i + 1)},{1.1 / (i + 1)},{0.9 / (i + 1)}" for i in range(8)]
    path.write_text("\n".join(rows))
    trimmed = read_curve_file(path).val_loss_trimmed
    assert trimmed is not None and trimmed[0] == pytest.approx(0.9)


def test_a_negative_trimmed_validation_loss_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "curve.csv"
    rows = ["epoch,train_loss,val_loss,val_loss_trimmed"]
    rows += [f"{i},{1 / (i + 1)},{1.1 / (i + 1)},{-1 if i == 3 else 0.9}" for i in range(8)]
    path.write_text("\n".join(rows))
    assert "negative val loss trimmed (-1 at epoch 4)" in _error(path)


def test_nan_values_are_kept_for_the_diagnosis(tmp_path: Path) -> None:
    path = tmp_path / "history.json"
    path.write_text(
        '{"loss": [1, 0.5, 0.4, NaN, NaN, NaN], "val_loss": [1, 0.6, 0.5, NaN, NaN, NaN]}'
    )
    curves = read_curve_file(path)
    assert np.isnan(curves.val_loss[-1])


def _error(path: Path) -> str:
    with pytest.raises(InputError) as info:
        read_curve_file(path)
    message = str(info.value)
    assert "\n" not in message
    assert str(path) in message
    return message


def test_missing_file(tmp_path: Path) -> None:
    assert "does not exist" in _error(tmp_path / "nope.csv")


def test_missing_columns_lists_the_columns_found(tmp_path: Path) -> None:
    path = tmp_path / "log.csv"
    path.write_text("epoch,acc,val_acc\n" + "\n".join(f"{i},0.5,0.5" for i in range(10)))
    message = _error(path)
    assert "'val_loss'" in message and "found: epoch, acc, val_acc" in message


def test_too_few_epochs(tmp_path: Path) -> None:
    message = _error(_keras_csv(tmp_path / "log.csv", n=MIN_EPOCHS - 1))
    assert f"at least {MIN_EPOCHS}" in message


def test_all_nan(tmp_path: Path) -> None:
    path = tmp_path / "log.csv"
    path.write_text("epoch,loss,val_loss\n" + "\n".join(f"{i},0.5,nan" for i in range(10)))
    assert "no numeric value" in _error(path)


def test_binary_file_is_not_csv_or_json(tmp_path: Path) -> None:
    path = tmp_path / "model.pkl"
    path.write_bytes(pickle.dumps({"loss": [1.0] * 10}))
    message = _error(path)
    assert "not a CSV or JSON" in message or "binary" in message


def test_broken_json(tmp_path: Path) -> None:
    path = tmp_path / "history.json"
    path.write_text('{"loss": [1, 2,')
    assert "not valid JSON" in _error(path)


def test_json_list_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "history.json"
    path.write_text("[1, 2, 3]")
    assert "not an object of lists" in _error(path)


def test_unequal_json_series(tmp_path: Path) -> None:
    path = tmp_path / "history.json"
    path.write_text(json.dumps({"loss": [1.0] * 6, "val_loss": [1.0] * 7}))
    assert "different lengths" in _error(path)


def test_check_same_length(tmp_path: Path) -> None:
    a = read_curve_file(_keras_csv(tmp_path / "a.csv", n=10))
    b = read_curve_file(_keras_csv(tmp_path / "b.csv", n=12))
    check_same_length([a, a], ["a.csv", "a2.csv"])
    with pytest.raises(InputError, match=r"`b.csv` has 12 epochs but `a.csv` has 10"):
        check_same_length([a, b], ["a.csv", "b.csv"])


def test_empty_optional_columns_are_left_out(tmp_path: Path) -> None:
    path = tmp_path / "curve.csv"
    rows = ["epoch,train_loss,val_loss,fit_loss,train_metric,val_metric"]
    rows += [f"{i},{1 / (i + 1)},{1.1 / (i + 1)},,," for i in range(8)]
    path.write_text("\n".join(rows))
    curves = read_curve_file(path)
    assert curves.fit_loss is None and curves.train_metric is None


def test_deeply_nested_json_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text('{"loss": ' + "[" * 200_000 + "]" * 200_000 + "}")
    with pytest.raises(InputError, match="nests JSON too deeply"):
        read_curve_file(path)


def test_repeated_column_names_are_refused(tmp_path: Path) -> None:
    path = _keras_csv(tmp_path / "log.csv")
    lines = path.read_text().splitlines()
    path.write_text("\n".join(line + "," + line.split(",")[2] for line in lines) + "\n")
    with pytest.raises(InputError, match="column name 'loss' appears 2 times"):
        read_curve_file(path)


def test_negative_loss_is_refused(tmp_path: Path) -> None:
    path = _keras_csv(tmp_path / "log.csv", val_loss=list(np.linspace(-1.0, -2.0, 20)))
    with pytest.raises(InputError, match=r"negative val loss \(-1 at epoch 1\).*--allow-negative"):
        read_curve_file(path)


def test_negative_values_are_read_when_allowed(tmp_path: Path) -> None:
    path = _keras_csv(tmp_path / "log.csv", val_loss=list(np.linspace(-1.0, -2.0, 20)))
    curves = read_curve_file(path, allow_negative=True)
    assert curves.val_loss[0] == -1.0


def _long_export(path: Path, **context: object) -> Path:
    """One trial's curves in the long layout of ``study export``, with context columns."""
    rows = ["trial,seed,epoch,series,value," + ",".join(context)]
    extra = ",".join(str(v) for v in context.values())
    for seed in (0, 1):
        for epoch in range(1, 8):
            for series, value in (("train_loss", 1 / epoch), ("val_loss", 1.1 / epoch)):
                rows.append(f"3,{seed},{epoch},{series},{value},{extra}")
    path.write_text("\n".join(rows) + "\n")
    return path


def test_an_export_carries_each_seeds_validation_size_and_the_trials_context(
    tmp_path: Path,
) -> None:
    settings = '"{""rise_ratio"": 1.3}"'
    path = _long_export(
        tmp_path / "c.csv",
        val_samples=45,
        baseline_loss=0.69,
        reached_loss=0.2,
        diagnosis_settings=settings,
    )
    seeds, context = read_trial_curves(path)
    assert [c.val_samples for c in seeds] == [45, 45]
    assert context == CurveContext(
        baseline_loss=0.69, reached_loss=0.2, settings={"rise_ratio": 1.3}
    )


def test_an_export_without_context_reads_as_before(tmp_path: Path) -> None:
    seeds, context = read_trial_curves(_long_export(tmp_path / "c.csv"))
    assert [c.val_samples for c in seeds] == [None, None]
    assert context == CurveContext()


@pytest.mark.parametrize(
    ("column", "value"),
    [("val_samples", 0), ("val_samples", 2.5), ("reached_loss", -1), ("diagnosis_settings", "x")],
)
def test_a_bad_context_value_is_refused_naming_its_column(
    tmp_path: Path, column: str, value: object
) -> None:
    path = _long_export(tmp_path / "c.csv", **{column: value})
    with pytest.raises(InputError, match=f"`{column}` column"):
        read_trial_curves(path)
