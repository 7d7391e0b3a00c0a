"""optuna-dashboard, served on 127.0.0.1 over a running study, shows what the run stores.

A scripted run (nothing trains) writes to a SQLite file while a real dashboard server reads
it: every trial has one intermediate value per pruning check, in the objective's metric; a
trial still running shows the values reported so far; a finished trial lists its curve
figure as an artifact that the server serves as a PNG.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import json
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import optuna_dashboard
import pytest
from optuna.artifacts import FileSystemArtifactStore

import study.runner._objective as objective_module
import study.runner._run as run_module
from study.curves import SeedCurves
from study.reporting import CurveArtifacts
from study.runner import RunOptions, objective_value, run
from tests.scripted_runs import CHECK, EPOCHS, falling, write_space

pytestmark = pytest.mark.e2e

WAIT = 60.0
"""Seconds any wait of this test may last before it fails."""
FINALS = (0.2, 0.21, 0.22)
STEPS = list(range(CHECK, EPOCHS + 1, CHECK))
"""The epochs of a trial's pruning checks."""


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass  # the test's output shows failures, not every request


@dataclasses.dataclass
class Pause:
    """Holds trial ``trial``'s seeds after check ``after`` until released."""

    trial: int
    after: int
    reached: threading.Event = dataclasses.field(default_factory=threading.Event)
    release: threading.Event = dataclasses.field(default_factory=threading.Event)


def _script_with_pause(monkeypatch: pytest.MonkeyPatch, pause: Pause) -> None:
    calls = {"trial": 0}

    def run_seeds(
        family: str, params: Any, data: Any, seeds: list[int], **kwargs: Any
    ) -> list[SeedCurves]:
        number = calls["trial"]
        calls["trial"] += 1
        full = [falling(s, FINALS[s]) for s in seeds]
        for check, step in enumerate(STEPS, start=1):
            if kwargs["on_progress"]([c.truncated(step) for c in full]):
                return [dataclasses.replace(c.truncated(step), stop="pruned") for c in full]
            if number == pause.trial and check == pause.after:
                pause.reached.set()
                assert pause.release.wait(WAIT), "the test never released the paused trial"
        return full

    monkeypatch.setattr(objective_module, "run_seeds", run_seeds)
    monkeypatch.setattr(run_module, "warm_up", lambda *args, **kwargs: None)


@contextlib.contextmanager
def _serve(url: str, folder: Path) -> Iterator[str]:
    """optuna-dashboard on 127.0.0.1 (a free port) over ``url`` and artifacts in ``folder``."""
    app = optuna_dashboard.wsgi(url, artifact_store=FileSystemArtifactStore(folder))
    server: WSGIServer = make_server("127.0.0.1", 0, app, handler_class=_Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(WAIT)


def _get(base: str, path: str) -> Any:
    with urllib.request.urlopen(base + path, timeout=WAIT) as response:
        body = response.read()
    return json.loads(body) if response.headers.get_content_type() == "application/json" else body


def _trials(base: str) -> list[dict[str, Any]]:
    (study,) = _get(base, "/api/studies")["study_summaries"]
    return list(_get(base, f"/api/studies/{study['study_id']}")["trials"])


def _values(trial: dict[str, Any]) -> dict[int, float]:
    return {v["step"]: v["value"] for v in trial["intermediate_values"]}


def _expected(steps: list[int]) -> dict[int, float]:
    """The objective (final validation loss, as stored) of the scripted curves at ``steps``."""
    seeds = [falling(s, f) for s, f in enumerate(FINALS)]
    return {s: objective_value("final_val_loss", [c.truncated(s) for c in seeds]) for s in steps}


@pytest.fixture
def paused_run(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[tuple[str, Pause]]:
    """Three trials run in the background, trial 1 paused after its second check, and the
    URL of a dashboard over their storage."""
    url, folder = f"sqlite:///{tmp_path / 's.db'}", tmp_path / "artifacts"
    pause = Pause(trial=1, after=2)
    _script_with_pause(monkeypatch, pause)
    options = RunOptions(study="t", trials=3, space=write_space(tmp_path), storage=url, jobs=1)
    errors: list[BaseException] = []

    def target() -> None:
        try:
            run(options, out=io.StringIO(), callbacks=[CurveArtifacts(folder, url)])
        except BaseException as e:  # the test thread reports it
            errors.append(e)

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    try:
        assert pause.reached.wait(WAIT), f"trial 1 never reached its second check: {errors}"
        with _serve(url, folder) as base:
            yield base, pause
    finally:
        pause.release.set()
        thread.join(WAIT)
    assert not thread.is_alive() and not errors


def test_a_running_trial_shows_the_values_reported_so_far(paused_run: tuple[str, Pause]) -> None:
    base, _ = paused_run
    running = [t for t in _trials(base) if t["state"] == "Running"]
    assert [t["number"] for t in running] == [1]
    assert _values(running[0]) == pytest.approx(_expected(STEPS[:2]))


def test_every_finished_trial_has_one_value_per_check_in_the_objectives_metric(
    paused_run: tuple[str, Pause],
) -> None:
    base, pause = paused_run
    pause.release.set()
    _wait_finished(base, 3)
    for trial in _trials(base):
        assert _values(trial) == pytest.approx(_expected(STEPS))
        assert trial["values"] == pytest.approx([_values(trial)[EPOCHS]])


def test_a_finished_trial_lists_its_curve_figure_as_an_artifact(
    paused_run: tuple[str, Pause],
) -> None:
    base, pause = paused_run
    pause.release.set()
    _wait_finished(base, 3)
    trial = _trials(base)[0]
    (artifact,) = trial["artifacts"]
    assert artifact["filename"] == "trial-0-curves.png" and artifact["mimetype"] == "image/png"
    path = f"/artifacts/{trial['study_id']}/{trial['trial_id']}/{artifact['artifact_id']}"
    assert _get(base, path).startswith(b"\x89PNG\r\n\x1a\n")


def _wait_finished(base: str, n: int) -> None:
    done = threading.Event()
    for _ in range(int(WAIT * 10)):
        if sum(t["state"] == "Complete" for t in _trials(base)) == n:
            return
        done.wait(0.1)
    pytest.fail(f"the study did not finish {n} trials within {WAIT} s")
