"""Bad storages: URLs, missing or foreign files, servers that do not answer, secrets."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.bad_input import JOURNAL, MLP, TINY, Case, Setup, cli, space
from tests.services import free_port

_CORRUPT = b"SQLite format 3\x00" + b"\xff" * 4000
"""A file with SQLite's header and garbage after it."""
_POSTGRES = f"postgresql+psycopg2://me:hunter2@127.0.0.1:{free_port()}/x"


def _foreign_sqlite(argv: list[str], space_text: str = MLP) -> Setup:
    """A SQLite database of another program (one table, not Optuna's) at ``other.db``."""

    def setup(folder: Path) -> list[str]:
        (folder / "bad.toml").write_text(space_text)
        db = sqlite3.connect(folder / "other.db")
        with db:
            db.execute("create table notes (id integer primary key, body text)")
            db.execute("insert into notes (body) values ('keep me')")
        db.close()
        return argv

    return setup


CASES = [
    Case(
        "list-missing-database",
        cli("list", "--storage", "sqlite:///missing.db"),
        "no study database",
    ),
    Case(
        "show-missing-database",
        cli("show", "base", "--storage", "sqlite:///missing.db"),
        "no study database",
    ),
    Case(
        "report-missing-database",
        cli("report", "base", "--storage", "sqlite:///missing.db"),
        "no study database",
    ),
    Case("storage-bad-scheme", cli("list", "--storage", "nosuchdb://x"), "cannot open storage"),
    Case("storage-not-a-url", cli("list", "--storage", "studies.db"), "storage"),
    Case("storage-empty-url", cli("list", "--storage", ""), "storage"),
    Case("storage-missing-folder", space(MLP, "sqlite:///no/such/folder/s.db"), "folder"),
    Case(
        "storage-sqlite-is-a-folder",
        cli("list", "--storage", "sqlite:///sub", written={"sub/x": "x"}),
        "storage",
    ),
    # A password is given through the environment: on the command line it draws a warning.
    Case(
        "storage-unreachable-postgres",
        cli(
            "run",
            "--space",
            "tiny.toml",
            "--study",
            "base",
            "--no-report",
            written={"tiny.toml": TINY},
        ),
        "cannot open storage postgresql+psycopg2://me:***@",
        env={"STUDY_STORAGE": _POSTGRES},
    ),
    Case(
        "storage-unreachable-list",
        cli("list"),
        "cannot open storage",
        env={"STUDY_STORAGE": _POSTGRES},
    ),
    Case(
        "storage-password-in-query",
        cli("list"),
        "cannot open storage",
        env={
            "STUDY_STORAGE": f"postgresql+psycopg2://me@127.0.0.1:{free_port()}/x?password=hunter2"
        },
    ),
    Case(
        "storage-env-bad-scheme",
        cli("list"),
        "cannot open storage",
        env={"STUDY_STORAGE": "nosuchdb://x"},
    ),
    Case(
        "storage-foreign-sqlite-run",
        _foreign_sqlite(
            [
                "run",
                "--space",
                "bad.toml",
                "--study",
                "new",
                "--storage",
                "sqlite:///other.db",
                "--no-report",
            ]
        ),
        "not a study",
    ),
    Case(
        "storage-foreign-sqlite-bad-space",
        _foreign_sqlite(
            [
                "run",
                "--space",
                "bad.toml",
                "--study",
                "new",
                "--storage",
                "sqlite:///other.db",
                "--no-report",
            ],
            space_text="family = 3\n",
        ),
        "`family` must be",
    ),
    Case(
        "storage-foreign-sqlite-list",
        _foreign_sqlite(["list", "--storage", "sqlite:///other.db"]),
        "not a study",
    ),
    Case(
        "storage-corrupt-sqlite",
        cli("list", "--storage", "sqlite:///junk.db", written={"junk.db": _CORRUPT}),
        "not a",
    ),
    Case(
        "storage-text-file-as-sqlite",
        cli(
            "show",
            "base",
            "--storage",
            "sqlite:///notes.db",
            written={"notes.db": "just some notes\n" * 20},
        ),
        "not a",
    ),
    Case(
        "bad-space-new-sqlite-file",
        space("family = 3\n", "sqlite:///fresh.db"),
        "`family` must be",
    ),
    Case(
        "bad-space-new-journal-file",
        space("family = 3\n", "journal://fresh.log"),
        "`family` must be",
    ),
    Case("bad-space-existing-journal", space("family = 3\n", JOURNAL), "`family` must be"),
    Case(
        "journal-resume-different-space",
        cli(
            "run",
            "--space",
            "other.toml",
            "--study",
            "base",
            "--storage",
            JOURNAL,
            "--no-report",
            written={"other.toml": 'family = "mlp"\ntask = "moons"\n'},
        ),
        "different search space",
    ),
    Case(
        "journal-show-unknown-study",
        cli("show", "ghost", "--storage", JOURNAL),
        "no study named 'ghost'",
    ),
    Case(
        "journal-damaged-record",
        cli(
            "list",
            "--storage",
            "journal://bad.log",
            written={"bad.log": '{"op_code": 0}\nnot json\n'},
        ),
        "the journal file is damaged",
    ),
    Case(
        "journal-not-a-journal",
        cli(
            "list",
            "--storage",
            "journal://bad.log",
            written={"bad.log": 'not json\n{"op_code": 0}\n'},
        ),
        "not an Optuna journal file",
    ),
    Case(
        "journal-binary-file",
        cli(
            "list",
            "--storage",
            "journal://bin.log",
            written={"bin.log": b"\xd1\xa7\x00\xff\n" * 500},
        ),
        "not an Optuna journal file",
    ),
    Case(
        "journal-sqlite-file",
        cli("show", "base", "--storage", "journal://s.db"),
        "an SQLite database",
    ),
    Case(
        "journal-path-is-folder",
        cli("list", "--storage", "journal://sub", written={"sub/x": "x"}),
        "journal",
    ),
]
