"""Real servers on loopback for the tests: a throw-away PostgreSQL cluster, and `study` runs in
subprocesses that a test can kill, interrupt or let finish.

PostgreSQL comes from the system (Debian's ``postgresql`` package; ``scripts/test.sh`` installs
it). As root, the server runs as the ``postgres`` user. When no server can start, the tests that
need one skip with the reason, except under CI (``$CI`` set), where they fail.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PASSWORD_USER = "sweeper"
PASSWORD = "Pw-9f3kq-Secret"
"""The password of ``PASSWORD_USER``: the tests check it never shows up anywhere."""

FAST_HEARTBEAT = {"STUDY_HEARTBEAT_SECONDS": "1", "STUDY_GRACE_SECONDS": "3"}
"""Environment for runs whose dead workers must be noticed within seconds."""


def unavailable(reason: str) -> None:
    """Skip the calling test with ``reason``, or fail it under CI (``$CI`` set)."""
    if os.environ.get("CI"):
        pytest.fail(f"required service unavailable under CI: {reason}")
    pytest.skip(reason)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _pg_bin(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else shutil.which(name)


class Postgres:
    """A PostgreSQL cluster in a temporary folder, listening on 127.0.0.1 only.

    Local connections and the ``postgres`` superuser are trusted; ``PASSWORD_USER`` must give
    ``PASSWORD`` (SCRAM), so URLs with a password are exercised for real.
    """

    def __init__(self) -> None:
        initdb, self._pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
        if initdb is None or self._pg_ctl is None:
            raise RuntimeError("PostgreSQL server binaries (initdb, pg_ctl) not found")
        self.port = free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="study-pg-"))
        self.data = self.folder / "data"
        self._as_postgres: list[str] = []
        if os.geteuid() == 0:
            try:
                user = pwd.getpwnam("postgres")
            except KeyError:
                raise RuntimeError("running as root but there is no `postgres` user") from None
            os.chown(self.folder, user.pw_uid, user.pw_gid)
            self._as_postgres = ["runuser", "-u", "postgres", "--"]
        self._call(
            [
                initdb,
                "-D",
                str(self.data),
                "-A",
                "trust",
                "-U",
                "postgres",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            ]
        )
        (self.data / "pg_hba.conf").write_text(
            "local all all trust\n"
            f"host all {PASSWORD_USER} 127.0.0.1/32 scram-sha-256\n"
            "host all all 127.0.0.1/32 trust\n"
        )
        self.start()
        self.sql(f"CREATE ROLE {PASSWORD_USER} LOGIN PASSWORD '{PASSWORD}'")

    def _call(self, argv: Sequence[str]) -> None:
        done = subprocess.run(
            [*self._as_postgres, *argv], capture_output=True, text=True, timeout=60, check=False
        )
        if done.returncode != 0:
            tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
            raise RuntimeError(f"{Path(argv[0]).name} failed: {' | '.join(tail)}")

    def start(self) -> None:
        """Start (or restart) the server and wait until it accepts connections."""
        # Every in-process test that opens a storage keeps its pooled connections until the
        # storage is collected; room for a whole session's worth of them.
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.folder} "
            "-c max_connections=400 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        assert self._pg_ctl is not None
        self._call(
            [
                self._pg_ctl,
                "-D",
                str(self.data),
                "-o",
                options,
                "-w",
                "-t",
                "30",
                "-l",
                str(self.folder / "log"),
                "start",
            ]
        )

    def stop(self, mode: str = "fast") -> None:
        """Stop the server (``fast`` ends open sessions, ``immediate`` is a crash)."""
        assert self._pg_ctl is not None
        self._call([self._pg_ctl, "-D", str(self.data), "-m", mode, "-w", "stop"])

    def url(self, database: str, *, password: bool = False) -> str:
        """A SQLAlchemy URL of ``database``: as ``postgres`` or, with ``password``, as the
        password-protected role."""
        who = f"{PASSWORD_USER}:{PASSWORD}" if password else "postgres"
        # The plain scheme: SQLAlchemy picks psycopg 3, what the `postgres` extra installs.
        return f"postgresql://{who}@127.0.0.1:{self.port}/{database}"

    def sql(self, statement: str, database: str = "postgres") -> None:
        """Run one statement as the superuser, outside a transaction."""
        import psycopg

        with psycopg.connect(
            host="127.0.0.1",
            port=self.port,
            user="postgres",
            dbname=database,
            connect_timeout=10,
            autocommit=True,
        ) as connection:
            connection.execute(statement.encode())

    def database(self, name: str) -> str:
        """Create a fresh database owned by the password role; return its name."""
        self.sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        self.sql(f"CREATE DATABASE {name} OWNER {PASSWORD_USER}")
        return name

    def close(self) -> None:
        """Stop the server and delete its folder."""
        with contextlib.suppress(Exception):
            self.stop("immediate")
        shutil.rmtree(self.folder, ignore_errors=True)


@contextlib.contextmanager
def postgres_server() -> Iterator[Postgres]:
    """A running :class:`Postgres`, or a skip (a failure under CI) saying why there is none."""
    try:
        server = Postgres()
    except (RuntimeError, OSError, subprocess.SubprocessError) as e:
        unavailable(f"cannot start a PostgreSQL server: {e}")
        raise AssertionError("unreachable") from None
    try:
        yield server
    finally:
        server.close()


# A `study` command line in a subprocess. SIGINT is restored to Python's handler (a process
# started in the background inherits it ignored), and $STUDY_TEST_KILL_AT_ATTR names a trial
# (user or system) attribute at whose first write the process SIGKILLs itself: a crash in the
# middle of storing a trial's result.
_LAUNCHER = """
import os, signal, sys
signal.signal(signal.SIGINT, signal.default_int_handler)
key = os.environ.get("STUDY_TEST_KILL_AT_ATTR")
if key:
    from optuna.storages import RDBStorage
    def dying(real, _name=key):
        def write(self, trial_id, key, value):
            if key == _name:
                os.kill(os.getpid(), signal.SIGKILL)
            return real(self, trial_id, key, value)
        return write
    RDBStorage.set_trial_user_attr = dying(RDBStorage.set_trial_user_attr)
    RDBStorage.set_trial_system_attr = dying(RDBStorage.set_trial_system_attr)
