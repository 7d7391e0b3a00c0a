"""A trial's seeds as evidence wherever its value is shown: show, study.load, study.recommended."""

from __future__ import annotations

import html
import json
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import study
from study.cli import main
from tests.scripted_runs import falling, run_study, script, write_space
from tests.stored_fixtures import store_study

SPREAD = [0.05, 0.38, 0.14]  # The best mean by a hair, but its seeds disagree.
AGREE = [0.19, 0.20, 0.21]  # A worse mean whose seeds agree: the recommended trial.
AGREE_VALUES = [float(falling(s, final).val_loss[-1]) for s, final in enumerate(AGREE)]
AGREE_SE = float(np.std(AGREE_VALUES, ddof=1)) / math.sqrt(3)


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A stored study of two complete trials: trial 0 spread, trial 1 agreeing."""
    folder = tmp_path_factory.mktemp("evidence")
    url = f"sqlite:///{folder / 'studies.db'}"
    with pytest.MonkeyPatch.context() as monkeypatch:
        script(monkeypatch, [SPREAD, AGREE])
        run_study(write_space(folder, "enabled = false"), 2, url)
    yield url


def _show_json(url: str, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    capsys.readouterr()
    assert main(["show", "t", "--json", "--storage", url]) == 0
    shown: dict[str, Any] = json.loads(capsys.readouterr().out)
    return shown


def _show_text(url: str, capsys: pytest.CaptureFixture[str]) -> str:
    capsys.readouterr()
    assert main(["show", "t", "--storage", url]) == 0
    return capsys.readouterr().out


def test_show_json_gives_each_seeds_value(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    trial = _show_json(url, capsys)["trials"][1]
    assert trial["seed_values"] == pytest.approx(AGREE_VALUES)
    assert trial["diverged_seeds"] == 0


def test_show_json_gives_the_values_standard_error_and_interval(
    url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    trial = _show_json(url, capsys)["trials"][1]
    assert trial["value_se"] == pytest.approx(AGREE_SE)
    low, high = trial["value_interval"]
    assert low < trial["value"] < high
    assert trial["value_level"] == 0.9


def test_show_prints_each_value_with_its_half_width(
    url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert "value=0.2002 ± 0.017" in _show_text(url, capsys)


def test_show_prints_the_recommended_trial_and_why_it_is_not_the_best_mean(
    url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = _show_text(url, capsys).splitlines()
    assert lines[1] == "recommended: trial 1 (mean 0.2 ± 0.017 over 3 seeds)"
    assert lines[2].startswith("  why: trial 0 has the best mean")


def test_show_json_has_the_recommendation(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    recommended = _show_json(url, capsys)["study"]["recommended"]
    assert (recommended["recommended"], recommended["best_mean"]) == (1, 0)
    assert recommended["rule"] == "penalised_mean"


def test_load_has_the_evidence_columns(url: str) -> None:
    trials, _ = study.load("t", url)
    row = trials.set_index("number").loc[1]
    assert row["n_seeds"] == 3
    assert row["value_se"] == pytest.approx(AGREE_SE)
    assert row["value_low"] < row["value"] < row["value_high"]


def test_recommended_returns_the_trial_to_use_and_why(url: str) -> None:
    recommendation = study.recommended("t", url)
    assert recommendation.recommended == 1 and recommendation.differs
    assert "its seeds spread" in recommendation.reason


def test_a_study_whose_best_mean_is_safest_recommends_it_without_a_reason(
    workdir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    script(monkeypatch, [AGREE, [0.5, 0.52, 0.54]])
    run_study(write_space(workdir, "enabled = false"), 2, "sqlite:///studies.db")
    lines = _show_text("sqlite:///studies.db", capsys).splitlines()
    assert lines[1].startswith("recommended: trial 0 (")
    assert lines[2].startswith("#0")


def test_a_study_of_an_own_objective_has_no_recommendation(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store_study("sqlite:///studies.db", name="t")
    shown = _show_json("sqlite:///studies.db", capsys)
    assert shown["study"]["recommended"]["rule"] == "none"
    assert shown["trials"][0]["value_se"] is None


@pytest.fixture
def page(url: str, undrawn_figures: None) -> str:
    from study.api import load_record
    from study.reporting import render_report

    return render_report(load_record("t", url))


def test_the_report_names_the_recommended_trial_and_why_it_is_not_the_best_mean(
    page: str,
) -> None:
    assert "Recommended trial: #1</h3>" in page
    why = html.unescape(page.split('id="recommended-why">')[1].split("</p>")[0])
    assert why.startswith("Not Optuna's best trial (#0): trial 0 has the best mean")


def test_the_report_shows_each_value_with_its_half_width_as_show_does(page: str) -> None:
    assert "0.2002 ± 0.017" in page
    assert "(mean of 3 seeds ± half its 90% interval)" in page


def test_the_trial_table_marks_the_recommended_trial(page: str) -> None:
    table = page.split('<table id="trials">')[1].split("</table>")[0]
    header = [h.split("<")[0] for h in table.split("<th>")[1:]]
    rows = [r.split("<td")[1:] for r in table.split("<tr>")[2:]]
    column = header.index("vs recommended")
    marks = {
        row[0].split(">")[1].split("<")[0]: row[column].split(">")[1].split("<")[0] for row in rows
    }
    assert marks["1"] == "recommended"
    assert marks["0"] == "as good"  # its wide interval overlaps the recommended one's


def test_the_curves_lead_with_the_recommended_trial_then_the_best_mean(url: str) -> None:
    from study.api import load_record
    from study.reporting._curves_data import representative_trials

    roles = [(t.number, role) for t, role in representative_trials(load_record("t", url), 4)]
    assert roles[:2] == [(1, "recommended"), (0, "best mean")]
    assert len(roles) == 2


def test_load_model_takes_the_recommended_trial_when_it_kept_its_weights(
    url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import optuna

    from study.runner import _models

    stored = optuna.load_study(study_name="t", storage=url)
    by_value = sorted(stored.trials, key=lambda t: t.value)
    monkeypatch.setattr(_models, "kept_trials", lambda s: by_value)
    assert _models._chosen_trial(stored, None).number == 1
    monkeypatch.setattr(_models, "kept_trials", lambda s: by_value[:1])
    assert _models._chosen_trial(stored, None).number == 0  # not kept: the best kept


def test_the_best_of_each_fit_shows_values_with_their_half_width(page: str) -> None:
    best_of = page.split('id="best-of">')[1].split("</table>")[0]
    assert "<td>0.1902 ± 0.29</td>" in best_of  # trial 0, the best mean of the good fits
