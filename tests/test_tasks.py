from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from study.errors import InputError
from study.tasks import TASK_NAMES, load_task, make_spec


def test_sequence_matches_the_reference_problem() -> None:
    data = load_task("sequence")
    assert data.x_train.shape == (5, 1, 1)
    np.testing.assert_allclose(data.x_train.ravel(), [0.0, 0.1, 0.2, 0.3, 0.4], atol=1e-7)
    np.testing.assert_allclose(data.y_val.ravel(), [0.6, 0.7, 0.8, 0.9, 1.0], atol=1e-6)
    assert data.shuffle is False


def test_moons_is_30_train_70_validate() -> None:
    data = load_task("moons")
    assert (len(data.x_train), len(data.x_val)) == (30, 70)
    assert data.kind == "binary"


@pytest.mark.parametrize("name", [n for n in TASK_NAMES if n != "csv"])
def test_builtin_tasks_are_deterministic(name: str) -> None:
    a, b = load_task(name), load_task(name)
    np.testing.assert_array_equal(a.x_train, b.x_train)
    np.testing.assert_array_equal(a.y_val, b.y_val)
    assert np.isfinite(a.baseline_loss) and a.baseline_loss > 0


def test_sine_scaling_uses_training_part_only() -> None:
    data = load_task("sine")
    assert abs(float(data.y_train.mean())) < 1e-5
    assert abs(float(data.y_val.mean())) > 1e-5


def test_sine_windows_are_chronological() -> None:
    data = load_task("sine", lookback=5)
    assert data.x_train.shape[1:] == (5, 1)
    # The target of window i is the last input of window i + 1 (each scaled on its own).
    corr = np.corrcoef(data.x_train[1:, -1, 0], data.y_train[:-1, 0])[0, 1]
    assert corr > 0.9999


def test_wine_is_multiclass() -> None:
    data = load_task("wine")
    assert data.kind == "multiclass" and data.n_outputs == 3


def test_mlp_sees_windows_flattened() -> None:
    data = load_task("sine", lookback=4).for_family("mlp")
    assert data.x_train.ndim == 2 and data.x_train.shape[1] == 4


def _csv(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "data.csv"
    path.write_text(text)
    return path


def _rows(n: int) -> str:
    return "a,b,y\n" + "".join(f"{i},{i % 7},{(i * 3) % 5 + 0.5}\n" for i in range(n))


def test_csv_tabular_regression(tmp_path: Path) -> None:
    _csv(tmp_path, _rows(50))
    data = load_task(make_spec({"csv": "data.csv", "target": "y"}, tmp_path))
    assert data.kind == "regression" and data.x_train.shape[1] == 2
    assert len(data.x_val) == 10


def test_csv_series_windows(tmp_path: Path) -> None:
    _csv(tmp_path, _rows(40))
    data = load_task(make_spec({"csv": "data.csv", "target": "y", "lookback": 5}, tmp_path))
    assert data.x_train.shape[1:] == (5, 3)


def test_csv_string_labels_are_classes(tmp_path: Path) -> None:
    text = "a,label\n" + "".join(f"{i},{'cat' if i % 2 else 'dog'}\n" for i in range(30))
    _csv(tmp_path, text)
    data = load_task(make_spec({"csv": "data.csv", "target": "label"}, tmp_path))
    assert data.kind == "binary"


BAD_CSV = [
    ("missing", None, {}, "CSV file not found"),
    ("empty", "", {}, "the CSV file is empty"),
    ("header only", "a,b,y\n", {}, "has a header but no rows"),
    ("missing target", "a,b\n1,2\n3,4\n", {}, "target column 'y' not found"),
    ("non-numeric", "a,b,y\n1,x,2\n2,z,3\n", {}, "non-numeric feature column(s) b"),
    ("nan", "a,b,y\n1,,2\n2,3,3\n" + "4,5,6\n" * 10, {}, "column 'b' has 1 missing value"),
    ("too short", "a,b,y\n1,2,3\n2,3,4\n3,4,5\n", {"lookback": 2}, "too few for windows"),
    ("one class", "a,y\n" + "1,0\n" * 20, {"kind": "classification"}, "only one class"),
    ("bad kind", "a,y\n1,2\n", {"kind": "ordinal"}, "`kind` of task 'csv' must be one of"),
    ("inf feature", "a,y\n1,2\ninf,3\n" + "4,5\n" * 10, {}, "column 'a' has 1 infinite value"),
    ("inf target", "a,y\n1,2\n2,-inf\n" + "4,5\n" * 10, {}, "column 'y' has 1 infinite value"),
    ("huge value", "a,y\n1,2\n1e200,3\n" + "4,5\n" * 10, {}, "rescale the column"),
    ("repeated name", "a,y,y\n" + "1,2,2\n" * 10, {}, "column name 'y' appears 2 times"),
    ("lookback beyond bound", "a,y\n1,2\n", {"lookback": 100000000}, "from 0 to 10000"),
]


@pytest.mark.parametrize(
    ("text", "options", "fragment"), [c[1:] for c in BAD_CSV], ids=[c[0] for c in BAD_CSV]
)
def test_bad_csv_is_a_one_line_error(
    tmp_path: Path, text: str | None, options: dict[str, object], fragment: str
) -> None:
    if text is not None:
        _csv(tmp_path, text)
    with pytest.raises(InputError) as info:
        load_task(make_spec({"csv": "data.csv", "target": "y", **options}, tmp_path))
    assert fragment in str(info.value)
    assert "\n" not in str(info.value)


def test_csv_needs_target() -> None:
    with pytest.raises(InputError, match="needs both `csv`"):
        load_task(make_spec({"csv": "data.csv"}))


def test_bad_task_option_type() -> None:
    with pytest.raises(InputError, match="`lookback` of task 'sine' must be an integer from 1"):
        make_spec({"name": "sine", "lookback": 0})


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -0.1, 101.0])
def test_task_numbers_must_be_finite_and_within_bounds(value: float) -> None:
    with pytest.raises(InputError, match="`noise` of task 'sine' must be a number from 0 to 100"):
        make_spec({"name": "sine", "noise": value})


def test_sine_lookback_must_leave_training_windows() -> None:
    with pytest.raises(InputError, match="must leave at least 2 training windows"):
        make_spec({"name": "sine", "length": 100, "lookback": 99})


def test_longest_sine_lookback_that_fits_loads() -> None:
    data = load_task(make_spec({"name": "sine", "length": 100, "lookback": 96}))
    assert len(data.x_train) >= 2 and len(data.x_val) >= 1