from study.cli import main
raise SystemExit(main(sys.argv[1:]))
"""


class StudyProcess:
    """``python -m study ARGV`` running in a subprocess, its output in files of ``cwd``.

    Args:
        argv: The command line after ``python -m study``.
        cwd: The working folder (the default storage and the output files land there).
        env: Extra environment variables.
    """

    def __init__(self, argv: Sequence[str], cwd: Path, env: dict[str, str] | None = None) -> None:
        full_env = {
            **os.environ,
            "TF_CPP_MIN_LOG_LEVEL": "3",
            "PYTHONPATH": str(ROOT),
            **(env or {}),
        }
        full_env.pop("STUDY_STORAGE", None)
        tag = time.monotonic_ns()
        self.out_path, self.err_path = cwd / f"out-{tag}.txt", cwd / f"err-{tag}.txt"
        with open(self.out_path, "w") as out, open(self.err_path, "w") as err:
            self.popen = subprocess.Popen(
                [sys.executable, "-c", _LAUNCHER, *argv],
                cwd=cwd,
                env=full_env,
                text=True,
                stdout=out,
                stderr=err,
            )

    @property
    def pid(self) -> int:
        """The process id."""
        return self.popen.pid

    def alive(self) -> bool:
        """Whether the process still runs."""
        return self.popen.poll() is None

    def wait(self, timeout: float = 180) -> int:
        """Wait for the process to end; return its exit code."""
        return self.popen.wait(timeout=timeout)

    def kill(self, sig: int = signal.SIGKILL) -> int:
        """Send ``sig`` and return the exit code once the process is gone."""
        self.popen.send_signal(sig)
        return self.wait()

    def output(self) -> tuple[str, str]:
        """What the process wrote so far to standard output and standard error."""
        return self.out_path.read_text(), self.err_path.read_text()


def wait_for(condition: object, timeout: float, what: str, every: float = 0.1) -> None:
    """Poll ``condition()`` until true; fail the test saying ``what`` after ``timeout``."""
    assert callable(condition)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def sqlite_states(path: Path) -> list[str]:
    """The states of a SQLite study database's trials, read without locking out the writer."""
    if not path.exists():
        return []
    try:
        with contextlib.closing(
            sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=1)
        ) as db:
            return [row[0] for row in db.execute("SELECT state FROM trials ORDER BY number")]
    except sqlite3.DatabaseError:
        return []  # Not created yet, the writer holds the lock, or a read raced its checkpoint.
