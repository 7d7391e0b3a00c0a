"""The recurrent corpus maker's tiny mode: files, columns and labels in the corpus format."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.corpus.counterfactual import load_counterfactual

SCRIPT = Path(__file__).parents[1] / "scripts" / "make_recurrent_corpus.py"
COLUMNS = ["seed", "epoch", "train_loss", "val_loss", "val_loss_trimmed", "test_loss", "fit_loss"]
LABELS = {"still_improving", "overfit", "capacity", "good_fit", None}

pytest.importorskip("statsmodels")


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny corpus made into a temporary folder."""
    out = tmp_path_factory.mktemp("recurrent")
    env = {**os.environ, "PYTHONPATH": str(SCRIPT.parents[1])}
    subprocess.run(
        [sys.executable, str(SCRIPT), "--tiny", "--out", str(out)],
        check=True,
        env=env,
        capture_output=True,
        timeout=600,
    )
    return out


@pytest.mark.e2e
def test_tiny_corpus_writes_curves_with_every_column(tiny: Path) -> None:
    labels = json.loads((tiny / "labels.json").read_text())
    assert len(labels) == 2
    for name in labels:
        frame = pd.read_csv(tiny / f"{name}.csv.gz")
        assert list(frame.columns) == COLUMNS
        assert sorted(frame.seed.unique()) == [0, 1, 2]
        assert np.isfinite(frame[COLUMNS[2:]].to_numpy()).all()


@pytest.mark.e2e
def test_tiny_corpus_stores_test_samples_per_action(tiny: Path) -> None:
    labels = json.loads((tiny / "labels.json").read_text())
    for name, entry in labels.items():
        with np.load(tiny / f"{name}.test.npz") as data:
            assert data["samples"].shape == (3, 5, entry["n_test"])


@pytest.mark.e2e
def test_tiny_corpus_labels_have_the_corpus_format(tiny: Path) -> None:
    labels = json.loads((tiny / "labels.json").read_text())
    for entry in labels.values():
        assert entry["label"] in LABELS and entry["label_unchecked"] in LABELS
        assert set(entry["gains"]) == {"more", "stop", "big", "reg"}
        assert isinstance(entry["held_out"], bool)
        assert len(entry["train_fell"]) == 3


@pytest.mark.e2e
def test_tiny_corpus_loads_as_counterfactual_trials(tiny: Path) -> None:
    trials = load_counterfactual(tiny)
    assert [t.name for t in trials] == sorted(json.loads((tiny / "labels.json").read_text()))
    assert all(len(t.curves) == 3 and t.test_loss.shape[0] == 3 for t in trials)


@pytest.mark.e2e
def test_rerun_skips_finished_configurations(tiny: Path) -> None:
    before = {p.name: p.stat().st_mtime_ns for p in tiny.glob("*.csv.gz")}
    env = {**os.environ, "PYTHONPATH": str(SCRIPT.parents[1])}
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--tiny", "--out", str(tiny)],
        check=True,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert "2 of 2 configurations already made" in done.stdout
    assert {p.name: p.stat().st_mtime_ns for p in tiny.glob("*.csv.gz")} == before
