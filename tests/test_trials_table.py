"""The trials table: ``show --json``, ``export`` and ``study.load`` give the same rows."""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import study
from study.api import trial_columns, trial_row, trials_table
from study.cli import main
from study.evidence import trial_evidence
from tests.report_fixtures import grid_study, scripted_study, scripted_trial, write_storage

PARAMS = ("units", "dropout", "optimizer")


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A stored study ``g``: complete, pruned and failed trials (shared: tests only read it)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('storage') / 's.db'}"
    write_storage(grid_study(8, epochs=30, name="g"), url)
    return url


def _missing(value: Any) -> Any:
    """NaN as ``None``, and a float to 12 significant digits (a CSV round trip may differ
    in the last bit)."""
    if isinstance(value, float):
        return None if math.isnan(value) else float(f"{value:.12g}")
    return value


def _from_table(frame: pd.DataFrame) -> dict[int, dict[str, Any]]:
    """Each trial's compared values from a trials-table frame."""
    return {
        int(row["number"]): {
            "value": _missing(row["value"]),
            "value_se": _missing(row["value_se"]),
            "verdict": _missing(row["category"]),
            "epochs": int(row["epochs"]),
            "params": {p: _missing(row[f"params_{p}"]) for p in PARAMS},
        }
        for row in frame.to_dict("records")
    }


def _from_show(trials: list[dict[str, Any]]) -> dict[int, dict[str, Any]]:
    """Each trial's compared values from ``show --json``'s ``trials``."""
    return {
        t["number"]: {
            "value": _missing(t["value"]),
            "value_se": _missing(t["value_se"]),
            "verdict": None if t["diagnosis"] is None else t["diagnosis"]["category"],
            "epochs": t["epochs"],
            "params": {p: _missing(t["params"][p]) for p in PARAMS},
        }
        for t in trials
    }


def test_show_export_and_load_give_the_same_trial_values(
    url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["show", "g", "--json", "--storage", url]) == 0
    shown = _from_show(json.loads(capsys.readouterr().out)["trials"])
    assert main(["export", "g", "--storage", url, "--out", str(tmp_path)]) == 0
    exported = _from_table(pd.read_csv(tmp_path / "trials.csv"))
    loaded = _from_table(study.load("g", storage=url).trials)

    assert shown == exported == loaded
    verdicts = {t["verdict"] for t in shown.values()}
    assert None in verdicts and len(verdicts) >= 3
    assert any(t["value_se"] is not None for t in shown.values())


def test_export_and_load_have_the_same_columns(url: str, tmp_path: Path) -> None:
    assert main(["export", "g", "--storage", url, "--out", str(tmp_path)]) == 0
    exported = pd.read_csv(tmp_path / "trials.csv")
    assert list(exported.columns) == list(study.load("g", storage=url).trials.columns)


def test_pruned_trial_epochs_are_where_it_stopped(url: str) -> None:
    trials = study.load("g", storage=url).trials
    pruned = trials[trials["state"] == "PRUNED"]
    assert not pruned.empty and (pruned["epochs"] == 15).all()


def test_a_value_that_is_not_finite_is_missing() -> None:
    trial = scripted_trial(0, {"units": 4}, "good_fit", value=math.inf)
    assert trial_row(trial)["value"] is None


def test_a_single_seed_has_no_standard_error_or_interval() -> None:
    trial = scripted_trial(0, {"units": 4}, "good_fit", n_seeds=1)
    trial = dataclasses.replace(trial, evidence=trial_evidence([0.5], number=0))
    row = trial_row(trial)
    assert [row[k] for k in ("value_se", "value_low", "value_high", "n_seeds")] == [
        None,
        None,
        None,
        1,
    ]


def test_a_column_no_trial_fills_is_float_nan() -> None:
    record = scripted_study([scripted_trial(0, {"units": 4}, None, state="FAIL")])
    frame = trials_table(record)
    assert list(frame.columns) == trial_columns(record)
    assert frame["value_se"].dtype == float and math.isnan(frame["value_se"].iloc[0])
