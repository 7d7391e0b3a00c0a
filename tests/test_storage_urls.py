"""Storage URLs: secrets never shown, in any URL form; other parts shown as given."""

from __future__ import annotations

from pathlib import Path

import pytest

from study.cli import main
from study.errors import InputError
from study.storage import (
    STORAGE_ENV,
    mask_url,
    open_storage,
    resolve_url,
    url_from_file,
)
from study.storage._urls import STORAGE_FILE_ENV, scrub
from tests.services import free_port
from tests.stored_fixtures import store_study

# Where a report is written and when, not what its figures show.
pytestmark = pytest.mark.usefixtures("undrawn_figures")

SECRET = "s3cr3t-Pw"


@pytest.mark.parametrize(
    "url",
    [
        f"postgresql://me:{SECRET}@db:5432/x",
        f"postgresql://me@db:5432/x?password={SECRET}",
        f"postgresql://me@db/x?sslmode=require&PASSWORD={SECRET}",
        f"postgresql+psycopg2://me:{SECRET}@db/x?application_name=a@b",
        f"mysql+pymysql://me@db/x?passwd={SECRET}",
        f"postgresql://me:{SECRET}@db:notaport/x",
    ],
)
def test_no_form_of_url_shows_its_secret(url: str) -> None:
    assert SECRET not in mask_url(url)
    assert "***" in mask_url(url)


def test_the_password_is_replaced_and_the_rest_kept() -> None:
    assert mask_url("postgresql://me:pw@db:5432/x") == "postgresql://me:***@db:5432/x"


def test_an_at_sign_in_the_query_does_not_move_the_host() -> None:
    shown = mask_url("postgresql://me:pw@db/x?application_name=a@b")
    assert shown.startswith("postgresql://me:***@db/x?")
    assert "pw" not in shown.replace("application_name", "")


def test_file_urls_are_shown_as_given() -> None:
    assert mask_url("sqlite:///studies.db") == "sqlite:///studies.db"
    assert mask_url("sqlite:///a@b:c.db") == "sqlite:///a@b:c.db"
    assert mask_url("journal:///tmp/x.log") == "journal:///tmp/x.log"


def test_a_url_encoded_password_is_scrubbed_in_both_forms() -> None:
    url = "postgresql://me:p%40ss@db/x"
    assert scrub("failed for p@ss and p%40ss", url) == "failed for *** and ***"


def test_a_query_password_is_not_in_the_error_of_an_unreachable_server() -> None:
    url = f"postgresql://me@127.0.0.1:1/x?password={SECRET}"
    with pytest.raises(InputError) as info:
        open_storage(url)
    message = str(info.value)
    assert SECRET not in message and "cannot open storage" in message
    assert "\n" not in message


def test_the_storage_url_can_come_from_a_file_named_in_the_environment(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (workdir / "url.txt").write_text("\n  sqlite:///from-file.db  \n")
    monkeypatch.setenv(STORAGE_FILE_ENV, "url.txt")
    assert resolve_url(None) == "sqlite:///from-file.db"


def test_the_storage_variable_wins_over_the_file_variable(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(STORAGE_ENV, "sqlite:///env.db")
    monkeypatch.setenv(STORAGE_FILE_ENV, "missing.txt")
    assert resolve_url(None) == "sqlite:///env.db"


@pytest.mark.parametrize("content", [b"", b"\n \n", b"\xff\xfe" * 10, b"x" * 5000])
def test_a_file_without_a_url_is_one_error(workdir: Path, content: bytes) -> None:
    (workdir / "url.txt").write_bytes(content)
    with pytest.raises(InputError, match=r"--storage-file=.*url\.txt"):
        url_from_file(workdir / "url.txt", "--storage-file")


def _stored(workdir: Path) -> str:
    url = f"sqlite:///{workdir / 's.db'}"
    store_study(url)
    return url


@pytest.mark.parametrize(
    "command",
    [
        ["list"],
        ["show", "demo"],
        ["report", "demo"],
        ["export", "demo"],
    ],
)
@pytest.mark.parametrize("how", ["env", "file-env", "file-option"])
def test_every_read_command_takes_the_storage_from_outside_the_command_line(
    workdir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    command: list[str],
    how: str,
) -> None:
    url = _stored(workdir)
    (workdir / "url.txt").write_text(url)
    extra: list[str] = []
    if how == "env":
        monkeypatch.setenv(STORAGE_ENV, url)
    elif how == "file-env":
        monkeypatch.setenv(STORAGE_FILE_ENV, "url.txt")
    else:
        extra = ["--storage-file", "url.txt"]
    assert main([*command, *extra]) == 0, capsys.readouterr().err
    assert "demo" in capsys.readouterr().out or command[0] != "list"


def test_a_password_on_the_command_line_draws_a_warning(
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = f"postgresql+psycopg2://me:{SECRET}@127.0.0.1:{free_port()}/x"
    assert main(["list", "--storage", url]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert lines[0].startswith("warning: --storage holds a password")
    assert "--storage-file" in lines[0] and lines[1].startswith("error: ")
    assert all(SECRET not in line for line in lines)


def test_a_password_from_a_file_draws_no_warning(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (workdir / "url.txt").write_text(
        f"postgresql+psycopg2://me:{SECRET}@127.0.0.1:{free_port()}/x"
    )
    assert main(["list", "--storage-file", "url.txt"]) == 2
    err = capsys.readouterr().err
    assert "warning" not in err and SECRET not in err
