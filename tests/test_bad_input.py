"""Bad input of every kind: one line on standard error, exit code 2, and the storage untouched."""

from __future__ import annotations

import dataclasses
import io
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import optuna
import pytest

from study.cli import main
from study.curves import SeedCurves
from study.runner import RunOptions, run
from tests.services import free_port

TINY = (
    'family = "lstm"\ntask = "sequence"\nseeds = 2\n\n[params]\n'
    "units = { low = 2, high = 8 }\nepochs = { low = 20, high = 40, step = 10 }\n"
    "learning_rate = 0.01\n"
)
STORAGE = "sqlite:///s.db"
Setup = Callable[[Path], list[str]]


def _scripted_seeds(family: str, params: Any, data: Any, seeds: list[int],
                    **kwargs: Any) -> list[SeedCurves]:
    """Curves that fall like a good fit, in place of training (this file tests input only)."""
    loss = 1.0 / np.arange(1, params.epochs + 1)
    return [SeedCurves(seed=s, train_loss=loss, val_loss=1.1 * loss, epochs_planned=params.epochs)
            for s in seeds]


@pytest.fixture(scope="module")
def stored_study(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A storage holding study ``base`` (one finished trial), made once and copied per case."""
    folder = tmp_path_factory.mktemp("base")
    (folder / "tiny.toml").write_text(TINY)
    options = RunOptions(study="base", trials=1, space=folder / "tiny.toml",
                         storage=f"sqlite:///{folder}/s.db", jobs=1)
    with pytest.MonkeyPatch.context() as patch:
        # Not raising when a name moves: the study is then trained for real, only slower.
        patch.setattr("study.runner._objective.run_seeds", _scripted_seeds, raising=False)
        patch.setattr("study.runner._run.warm_up", lambda *args: None, raising=False)
        run(options, out=io.StringIO())
    return folder / "s.db"


def _space(text: str) -> Setup:
    def setup(folder: Path) -> list[str]:
        (folder / "bad.toml").write_text(text)
        return ["run", "--space", "bad.toml", "--study", "new", "--storage", STORAGE,
                "--no-report"]

    return setup


def _param(line: str) -> Setup:
    return _space(TINY + line + "\n")


def _csv(content: str | None, **task: Any) -> Setup:
    options = {"csv": "data.csv", "target": "y", **task}
    table = "{ " + ", ".join(f"{k} = {json.dumps(v)}" for k, v in options.items()) + " }"

    def setup(folder: Path) -> list[str]:
        if content is not None:
            (folder / "data.csv").write_text(content)
        (folder / "bad.toml").write_text(
            f'family = "mlp"\ntask = {table}\nseeds = 1\n\n[params]\nepochs = 5\n'
        )
        return ["run", "--space", "bad.toml", "--study", "new", "--storage", STORAGE,
                "--no-report"]

    return setup


def _cli(*argv: str, files: dict[str, str] | None = None) -> Setup:
    def setup(folder: Path) -> list[str]:
        for name, text in (files or {}).items():
            (folder / name).write_text(text)
        return list(argv)

    return setup


def _run(*extra: str) -> Setup:
    return _cli("run", "--space", "tiny.toml", "--study", "base", "--storage", STORAGE,
                "--no-report", *extra, files={"tiny.toml": TINY})


def _curve(rows: int, header: str = "epoch,loss,val_loss") -> str:
    return header + "\n" + "".join(f"{i},{1 / (i + 1):.4f},{1.2 / (i + 1):.4f}\n"
                                   for i in range(rows))


@dataclasses.dataclass(frozen=True)
class Case:
    """One bad input: how to make it, and a piece of the message that names it."""

    id: str
    setup: Setup
    says: str
    env: dict[str, str] = dataclasses.field(default_factory=dict)


CASES = [
    # Search-space files.
    Case("space-missing", _cli("run", "--space", "nope.toml", "--storage", STORAGE),
         "search-space file not found"),
    Case("space-syntax", _space('family = "lstm\ntask = "sequence"\n'), "TOML syntax error"),
    Case("space-unknown-key", _space(TINY.replace("seeds = 2", "seeds = 2\ncolour = 1")),
         "unknown key `colour`"),
    Case("space-wrong-type", _space(TINY.replace("seeds = 2", 'seeds = "two"')),
         "`seeds` must be an integer"),
    Case("space-empty-range", _space(TINY.replace("low = 2, high = 8", "low = 8, high = 2")),
         "empty range"),
    Case("space-log-nonpositive",
         _param("l2 = { low = 0.0, high = 0.01, log = true }"),
         "needs low > 0"),
    Case("space-unknown-family", _space(TINY.replace('"lstm"', '"cnn"')), "`family` must be"),
    Case("space-unknown-task", _space(TINY.replace('"sequence"', '"mnist"')), "unknown task"),
    Case("space-unknown-optimizer", _param('optimizer = "adamw9"'), "optimizer"),
    Case("space-negative-epochs",
         _space(TINY.replace("epochs = { low = 20, high = 40, step = 10 }", "epochs = -5")),
         "epochs"),
    Case("space-negative-units", _space(TINY.replace("units = { low = 2, high = 8 }",
                                                     "units = -3")), "units"),
    Case("space-dropout-one", _param("dropout = 1.0"), "dropout"),
    Case("space-seeds-zero", _space(TINY.replace("seeds = 2", "seeds = 0")), "`seeds` must"),
    Case("space-unknown-param", _param("colour = 3"), "not a parameter"),
    # CSV data.
    Case("csv-missing", _csv(None), "CSV file not found"),
    Case("csv-empty", _csv(""), "empty"),
    Case("csv-missing-target", _csv("a,b\n1,2\n3,4\n"), "target column 'y' not found"),
    Case("csv-non-numeric", _csv("a,y\nx,1\nz,0\n" * 10), "non-numeric"),
    Case("csv-nan", _csv("a,y\n" + "1,0\n2,1\n" * 10 + ",1\n"), "missing value"),
    Case("csv-too-short", _csv("a,y\n1,0.5\n2,0.1\n3,0.2\n", lookback=10), "lookback"),
    Case("csv-one-class", _csv("a,y\n" + "".join(f"{i},1\n" for i in range(30)),
                               kind="classification"), "class"),
    # Command line.
    Case("show-unknown-study", _cli("show", "ghost", "--storage", STORAGE),
         "no study named 'ghost'"),
    Case("report-unknown-study", _cli("report", "ghost", "--storage", STORAGE),
         "no study named 'ghost'"),
    Case("list-missing-database", _cli("list", "--storage", "sqlite:///other.db"),
         "no study database"),
    Case("backend-conflict", _run("--backend", "loky", "--scheduler", "tcp://127.0.0.1:1"),
         "`--scheduler` needs --backend dask"),
    Case("trials-zero", _run("--trials", "0"), "`--trials` must be a positive integer"),
    Case("jobs-zero", _run("--jobs", "0"), "`--jobs` must be a positive integer"),
    Case("seeds-zero-flag", _run("--seeds", "0"), "`--seeds` must be a positive integer"),
    Case("set-malformed", _run("--set", "units"), "`--set` takes NAME=VALUE"),
    Case("set-unknown", _run("--set", "colour=3"), "not a parameter"),
    Case("set-bad-value", _run("--set", "dropout=2"), "dropout"),
    Case("trials-not-a-number", _run("--trials", "many"), "invalid int value"),
    Case("resume-different-space",
         _cli("run", "--space", "other.toml", "--study", "base", "--storage", STORAGE,
              files={"other.toml": TINY.replace("high = 8", "high = 16")}),
         "different search space"),
    Case("new-study-without-space", _cli("run", "--study", "ghost", "--storage", STORAGE),
         "give --space FILE"),
    Case("storage-unreachable",
         _cli("run", "--study", "base", "--storage",
              f"postgresql+psycopg2://me:hunter2@127.0.0.1:{free_port()}/x"),
         "cannot open storage postgresql+psycopg2://me:***@"),
    Case("storage-bad-scheme", _cli("list", "--storage", "nosuchdb://x"),
         "cannot open storage"),
    Case("heartbeat-env", _run(), "STUDY_HEARTBEAT_SECONDS", env={
        "STUDY_HEARTBEAT_SECONDS": "soon"}),
    # diagnose.
    Case("diagnose-missing-file", _cli("diagnose", "nope.csv"), "does not exist"),
    Case("diagnose-missing-columns",
         _cli("diagnose", "c.csv", files={"c.csv": _curve(10, "epoch,loss,acc")}),
         "no 'val_loss'"),
    Case("diagnose-too-few-epochs", _cli("diagnose", "c.csv", files={"c.csv": _curve(3)}),
         "at least"),
]


def _snapshot(db: Path) -> Any:
    if not db.exists():
        return None
    storage = optuna.storages.RDBStorage(f"sqlite:///{db}")
    out = {}
    for summary in optuna.get_all_study_summaries(storage):
        study = optuna.load_study(study_name=summary.study_name, storage=storage)
        out[summary.study_name] = (
            study.user_attrs,
            [(t.number, t.state, t.params, t.value, t.user_attrs) for t in study.trials],
        )
    storage.engine.dispose()
    return out


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_is_one_line_exit_2_and_changes_nothing(
    case: Case,
    stored_study: Path,
    workdir: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    shutil.copy(stored_study, workdir / "s.db")
    for name, value in case.env.items():
        monkeypatch.setenv(name, value)
    argv = case.setup(workdir)
    before = _snapshot(workdir / "s.db")
    capsys.readouterr()

    code = main(argv)

    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert code == 2, err
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert case.says in lines[0]
    assert "Traceback" not in err and "hunter2" not in err
    assert _snapshot(workdir / "s.db") == before
    assert not (workdir / "other.db").exists()
