"""The notebook API: ``study.diagnose``, ``study.load`` and ``study.report``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import optuna
import pandas as pd
import pytest

import study
import study.api
from study.curvecontext import CONTEXT_COLUMNS
from study.errors import InputError
from tests.stored_fixtures import good_curves, overfit_curves, store_study


def _history(curves: object) -> dict[str, list[float]]:
    return {"loss": list(curves.train_loss), "val_loss": list(curves.val_loss)}  # type: ignore[attr-defined]


@pytest.mark.e2e
def test_import_is_light() -> None:
    code = (
        "import sys, study; "
        "print(json.dumps(sorted(m for m in ('tensorflow', 'pandas', 'keras', 'optuna') "
        "if m in sys.modules)))"
    )
    out = subprocess.run(
        [sys.executable, "-c", "import json; " + code], capture_output=True, text=True, check=True
    )
    assert json.loads(out.stdout) == []


def test_diagnose_history_dict() -> None:
    assert study.diagnose(_history(overfit_curves(0))).category == "overfit"


def test_diagnose_history_object() -> None:
    class History:  # What keras.callbacks.History exposes.
        history = _history(good_curves(0))

    assert study.diagnose(History()).category == "good_fit"


def test_diagnose_list_is_seeds() -> None:
    result = study.diagnose([_history(overfit_curves(s)) for s in range(3)])
    assert result.seed_ids == (0, 1, 2)


def test_diagnose_seeds_of_different_lengths() -> None:
    result = study.diagnose([_history(overfit_curves(0)), _history(overfit_curves(1, 150))])
    assert [d.evidence.epochs for d in result.seeds] == [200, 150]


def test_diagnose_frame_with_seed_column() -> None:
    frames = [pd.DataFrame(_history(overfit_curves(s))).assign(seed=s) for s in range(2)]
    assert len(study.diagnose(pd.concat(frames)).seeds) == 2


def test_diagnose_file(tmp_path: Path) -> None:
    path = tmp_path / "log.csv"
    pd.DataFrame(_history(overfit_curves(0))).to_csv(path, index_label="epoch")
    assert study.diagnose(path).category == "overfit"


def test_diagnose_config_mapping_is_applied() -> None:
    strict = study.diagnose(_history(overfit_curves(0)), config={"rise_ratio": 50.0})
    assert strict.verdict.kind != "turning_point"


def test_diagnose_repr_is_one_readable_line() -> None:
    text = repr(study.diagnose(_history(overfit_curves(0))))
    assert text.startswith("<FitDiagnosis overfit/turning_point: 1 of 1 seeds overfit")
    assert "\n" not in text


def test_diagnose_rejects_unknown_input() -> None:
    with pytest.raises(InputError, match="cannot read curves from a int"):
        study.diagnose(3)


def test_diagnose_rejects_missing_val_loss() -> None:
    with pytest.raises(InputError, match="val_loss"):
        study.diagnose({"loss": list(np.ones(10))})


def test_load_trials_frame(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 's.db'}"
    store_study(url)
    trials, _ = study.load("demo", storage=url)
    assert list(trials["category"]) == ["overfit", "good_fit", "good_fit"]
    assert {"number", "state", "value", "params_units", "advice"} <= set(trials.columns)


def test_load_epochs_are_per_seed_and_seed_epochs_their_sum(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 's.db'}"
    store_study(url, n_trials=1, seeds=2)
    trials, curves = study.load("demo", storage=url)
    per_seed = curves[curves["series"] == "val_loss"].groupby("seed")["epoch"].max()
    assert trials["epochs"].iloc[0] == per_seed.max() == 200
    assert trials["seed_epochs"].iloc[0] == per_seed.sum() == 400


def test_load_curves_frame_is_long(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 's.db'}"
    store_study(url, n_trials=1, seeds=2)
    _, curves = study.load("demo", storage=url)
    assert list(curves.columns) == ["trial", "seed", "epoch", "series", "value", *CONTEXT_COLUMNS]
    assert len(curves) == 2 * 2 * 200  # seeds x (train_loss, val_loss) x epochs


def test_load_curves_diagnose_back(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 's.db'}"
    store_study(url, n_trials=1)
    _, curves = study.load("demo", storage=url)
    assert study.diagnose(curves).category == "overfit"


def test_load_unknown_study(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 's.db'}"
    store_study(url, n_trials=1)
    with pytest.raises(InputError, match=r"no study named 'nope'.*studies there: demo"):
        study.load("nope", storage=url)


def test_load_refuses_a_study_optuna_made_directly(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 's.db'}"
    optuna.create_study(study_name="bare", storage=url).add_trial(
        optuna.trial.create_trial(value=1.0)
    )
    with pytest.raises(InputError, match=r"holds no curves or diagnoses.*optuna-dashboard"):
        study.load("bare", storage=url)


@pytest.mark.usefixtures("undrawn_figures")
def test_report_writes_page(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 's.db'}"
    store_study(url)
    path = study.report("demo", storage=url, out=tmp_path / "page")
    assert path == tmp_path / "page" / "index.html" and path.stat().st_size > 0


def test_importing_the_reporting_subpackage_leaves_study_report_the_function() -> None:
    import study.reporting

    assert study.report is study.api.report
    assert study.reporting.build_report is not study.report


@pytest.mark.e2e
def test_study_report_is_the_function_when_the_subpackage_is_imported_first() -> None:
    code = (
        "import study.reporting, study, study.api; "
        "print(study.report is study.api.report and callable(study.report))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.stdout.strip() == "True", done.stderr
