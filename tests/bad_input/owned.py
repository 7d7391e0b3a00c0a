"""What a user owns and what a stored study names: outputs never replace the user's files or the
storage, ``journal://`` never touches a file that is not a journal, plain-Optuna studies and
stored builders are refused, and storage URLs come from a file or the environment."""

from __future__ import annotations

import json
from pathlib import Path

import optuna
from optuna.storages import JournalStorage
from optuna.storages.journal import JournalFileBackend

from tests.bad_input import JOURNAL, SQLITE, TINY, Case, Setup, cli, files, run_base
from tests.services import free_port

_LONG = "x" * 5000
"""A path longer than any file system allows."""
_POSTGRES = f"postgresql+psycopg2://me:hunter2@127.0.0.1:{free_port()}/x"
_CSV = "a,b\n1,2\n"
_BUILDER = 'model = "evil:build"\ntask = "sine"\nseeds = 1\n\n[params]\nepochs = 5\n'
_EVIL = 'open("imported-by-the-storage", "w").close()\n\n\ndef build(*args):\n    pass\n'


def _plain_optuna(argv: list[str], *, objectives: int = 1) -> Setup:
    """Study ``plain`` made by Optuna directly (two trials) in journal ``plain.log``."""

    def setup(folder: Path) -> list[str]:
        (folder / "tiny.toml").write_text(TINY)
        storage = JournalStorage(JournalFileBackend(str(folder / "plain.log")))
        directions = ["minimize"] * objectives
        study = optuna.create_study(storage=storage, study_name="plain", directions=directions)
        optuna.logging.set_verbosity(optuna.logging.WARNING)

        def objective(trial: optuna.Trial) -> float | list[float]:
            x = trial.suggest_float("x", 0.0, 1.0)
            return x if objectives == 1 else [x] * objectives

        study.optimize(objective, n_trials=2)
        return argv

    return setup


def _stored_builder(argv: list[str]) -> Setup:
    """Study ``custom`` in journal ``c.log`` naming builder ``evil:build``, and ``evil.py``
    beside it, which leaves a file behind when imported."""

    def setup(folder: Path) -> list[str]:
        (folder / "evil.py").write_text(_EVIL)
        storage = JournalStorage(JournalFileBackend(str(folder / "c.log")))
        study = optuna.create_study(storage=storage, study_name="custom")
        attrs = {
            "format": 2,
            "space_text": _BUILDER,
            "fingerprint": json.dumps({"x": 1}),
            "space_path": str(folder / "custom.toml"),
        }
        for key, value in attrs.items():
            study.set_user_attr(key, value)
        return argv

    return setup


def _next(*extra: str, storage: str = SQLITE) -> list[str]:
    return ["next", "base", "--storage", storage, *extra]


_PLAIN = "journal://plain.log"

