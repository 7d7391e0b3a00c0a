"""Bad CSV series: the time column, the horizon, the test split and a searched lookback."""

from __future__ import annotations

from tests.bad_input import Case, cli, files, task

_SERIES = "t,y\n" + "".join(f"{i},{(i * 7) % 11}\n" for i in range(60))
_SPACE = (
    'family = "lstm"\ntask = {{ csv = "data.csv", target = "y"{task} }}\nseeds = 1\n\n'
    "[params]\nepochs = 2\n{params}\n"
)
_RUN = [
    "run",
    "--space",
    "bad.toml",
    "--study",
    "new",
    "--storage",
    "sqlite:///s.db",
    "--no-report",
]


def _series(text: str, **options: object) -> object:
    return task(
        {"csv": "data.csv", "target": "y", "lookback": 3, **options}, family="lstm", csv=text
    )


def _searched(params: str, task: str = "", data: str = _SERIES) -> object:
    text = _SPACE.format(task=task, params=params)
    return files(_RUN, {"bad.toml": text, "data.csv": data})


CASES = [
    Case(
        "series-time-repeated",
        _series("t,y\n1,1\n2,2\n2,3\n" + _SERIES[4:], time="t"),
        "time column 't' repeats",
    ),
    Case(
        "series-time-unordered",
        _series("t,y\n1,1\n3,2\n2,3\n" + _SERIES[4:], time="t"),
        "time column 't' goes back in time",
    ),
    Case("series-time-missing", _series(_SERIES, time="date"), "time column 'date' not found"),
    Case(
        "series-horizon-beyond-series",
        _series(_SERIES, horizon=100),
        "too few for windows of lookback=3 and horizon=100",
    ),
    Case(
        "series-test-leaves-too-few-windows",
        _series(_SERIES[:40], test=0.5, validation=0.5),
        "training windows",
    ),
    Case(
        "series-searched-lookback-beyond-series",
        _searched("lookback = { choices = [4, 58] }"),
        "lookback=58",
    ),
    Case(
        "series-lookback-in-task-and-params",
        _searched("lookback = { choices = [4, 8] }", task=", lookback = 4"),
        "both in [task] and in [params]",
    ),
    Case(
        "series-lookback-param-on-builtin-task",
        files(
            _RUN,
            {
                "bad.toml": 'family = "lstm"\ntask = "sine"\n\n[params]\n'
                "lookback = { choices = [4, 8] }\n"
            },
        ),
        "`params.lookback` needs a CSV series task",
    ),
    Case(
        "series-lookback-param-below-one",
        _searched("lookback = { low = 0, high = 8 }"),
        "`params.lookback.low`",
    ),
    Case(
        "series-lookback-searched-in-task",
        _searched("", task=", lookback = { choices = [4, 8] }"),
        "move it to [params]",
    ),
    Case(
        "evaluate-without-test-split",
        cli("evaluate", "base", "--storage", "sqlite:///s.db"),
        "has no test split",
    ),
    Case(
        "evaluate-unknown-study",
        cli("evaluate", "nope", "--storage", "sqlite:///s.db"),
        "no study named 'nope'",
    ),
]
