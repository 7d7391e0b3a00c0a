"""PostgreSQL through the README's plain ``postgresql://`` URL, with what the extra installs."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

import optuna
import pytest
import sqlalchemy

from study.cli import main
from study.storage import keys, open_storage, trial_record
from study.storage.runs import write_trial_result
from tests.report_fixtures import scripted_curves
from tests.services import PASSWORD, PASSWORD_USER, ROOT, Postgres, postgres_server

pytestmark = pytest.mark.e2e  # Starts a PostgreSQL server.


@pytest.fixture(scope="module")
def server() -> Iterator[Postgres]:
    with postgres_server() as running:
        yield running


def test_the_plain_scheme_uses_psycopg_3_which_the_extra_installs(server: Postgres) -> None:
    url = server.url(server.database("plain"), password=True)
    assert url.startswith("postgresql://")
    assert sqlalchemy.engine.make_url(url).get_dialect().driver == "psycopg"


def test_curves_round_trip_through_postgresql(server: Postgres) -> None:
    url = server.url(server.database("curves"), password=True)
    study = optuna.create_study(study_name="p", storage=open_storage(url))
    trial = study.ask()
    curves = [scripted_curves("overfit", 300, s) for s in range(3)]
    write_trial_result(trial, curves, None)
    study.tell(trial, 1.0)
    reread = optuna.load_study(study_name="p", storage=open_storage(url, must_exist=True))
    [stored] = reread.trials
    assert keys.CURVES in stored.system_attrs
    assert [c.to_dict() for c in trial_record(stored).seeds] == [c.to_dict() for c in curves]


@pytest.mark.parametrize("form", ["userinfo", "query"])
def test_no_password_in_the_output_of_list(
    server: Postgres, form: str, capsys: pytest.CaptureFixture[str]
) -> None:
    database = server.database(f"listed_{form}")
    url = server.url(database, password=True)
    if form == "query":
        url = (
            f"postgresql://{PASSWORD_USER}@127.0.0.1:{server.port}/{database}?password={PASSWORD}"
        )
    optuna.create_study(study_name="p", storage=open_storage(url))
    assert main(["list", "--storage", url]) == 0
    out, err = capsys.readouterr()
    assert "p " in out and PASSWORD not in out + err


_OPEN = "import sys\nfrom study.storage import open_storage\nopen_storage(sys.argv[1])\n"


def test_workers_started_together_on_a_new_database_all_open_it(server: Postgres) -> None:
    url = server.url(server.database("together"), password=True)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    starts = [
        subprocess.Popen([sys.executable, "-c", _OPEN, url], env=env, stderr=subprocess.PIPE)
        for _ in range(6)
    ]
    errors = [p.communicate(timeout=120)[1].decode() for p in starts]
    assert [p.returncode for p in starts] == [0] * 6, errors
