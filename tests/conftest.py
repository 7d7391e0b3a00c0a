"""Shared fixtures: every test runs in its own folder with its own storage.

Tests that train models, spawn processes or drive a browser carry the ``e2e`` marker, so
``pytest -m "not e2e"`` is the fast inner loop. A module marked ``e2e`` as a whole
(``pytestmark = pytest.mark.e2e``) is not even imported when the marker expression deselects
``e2e``: such modules import TensorFlow at the top, which alone costs more than the fast subset.
"""

from __future__ import annotations

import gc
import os
import re
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

_MEMORY_FOLDER = Path("/dev/shm")
_MEMORY_NEEDED = 4 * 2**30
"""Free bytes the memory folder must have: pytest keeps the last three sessions' folders (a
few hundred megabytes each), and a container's /dev/shm is often only 64 MiB."""
if (
    _MEMORY_FOLDER.is_dir()
    and os.access(_MEMORY_FOLDER, os.W_OK)
    and shutil.disk_usage(_MEMORY_FOLDER).free >= _MEMORY_NEEDED
):
    # Temporary folders in memory: every stored trial is an SQLite commit, and on a disk each
    # commit waits for its fsync (a tenth of the fast tests' time). pytest reads this variable
    # when a test first asks for a temporary folder; one set from outside wins.
    os.environ.setdefault("PYTEST_DEBUG_TEMPROOT", str(_MEMORY_FOLDER))

ROOT = Path(__file__).resolve().parents[1]
SPACES = ROOT / "search_spaces"

_WHOLE_MODULE_E2E = re.compile(r"^pytestmark = pytest\.mark\.e2e$", re.MULTILINE)
_MARK_TOKEN = re.compile(r"\(|\)|[\w.-]+")


def deselects_e2e(markexpr: str) -> bool:
    """Whether the ``-m`` expression rejects a test whose only marker is ``e2e``.

    Args:
        markexpr: The expression given to ``-m`` (``""`` selects everything).
    """
    if not markexpr.strip():
        return False
    words = []
    for token in _MARK_TOKEN.findall(markexpr):
        if token in ("and", "or", "not", "(", ")"):
            words.append(token)
        else:
            words.append(str(token == "e2e"))
    try:
        return not eval(" ".join(words), {"__builtins__": {}})  # Only True, False and operators.
    except SyntaxError:
        return False  # Let pytest report the malformed expression itself.


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """Skip importing modules that are ``e2e`` as a whole when ``e2e`` is deselected."""
    if collection_path.suffix != ".py" or not collection_path.name.startswith("test_"):
        return None
    if not deselects_e2e(config.getoption("markexpr", "") or ""):
        return None
    return bool(_WHOLE_MODULE_E2E.search(collection_path.read_text(encoding="utf-8"))) or None


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_auto_num_workers(config: pytest.Config) -> int | None:
    """How many pytest-xdist workers ``-n auto``, in every run's options, starts.

    The fast subset (``e2e`` deselected) runs on up to four of this machine's cores, one
    test file per worker (``--dist loadfile``: a module's fixtures are made once). A run that
    includes ``e2e`` tests stays in one process: they train, spawn processes and drive a
    browser, each sized for a machine of its own. ``-n N`` on the command line, or
    ``$PYTEST_XDIST_AUTO_NUM_WORKERS``, decides instead.
    """
    if os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS"):
        return None  # pytest-xdist's own hook reads it.
    if not deselects_e2e(config.getoption("markexpr", "") or ""):
        return 0
    affinity = getattr(os, "sched_getaffinity", None)
    cores = len(affinity(0)) if affinity else os.cpu_count() or 1
    # Each worker imports what every test module imports (seconds, and a gigabyte of memory).
    return min(cores, 4) if cores > 1 else 0


@pytest.hookimpl(wrapper=True)
def pytest_collection(session: pytest.Session) -> Iterator[object]:
    """Leave the objects of what collection imports out of the garbage collector's full passes.

    TensorFlow, pandas, matplotlib and Optuna hold some 700,000 objects that live as long as
    the session; each full collection walked them all (a third of a second each, most of the
    collector's time), and while they were imported each one walked what was imported so far.
    Objects the tests make are collected as before.
    """
    gc.disable()
    try:
        return (yield)
    finally:
        gc.collect()
        gc.freeze()
        gc.enable()


@pytest.fixture(scope="session", autouse=True)
def migrations_read_once() -> Iterator[None]:
    """Optuna reads its schema migrations once per session instead of once per storage opened.

    Opening an Optuna RDB storage executes every migration script of the installed Optuna to
    find the schema's head revision (about 0.1 s a storage; the fast tests open hundreds). The
    scripts are files of the installed package, the same for every storage, so one
    ``ScriptDirectory`` serves them all; what each storage stores and checks is unchanged.
    """
    from optuna.storages._rdb import storage

    versions = getattr(storage, "_VersionManager", None)
    made = getattr(versions, "_create_alembic_script", None)
    if made is None:  # Another Optuna, which finds its schema's head its own way.
        yield
        return
    lock = threading.Lock()
    cache: list[Any] = []

    def read_once(manager: object) -> Any:
        with lock:
            if not cache:
                script = made(manager)
                script.get_current_head()  # Reads the scripts (cached on the script) now.
                cache.append(script)
            return cache[0]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(versions, "_create_alembic_script", read_once)
        yield


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh working folder (the default storage lands here), without $STUDY_STORAGE."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("STUDY_STORAGE", raising=False)
    return tmp_path


@pytest.fixture
def tiny_space(workdir: Path) -> Path:
    """A search space that trains in well under a second per trial."""
    path = workdir / "tiny.toml"
    path.write_text(
        'family = "lstm"\ntask = "sequence"\nseeds = 2\n\n[params]\n'
        "units = { low = 2, high = 8 }\nepochs = { low = 20, high = 40, step = 10 }\n"
        "learning_rate = 0.01\n"
    )
    return path


@pytest.fixture
def undrawn_figures(monkeypatch: pytest.MonkeyPatch) -> None:
    """Reports embed each figure as an empty image instead of drawing it.

    Drawing is most of a report's time (about 0.4 s a figure); tests whose subject is not the
    figures (where a report is written, which storage it reads, when it is rewritten) use this.
    The figures themselves are tested with real drawing in ``test_report_figures``.
    """
    from study.reporting import _images

    def encode(fig: object, dpi: int) -> tuple[str, dict[str, object]]:
        fig.clear()  # type: ignore[attr-defined]
        return "data:image/png;base64,", {"width": 0, "height": 0, "axes": [], "legend": []}

    monkeypatch.setattr(_images, "_encode", encode)
