"""Storage URLs: secrets never shown, in any URL form; other parts shown as given."""

from __future__ import annotations

import pytest

from study.errors import InputError
from study.storage import mask_url, open_storage, scrub

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