CASES = [
    # Outputs never replace a file the command did not make, nor ever the storage.
    Case("next-out-is-the-sqlite-storage", cli(*_next("--out", "s.db")), "exists; pass --force"),
    Case(
        "next-force-out-is-the-sqlite-storage",
        cli(*_next("--out", "s.db", "--force")),
        "the storage this command reads",
    ),
    Case(
        "next-force-out-is-the-journal-storage",
        cli(*_next("--out", "j.log", "--force", storage=JOURNAL)),
        "the storage this command reads",
    ),
    Case(
        "next-out-is-the-users-space",
        cli(*_next("--out", "my_space.toml"), written={"my_space.toml": TINY}),
        "exists; pass --force",
    ),
    Case(
        "next-default-out-exists",
        cli(*_next(), written={"next_base.toml": TINY}),
        "exists; pass --force",
    ),
    Case(
        "export-out-holds-trials-csv",
        cli("export", "base", "--storage", SQLITE, "--out", "o", written={"o/trials.csv": _CSV}),
        "exists; pass --force",
    ),
    Case(
        "export-out-holds-curves-csv",
        cli("export", "base", "--storage", SQLITE, "--out", "o", written={"o/curves.csv": _CSV}),
        "exists; pass --force",
    ),
    Case(
        "report-out-holds-a-page",
        cli(
            "report",
            "base",
            "--storage",
            SQLITE,
            "--out",
            "o",
            written={"o/index.html": "<p>mine</p>"},
        ),
        "exists; pass --force",
    ),
    # Paths that cannot be used.
    Case(
        "next-out-under-a-file",
        cli(*_next("--out", "f/x.toml"), written={"f": "x"}),
        "does not exist (or is a file)",
    ),
    Case(
        "export-out-under-a-file",
        cli("export", "base", "--storage", SQLITE, "--out", "f/o", written={"f": "x"}),
        "which is a file",
    ),
    Case(
        "report-out-under-a-file",
        cli("report", "base", "--storage", SQLITE, "--out", "f/o", written={"f": "x"}),
        "which is a file",
    ),
    Case("next-out-5000-characters", cli(*_next("--out", _LONG)), "File name too long"),
    Case(
        "export-out-5000-characters",
        cli("export", "base", "--storage", SQLITE, "--out", _LONG),
        "File name too long",
    ),
    Case(
        "report-out-5000-characters",
        cli("report", "base", "--storage", SQLITE, "--out", _LONG),
        "File name too long",
    ),
    Case(
        "run-space-5000-characters",
        cli("run", "--space", _LONG, "--storage", SQLITE, "--study", "new", "--no-report"),
        "cannot read the search-space file",
    ),
    Case(
        "list-sqlite-5000-characters",
        cli("list", "--storage", f"sqlite:///{_LONG}"),
        "File name too long",
    ),
    Case(
        "run-sqlite-5000-characters", run_base(storage=f"sqlite:///{_LONG}"), "File name too long"
    ),
    Case(
        "run-journal-5000-characters", run_base(storage=f"journal://{_LONG}"), "File name too long"
    ),
    # journal:// on a file that is not a journal is never repaired, locked or opened.
    Case(
        "run-journal-on-sqlite-database", run_base(storage="journal://s.db"), "an SQLite database"
    ),
    Case(
        "run-journal-on-csv",
        cli(
            "run",
            "--space",
            "tiny.toml",
            "--study",
            "base",
            "--storage",
            "journal://data.csv",
            "--no-report",
            written={"tiny.toml": TINY, "data.csv": _CSV},
        ),
        "not an Optuna journal file",
    ),
    Case(
        "run-journal-on-its-own-space",
        cli(
            "run",
            "--space",
            "tiny.toml",
            "--study",
            "new",
            "--storage",
            "journal://tiny.toml",
            "--no-report",
            written={"tiny.toml": TINY},
        ),
        "not an Optuna journal file",
    ),
    Case(
        "list-journal-on-sqlite-database",
        cli("list", "--storage", "journal://s.db"),
        "an SQLite database",
    ),
    # Studies that Optuna made directly.
    Case(
        "run-adopts-no-plain-optuna-study",
        _plain_optuna(
            ["run", "--space", "tiny.toml", "--study", "plain", "--storage", _PLAIN, "--no-report"]
        ),
        "not made by `python -m study run`",
    ),
    Case(
        "run-adopts-no-plain-multi-objective-study",
        _plain_optuna(
            [
                "run",
                "--space",
                "tiny.toml",
                "--study",
                "plain",
                "--storage",
                _PLAIN,
                "--no-report",
            ],
            objectives=2,
        ),
        "not made by `python -m study run`",
    ),
    *[
        Case(
            f"{command}-plain-optuna-study",
            _plain_optuna([command, "plain", "--storage", _PLAIN]),
            "does not apply",
        )
        for command in ("show", "report", "export", "next")
    ],
    *[
        Case(
            f"{command}-plain-multi-objective-study",
            _plain_optuna([command, "plain", "--storage", _PLAIN], objectives=2),
            "has 2 objectives",
        )
        for command in ("show", "report", "export", "next")
    ],
    # A stored study never imports code on its own.
    Case(
        "resume-stored-builder-without-space",
        _stored_builder(
            ["run", "--study", "custom", "--storage", "journal://c.log", "--no-report"]
        ),
        "--trust-stored-model",
    ),
    # Storage URLs from a file.
    Case(
        "storage-file-unreachable-postgres",
        cli("list", "--storage-file", "url.txt", written={"url.txt": _POSTGRES + "\n"}),
        "cannot open storage postgresql+psycopg2://me:***@",
    ),
    Case("storage-file-missing", cli("list", "--storage-file", "nope.txt"), "cannot be read"),
    Case(
        "storage-file-empty",
        cli("list", "--storage-file", "url.txt", written={"url.txt": "\n\n"}),
        "holds no storage URL",
    ),
    Case(
        "storage-file-and-storage",
        cli("list", "--storage", SQLITE, "--storage-file", "url.txt", written={"url.txt": SQLITE}),
        "give one",
    ),
    Case(
        "storage-file-env-unreachable-postgres",
        files(["list"], {"url.txt": _POSTGRES}),
        "cannot open storage postgresql+psycopg2",
        env={"STUDY_STORAGE_FILE": "url.txt"},
    ),
    Case(
        "storage-env-unreachable-postgres-run",
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
]
