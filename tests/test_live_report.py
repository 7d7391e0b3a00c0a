"""The report is rewritten, marked partial, while a study runs."""

from __future__ import annotations

import io
from pathlib import Path

import optuna
import pytest

from study.cli import main
from study.errors import InputError
from study.reporting import LiveReport
from study.reporting import _live as live_module
from study.runner import RunOptions, run
from study.storage import open_storage
from tests.report_fixtures import grid_study, write_storage
from tests.scripted_runs import script, write_space

# Where a report is written and when, not what its figures show.
pytestmark = pytest.mark.usefixtures("undrawn_figures")


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("STUDY_STORAGE", raising=False)
    return tmp_path


def test_every_nth_finished_trial_rewrites_the_page_marked_partial(workdir: Path) -> None:
    study = write_storage(grid_study(6, name="g"), "sqlite:///s.db")
    live = LiveReport(workdir / "reports" / "g", "sqlite:///s.db", every=2)
    page = workdir / "reports" / "g" / "index.html"
    live(study, study.trials[0])
    assert not page.exists()
    live(study, study.trials[1])
    assert "Partial report" in page.read_text(encoding="utf-8")


def test_run_calls_back_after_each_trial_it_finishes(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    script(monkeypatch, [[0.2, 0.21, 0.22]])
    seen: list[int] = []
    options = RunOptions(
        study="t", trials=3, space=write_space(workdir), storage="sqlite:///s.db", jobs=1
    )
    run(options, out=io.StringIO(), callbacks=[lambda study, trial: seen.append(trial.number)])
    assert seen == [0, 1, 2]


def test_a_run_ends_with_the_whole_report_not_the_partial_one(
    workdir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    script(monkeypatch, [[0.2, 0.21, 0.22]])
    argv = [
        "run",
        "--space",
        str(write_space(workdir)),
        "--study",
        "t",
        "--trials",
        "2",
        "--jobs",
        "1",
        "--storage",
        "sqlite:///s.db",
        "--report-every",
        "1",
    ]
    assert main(argv) == 0
    page = (workdir / "reports" / "t" / "index.html").read_text(encoding="utf-8")
    assert "Partial report" not in page
    assert optuna.load_study(study_name="t", storage=open_storage("sqlite:///s.db")).trials


def test_a_negative_report_interval_is_one_line_and_stores_nothing(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = [
        "run",
        "--space",
        str(write_space(workdir)),
        "--report-every",
        "-1",
        "--storage",
        "sqlite:///s.db",
    ]
    assert main(argv) == 2
    assert "--report-every" in capsys.readouterr().err
    assert not (workdir / "s.db").exists()


def test_an_interval_below_one_is_refused(workdir: Path) -> None:
    with pytest.raises(InputError, match="every"):
        LiveReport(workdir / "reports" / "g", every=0)


def test_a_page_that_cannot_be_written_is_said_once_and_the_run_goes_on(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    study = write_storage(grid_study(2, name="g"), "sqlite:///s.db")
    live = LiveReport(workdir / "reports" / "g", every=1)
    (workdir / "reports").write_text("a file where the folder would be", encoding="utf-8")
    live(study, study.trials[0])
    live(study, study.trials[1])
    assert capsys.readouterr().err.count("the live report was not written") == 1


class _Clock:
    """A clock the test moves; the fake page build takes ``build`` seconds on it."""

    def __init__(self, build: float) -> None:
        self.now, self.build, self.pages = 0.0, build, 0

    def __call__(self) -> float:
        return self.now

    def write(self, *args: object, **kwargs: object) -> None:
        self.now += self.build
        self.pages += 1


def _trials_of(
    clock: _Clock, live: LiveReport, study: optuna.Study, seconds: float, n: int
) -> None:
    for trial in study.trials[:n]:
        clock.now += seconds
        live(study, trial)


@pytest.fixture
def clocked(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[_Clock, optuna.Study]:
    """A scripted clock on which each page takes 10 s, and a stored study of 20 trials."""
    clock = _Clock(build=10.0)
    monkeypatch.setattr(live_module, "monotonic", clock)
    monkeypatch.setattr(live_module, "build_report", clock.write)
    return clock, write_storage(grid_study(20, name="g"), "sqlite:///s.db")


def test_short_trials_get_a_page_only_while_pages_take_a_tenth_of_the_time(
    workdir: Path, clocked: tuple[_Clock, optuna.Study]
) -> None:
    clock, study = clocked
    live = LiveReport(workdir / "reports" / "g", every=5)
    _trials_of(clock, live, study, seconds=3.0, n=20)
    # The first page is due at trial 5 (t=15 s) and takes 10 s; the next is held back until
    # the 10 s spent are within a tenth of the time since the start (t >= 100 s).
    assert clock.pages == 1


def test_long_trials_get_a_page_every_nth_trial(
    workdir: Path, clocked: tuple[_Clock, optuna.Study]
) -> None:
    clock, study = clocked
    live = LiveReport(workdir / "reports" / "g", every=5)
    _trials_of(clock, live, study, seconds=60.0, n=20)
    assert clock.pages == 4


def test_a_page_held_back_is_written_after_the_first_trial_that_fits(
    workdir: Path, clocked: tuple[_Clock, optuna.Study]
) -> None:
    clock, study = clocked
    live = LiveReport(workdir / "reports" / "g", every=1)
    _trials_of(clock, live, study, seconds=20.0, n=4)
    # t=20: page (spent 10, now 30); t=50: 10 > 5, held; t=70: 10 > 7, held; t=90: 10 > 9 held
    assert clock.pages == 1
    _trials_of(clock, live, study, seconds=20.0, n=1)  # t=110: 10 <= 11, the held page
    assert clock.pages == 2
