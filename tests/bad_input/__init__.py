"""Bad input of every kind, as tables of cases for ``tests/test_bad_input.py``.

Each case makes its files in a fresh folder that already holds the storage ``s.db`` (SQLite)
and ``j.log`` (journal), each with a finished study ``base`` made from :data:`TINY`, and
returns the command line to run. The test checks one line on standard error naming the
problem, exit code 2, no traceback, and not one byte of any file changed or created.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

TINY = (
    'family = "lstm"\ntask = "sequence"\nseeds = 2\n\n[params]\n'
    "units = { low = 2, high = 8 }\nepochs = { low = 20, high = 40, step = 10 }\n"
    "learning_rate = 0.01\n"
)
"""The search space of study ``base`` in both storages."""
MLP = 'family = "mlp"\ntask = "moons"\nseeds = 1\n\n[params]\nepochs = 5\n'
"""A valid MLP space, for cases that break one part of it."""
SQLITE = "sqlite:///s.db"
JOURNAL = "journal://j.log"
Setup = Callable[[Path], list[str]]


@dataclasses.dataclass(frozen=True)
class Case:
    """One bad input: how to make it, and a piece of the one-line message that names it."""

    id: str
    setup: Setup
    says: str
    env: dict[str, str] = dataclasses.field(default_factory=dict)
    needs: str = ""
    """The area whose fix this case waits for (the case is then an expected failure)."""

    def param(self) -> Any:
        """This case as a ``pytest.param``, marked xfail (strict) when it waits for a fix."""
        marks = [pytest.mark.xfail(reason=f"needs {self.needs} fix", strict=True)]
        return pytest.param(self, id=self.id, marks=marks if self.needs else [])


def files(argv: list[str], written: dict[str, str | bytes]) -> Setup:
    """Write ``written`` (name -> text or bytes) into the folder, then run ``argv``."""

    def setup(folder: Path) -> list[str]:
        for name, content in written.items():
            path = folder / name
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8")
        return list(argv)

    return setup


def cli(*argv: str, written: dict[str, str | bytes] | None = None) -> Setup:
    """Run ``argv`` as given, after writing ``written``."""
    return files(list(argv), written or {})


def space(text: str | bytes, storage: str = SQLITE) -> Setup:
    """Run a new study ``new`` from a search-space file holding ``text``."""
    argv = ["run", "--space", "bad.toml", "--study", "new", "--storage", storage, "--no-report"]
    return files(argv, {"bad.toml": text})


def tiny_with(line: str) -> Setup:
    """Run a new study from :data:`TINY` with one more line under ``[params]``."""
    return space(TINY + line + "\n")


def tiny_replacing(old: str, new: str) -> Setup:
    """Run a new study from :data:`TINY` with ``old`` replaced by ``new``."""
    assert old in TINY, old
    return space(TINY.replace(old, new, 1))


def task(table: dict[str, Any], family: str = "mlp", csv: str | bytes | None = None) -> Setup:
    """Run a new study on the task ``table`` (and a ``data.csv`` holding ``csv``)."""
    inline = "{ " + ", ".join(f"{k} = {json.dumps(v)}" for k, v in table.items()) + " }"
    text = f'family = "{family}"\ntask = {inline}\nseeds = 1\n\n[params]\nepochs = 5\n'
    setup = space(text)
    if csv is None:
        return setup

    def with_csv(folder: Path) -> list[str]:
        data = folder / "data.csv"
        data.write_bytes(csv) if isinstance(csv, bytes) else data.write_text(csv)
        return setup(folder)

    return with_csv


def run_base(*extra: str, storage: str = SQLITE) -> Setup:
    """Resume study ``base`` with extra flags."""
    return cli(
        "run",
        "--space",
        "tiny.toml",
        "--study",
        "base",
        "--storage",
        storage,
        "--no-report",
        *extra,
        written={"tiny.toml": TINY},
    )


def curve(rows: int, header: str = "epoch,loss,val_loss") -> str:
    """A Keras CSVLogger file of ``rows`` epochs of falling losses."""
    return (
        header
        + "\n"
        + "".join(f"{i},{1 / (i + 1):.4f},{1.2 / (i + 1):.4f}\n" for i in range(rows))
    )


def diagnose(content: str | bytes, *flags: str, name: str = "c.csv") -> Setup:
    """Diagnose one file holding ``content``."""
    return cli("diagnose", *flags, name, written={name: content})
