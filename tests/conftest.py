"""Shared fixtures: every test runs in its own folder with its own storage."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

ROOT = Path(__file__).resolve().parents[1]
SPACES = ROOT / "search_spaces"


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
