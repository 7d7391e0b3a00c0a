"""Bad command lines: unknown commands and flags, bad values, names that do not exist."""

from __future__ import annotations

from tests.bad_input import SQLITE, TINY, Case, cli, run_base

_OTHER = {"other.toml": TINY.replace("high = 8", "high = 16")}

CASES = [
    Case("unknown-command", cli("train"), "invalid choice: 'train'"),
    Case("unknown-flag", cli("--colour"), "see `python -m study --help`"),
    Case("unknown-run-flag", run_base("--colour", "red"), "see `python -m study run --help`"),
    Case(
        "unknown-show-flag",
        cli("show", "base", "--storage", SQLITE, "--all"),
        "see `python -m study show --help`",
    ),
    Case("show-without-name", cli("show", "--storage", SQLITE), "the following arguments"),
    Case("trials-zero", run_base("--trials", "0"), "`--trials` must be a positive integer"),
    Case("trials-negative", run_base("--trials", "-3"), "`--trials` must be a positive integer"),
    Case("trials-not-a-number", run_base("--trials", "many"), "invalid int value"),
    Case("trials-float", run_base("--trials", "1.5"), "invalid int value"),
    Case("trials-missing-value", run_base("--trials"), "expected one argument"),
    Case("jobs-zero", run_base("--jobs", "0"), "`--jobs` must be a positive integer"),
    Case("jobs-negative", run_base("--jobs", "-2"), "`--jobs` must be a positive integer"),
    Case("seeds-zero", run_base("--seeds", "0"), "`--seeds` must be a positive integer"),
    Case("seeds-huge", run_base("--seeds", "100000"), "seeds"),
    Case("set-without-value", run_base("--set", "units"), "`--set` takes NAME=VALUE"),
    Case("set-empty-name", run_base("--set", "=3"), "`--set` takes NAME=VALUE"),
    Case("set-empty-value", run_base("--set", "units="), "`--set` takes NAME=VALUE"),
    Case("set-twice", run_base("--set", "units=4", "--set", "units=5"), "given twice"),
    Case("set-unknown", run_base("--set", "colour=3"), "not a parameter"),
    Case("set-other-family", run_base("--set", "hidden=3"), "not a parameter"),
    Case("set-dropout-two", run_base("--set", "dropout=2"), "dropout"),
    Case("set-units-text", run_base("--set", "units=many"), "units"),
    Case("set-units-zero", run_base("--set", "units=0"), "units"),
    Case("set-learning-rate-nan", run_base("--set", "learning_rate=nan"), "learning_rate"),
    Case("set-optimizer-unknown", run_base("--set", "optimizer=lion"), "optimizer"),
    Case("backend-unknown", run_base("--backend", "mpi"), "invalid choice: 'mpi'"),
    Case(
        "backend-conflict",
        run_base("--backend", "loky", "--scheduler", "tcp://127.0.0.1:1"),
        "`--scheduler` needs --backend dask",
    ),
    Case(
        "resume-different-space",
        cli(
            "run",
            "--space",
            "other.toml",
            "--study",
            "base",
            "--storage",
            SQLITE,
            "--no-report",
            written=dict(_OTHER),
        ),
        "different search space",
    ),
    Case(
        "new-study-without-space",
        cli("run", "--study", "ghost", "--storage", SQLITE),
        "give --space FILE",
    ),
    Case(
        "show-unknown-study", cli("show", "ghost", "--storage", SQLITE), "no study named 'ghost'"
    ),
    Case(
        "report-unknown-study",
        cli("report", "ghost", "--storage", SQLITE),
        "no study named 'ghost'",
    ),
    Case(
        "report-unknown-trial",
        cli("report", "base", "--storage", SQLITE, "--trial", "99"),
        "--trial must name a trial",
    ),
    Case(
        "report-max-curves-negative",
        cli("report", "base", "--storage", SQLITE, "--max-curves", "-1"),
        "--max-curves must be >= 0",
    ),
    Case(
        "report-out-is-a-file",
        cli("report", "base", "--storage", SQLITE, "--out", "taken", written={"taken": "x"}),
        "--out must be a folder",
    ),
    Case(
        "heartbeat-env",
        run_base(),
        "STUDY_HEARTBEAT_SECONDS",
        env={"STUDY_HEARTBEAT_SECONDS": "soon"},
    ),
    Case("grace-env", run_base(), "STUDY_GRACE_SECONDS", env={"STUDY_GRACE_SECONDS": "-1"}),
]
