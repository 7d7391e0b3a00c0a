"""The will-not-win rule in the runner, on scripted curves (nothing trains)."""

from __future__ import annotations

import json
from pathlib import Path

import optuna
import pytest
from optuna.trial import TrialState

from study.cli import main
from study.storage import open_storage
from tests.scripted_runs import run_study, script, write_space

URL = "sqlite:///studies.db"
GOOD = [0.20, 0.21, 0.22]
WORSE = [0.60, 0.63, 0.66]  # Three times the incumbent's loss on every seed.


def _states(url: str = URL) -> list[TrialState]:
    return [t.state for t in optuna.load_study(study_name="t", storage=open_storage(url)).trials]


def test_a_clearly_worse_trial_is_stopped_when_will_not_win_is_on(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    script(monkeypatch, [GOOD, WORSE])
    run_study(write_space(workdir, "will_not_win = true"), 2, URL)
    assert _states() == [TrialState.COMPLETE, TrialState.PRUNED]


def test_a_clearly_worse_trial_completes_when_will_not_win_is_off(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    script(monkeypatch, [GOOD, WORSE])
    run_study(write_space(workdir, "will_not_win = false"), 2, URL)
    assert _states() == [TrialState.COMPLETE, TrialState.COMPLETE]


def test_a_clearly_worse_trial_is_stopped_by_default(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    script(monkeypatch, [GOOD, WORSE])
    run_study(write_space(workdir), 2, URL)
    assert _states() == [TrialState.COMPLETE, TrialState.PRUNED]


def test_a_trial_as_good_as_the_incumbent_is_not_stopped(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    script(monkeypatch, [GOOD, [0.19, 0.21, 0.23]])
    run_study(write_space(workdir, "will_not_win = true"), 2, URL)
    assert _states() == [TrialState.COMPLETE, TrialState.COMPLETE]


def test_the_stored_prune_names_the_will_not_win_rule(
    workdir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    script(monkeypatch, [GOOD, WORSE])
    run_study(write_space(workdir, "will_not_win = true"), 2, URL)
    capsys.readouterr()
    assert main(["show", "t", "--json"]) == 0
    pruned = json.loads(capsys.readouterr().out)["trials"][1]["pruned"]
    assert pruned["by"] == "will_not_win"
    assert pruned["reason"].startswith("will not win: at epoch ")


def test_will_not_win_options_set_its_warmup(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A warm-up of 99 % of the epochs leaves no check before the end to decide at.
    script(monkeypatch, [GOOD, WORSE])
    pruner = "will_not_win = true\nwill_not_win_options = { warmup_fraction = 0.99 }"
    run_study(write_space(workdir, pruner), 2, URL)
    assert _states() == [TrialState.COMPLETE, TrialState.COMPLETE]


def test_a_bad_will_not_win_option_is_one_line_and_stores_nothing(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    space = write_space(workdir, "will_not_win = true\nwill_not_win_options = { threshold = 2 }")
    assert main(["run", "--study", "t", "--space", str(space), "--trials", "1"]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err
    assert "`will_not_win_options`: `threshold` must be a number > 0 and < 1" in err
    assert not (workdir / "studies.db").exists()
