"""A study made by a user's own Optuna objective (as ``OverfitPruningCallback`` stores it)
read back by ``show``, ``report``, ``next`` and ``export``, in-process through ``main``."""

from __future__ import annotations

import json
from pathlib import Path

import optuna
import pytest
from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
from optuna.trial import TrialState

from study.cli import main
from study.diagnosis import diagnose_seeds
from study.storage import PruneInfo
from study.storage.runs import trial_attrs
from tests.stored_fixtures import good_curves, overfit_curves

DISTRIBUTIONS = {
    "units": IntDistribution(4, 256, log=True),
    "dropout": FloatDistribution(0.0, 0.5),
    "optimizer": CategoricalDistribution(["adam", "sgd"]),
}


def _trial(number: int) -> optuna.trial.FrozenTrial:
    """One seed per trial, as the callback stores it; trial 0 overfits and is pruned."""
    pruned = number == 0
    curves = [(overfit_curves if pruned else good_curves)(0)]
    if pruned:
        curves = [curves[0].truncated(120)]
    prune = PruneInfo(epoch=120, epochs_planned=200, reason="overfit") if pruned else None
    user, system = trial_attrs(curves, diagnose_seeds(curves), prune)
    value = float(curves[0].val_loss[-1])
    return optuna.trial.create_trial(
        state=TrialState.PRUNED if pruned else TrialState.COMPLETE,
        value=None if pruned else value,
        params={"units": 8 * (number + 1), "dropout": 0.1 * number, "optimizer": "adam"},
        distributions=DISTRIBUTIONS,
        user_attrs=user,
        system_attrs=system,
        intermediate_values={120 if pruned else 200: value},
    )


@pytest.fixture
def url(workdir: Path) -> str:
    """A study of four trials with only what the callback stores (no study attributes)."""
    url = f"sqlite:///{workdir / 'own.db'}"
    study = optuna.create_study(study_name="mine", storage=url)
    for number in range(4):
        study.add_trial(_trial(number))
    return url


def test_show_describes_the_study_from_its_trials(
    url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["show", "mine", "--storage", url]) == 0
    header = capsys.readouterr().out.splitlines()[0]
    assert header.endswith(": own model on own data, objective value (minimize), 1 seed per trial")


def test_show_json_has_the_seeds_and_searched_ranges(
    url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["show", "mine", "--storage", url, "--json"]) == 0
    described = json.loads(capsys.readouterr().out)["study"]
    assert described["seeds"] == 1 and described["own_objective"] is True
    assert described["searched"] == {
        "units": "4..256 log",
        "dropout": "0..0.5",
        "optimizer": "adam | sgd",
    }


@pytest.mark.usefixtures("undrawn_figures")
def test_report_counts_its_seeds_and_searched_parameters(url: str, workdir: Path) -> None:
    assert main(["report", "mine", "--storage", url, "--out", str(workdir / "r")]) == 0
    page = (workdir / "r" / "index.html").read_text()
    assert "1 seeds per trial" in page and "searches no parameter" not in page


def test_next_refuses_in_one_line_and_writes_nothing(
    url: str, workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = workdir / "next.toml"
    assert main(["next", "mine", "--storage", url, "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "made by your own Optuna objective" in err
    assert not out.exists()


def test_export_writes_every_searched_parameter(url: str, workdir: Path) -> None:
    assert main(["export", "mine", "--storage", url, "--out", str(workdir / "x")]) == 0
    header = (workdir / "x" / "trials.csv").read_text().splitlines()[0].split(",")
    assert {"params_units", "params_dropout", "params_optimizer"} <= set(header)
