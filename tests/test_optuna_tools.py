"""A study's storage opens with Optuna's own tools, with nothing of ``study`` in the way."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any
from wsgiref.util import setup_testing_defaults

import pytest

from study.runner import RunOptions, run

pytestmark = pytest.mark.e2e

URL = "sqlite:///studies.db"
pytestmark = pytest.mark.e2e  # Trains a small study, and runs Optuna's CLI in a process.


@pytest.fixture
def stored(tiny_space: Path) -> Path:
    run(RunOptions(study="t", trials=2, space=tiny_space, storage=URL, jobs=1), out=io.StringIO())
    return tiny_space.parent


def test_optuna_cli_lists_the_trials(stored: Path) -> None:
    optuna_cli = Path(sys.executable).parent / "optuna"
    result = subprocess.run(
        [str(optuna_cli), "trials", "--study-name", "t", "--storage", URL, "-f", "json"],
        cwd=stored,
        capture_output=True,
        text=True,
        check=True,
    )
    trials = json.loads(result.stdout)
    assert [t["number"] for t in trials] == [0, 1]
    assert all(t["state"] == "COMPLETE" for t in trials)
    assert all(t["user_attrs"]["diagnosis"]["agreement_text"] for t in trials)


def test_optuna_cli_prints_at_most_2_kb_per_trial(stored: Path) -> None:
    optuna_cli = Path(sys.executable).parent / "optuna"
    table, listed = (
        subprocess.run(
            [str(optuna_cli), "trials", "--study-name", "t", "--storage", URL, "-f", form],
            cwd=stored,
            capture_output=True,
            check=True,
        ).stdout
        for form in ("table", "json")
    )
    assert max(len(line) for line in table.splitlines()) <= 2048  # One line per trial.
    assert all(len(json.dumps(t).encode()) <= 2048 for t in json.loads(listed))


def test_optuna_dashboard_serves_the_study(stored: Path) -> None:
    from optuna_dashboard import wsgi

    app = wsgi(URL)
    status, body = _get(app, "/api/studies")
    assert status.startswith("200")
    studies = json.loads(body)["study_summaries"]
    assert [s["study_name"] for s in studies] == ["t"]
    status, body = _get(app, f"/api/studies/{studies[0]['study_id']}")
    assert status.startswith("200")
    assert len(json.loads(body)["trials"]) == 2


def _get(app: Any, path: str) -> tuple[str, bytes]:
    environ: dict[str, Any] = {"PATH_INFO": path, "REQUEST_METHOD": "GET"}
    setup_testing_defaults(environ)
    status: list[str] = []
    body = b"".join(app(environ, lambda s, headers, exc_info=None: status.append(s)))
    return status[0], body
