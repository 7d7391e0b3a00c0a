"""``python -m study report``, run in-process through ``main``."""

from __future__ import annotations

from pathlib import Path

import pytest

from study.cli import main
from study.reporting import safe_dirname
from tests.report_fixtures import grid_study, write_storage

# Where a report is written and when, not what its figures show.
pytestmark = pytest.mark.usefixtures("undrawn_figures")

NAME = "sine <lstm>/v1"


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A storage with one scripted study named :data:`NAME` (shared: the tests only read it)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('storage') / 'studies.db'}"
    write_storage(grid_study(6, epochs=30, name=NAME), url)
    return url


@pytest.fixture
def url(stored: str, workdir: Path) -> str:
    """The shared storage's URL, from within a fresh working folder."""
    return stored


def one_line_error(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "Traceback" not in err
    assert err.startswith("error: ")
    return err


def test_report_writes_index_html_and_prints_its_path(
    url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert (
        main(
            [
                "report",
                NAME,
                "--storage",
                url,
                "--out",
                str(out),
                "--trial",
                "3",
                "--max-curves",
                "1",
            ]
        )
        == 0
    )
    assert capsys.readouterr().out.strip() == str(out / "index.html")
    html = (out / "index.html").read_text(encoding="utf-8")
    assert "sine &lt;lstm&gt;/v1" in html
    assert "Trial #3" in html


def test_default_out_dir_is_a_safe_folder_under_reports(
    url: str, workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", NAME, "--storage", url, "--max-curves", "2"]) == 0
    path = Path(capsys.readouterr().out.strip())
    assert path == Path("reports") / safe_dirname(NAME) / "index.html"
    assert (workdir / path).is_file()
    assert [p.name for p in (workdir / "reports").iterdir()] == [safe_dirname(NAME)]


def test_storage_env_is_used_without_option(
    url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("STUDY_STORAGE", url)
    assert main(["report", "nope"]) == 2
    assert f"studies there: {NAME}." in one_line_error(capsys)


def test_unknown_study_lists_the_studies_there(
    url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", "nope", "--storage", url]) == 2
    err = one_line_error(capsys)
    assert "no study named 'nope'" in err
    assert f"studies there: {NAME}." in err


def test_missing_storage_file(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = f"sqlite:///{workdir / 'missing.db'}"
    assert main(["report", "x", "--storage", missing]) == 2
    assert "no study database" in one_line_error(capsys)
    assert not (workdir / "missing.db").exists()


def test_unknown_trial(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", NAME, "--storage", url, "--trial", "99"]) == 2
    assert "--trial must name a trial" in one_line_error(capsys)


def test_out_must_not_be_a_file(
    url: str, workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (workdir / "file").write_text("x")
    assert main(["report", NAME, "--storage", url, "--out", str(workdir / "file")]) == 2
    assert "--out must be a folder" in one_line_error(capsys)
