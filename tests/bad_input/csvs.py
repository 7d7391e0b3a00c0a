"""Bad CSV data for a ``csv`` task: the file, its header, its values and the task's options."""

from __future__ import annotations

from tests.bad_input import Case, task

_ROWS = "".join(f"{i},{i % 3}\n" for i in range(30))
_GOOD = "a,y\n" + _ROWS


def _csv(text: str | bytes | None, **options: object) -> object:
    return task({"csv": "data.csv", "target": "y", **options}, csv=text)


CASES = [
    Case("csv-missing", _csv(None), "CSV file not found"),
    Case("csv-empty", _csv(""), "empty"),
    Case("csv-header-only", _csv("a,y\n"), "has a header but no rows"),
    Case("csv-missing-target", _csv("a,b\n1,2\n3,4\n"), "target column 'y' not found"),
    Case("csv-target-option-missing", task({"csv": "data.csv"}, csv=_GOOD), "needs both `csv`"),
    Case(
        "csv-target-empty", task({"csv": "data.csv", "target": ""}, csv=_GOOD), "needs both `csv`"
    ),
    Case("csv-path-is-folder", task({"csv": ".", "target": "y"}), "CSV file not found"),
    Case("csv-non-numeric", _csv("a,y\n" + "x,1\nz,0\n" * 10), "non-numeric"),
    Case("csv-missing-value", _csv("a,y\n" + "1,0\n2,1\n" * 10 + ",1\n"), "missing value"),
    Case("csv-missing-target-value", _csv("a,y\n" + "1,0\n2,1\n" * 10 + "3,\n"), "missing value"),
    Case("csv-inf-feature", _csv("a,y\n" + _ROWS + "inf,1\n"), "infinite value"),
    Case("csv-inf-target", _csv("a,y\n" + _ROWS + "1,inf\n"), "infinite value"),
    Case("csv-minus-inf", _csv("a,y\n" + _ROWS + "-inf,1\n"), "infinite value"),
    Case("csv-overflowing-value", _csv("a,y\n" + _ROWS + "1e300,1\n"), "rescale the column"),
    Case(
        "csv-duplicate-target-name",
        _csv("a,y,y\n" + "1,0,0\n2,1,1\n" * 10),
        "column name 'y' appears 2 times",
    ),
    Case(
        "csv-duplicate-feature-name",
        _csv("a,a,y\n" + "1,0,0\n2,1,1\n" * 10),
        "column name 'a' appears 2 times",
    ),
    Case("csv-only-target", _csv("y\n" + "1\n2\n" * 10), "no feature columns"),
    Case("csv-ragged-rows", _csv("a,y\n1,2\n3,4,5,6\n" + _ROWS), "not a readable CSV"),
    Case("csv-not-utf8", _csv(b"a,y\n" + "é,1\n".encode("latin-1") * 5), "not a readable CSV"),
    Case(
        "csv-too-short-for-lookback", _csv("a,y\n1,0.5\n2,0.1\n3,0.2\n", lookback=10), "lookback"
    ),
    Case(
        "csv-lookback-beyond-bound", _csv(_GOOD, lookback=100_000_000), "`lookback` of task 'csv'"
    ),
    Case("csv-lookback-negative", _csv(_GOOD, lookback=-1), "`lookback` of task 'csv'"),
    Case(
        "csv-one-class",
        _csv("a,y\n" + "".join(f"{i},1\n" for i in range(30)), kind="classification"),
        "class",
    ),
    Case("csv-unknown-kind", _csv(_GOOD, kind="ordinal"), "`kind` of task 'csv'"),
    Case(
        "csv-string-regression-target",
        _csv("a,y\n" + "1,x\n2,z\n" * 10, kind="regression"),
        "not numeric",
    ),
    Case("csv-validation-too-large", _csv(_GOOD, validation=0.99), "`validation` of task 'csv'"),
    Case("csv-too-few-rows", _csv("a,y\n1,0\n2,1\n"), "too few"),
    Case(
        "csv-lstm-without-lookback",
        task({"csv": "data.csv", "target": "y"}, family="lstm", csv=_GOOD),
        "needs sequence data",
    ),
]
