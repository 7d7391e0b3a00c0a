"""The recurrent corpus maker's tiny mode: files, columns and labels in the corpus format."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

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


@pytest.fixture(scope="module")
def maker() -> Iterator[ModuleType]:
    """The corpus maker script, imported from its file (its dataclasses need a module entry)."""
    spec = importlib.util.spec_from_file_location("make_recurrent_corpus", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        del sys.modules[spec.name]


def test_unknown_configuration_is_refused_in_one_line_and_nothing_written(
    maker: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "corpus"
    with pytest.raises(SystemExit) as exit_info:
        maker.main(["--only", "nope_x", "--out", str(out)])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("--only must") and "\n" not in err
    assert not out.exists()


def test_configuration_list_covers_every_dataset_within_its_first_round(
    maker: ModuleType,
) -> None:
    datasets = maker.SEQUENCE_SETS + maker.SERIES_SETS
    first = maker.configurations()[: len(datasets)]
    assert sorted(c.dataset for c in first) == sorted(datasets)


def test_held_out_datasets_are_a_third_of_each_group(maker: ModuleType) -> None:
    held = maker.held_out_datasets()
    assert len(held & set(maker.SEQUENCE_SETS)) == 2
    assert len(held & set(maker.SERIES_SETS)) == 2


def test_reserved_datasets_are_never_used(maker: ModuleType) -> None:
    used = {c.dataset for c in maker.configurations()}
    assert not used & {"gunpoint", "italypowerdemand", "japanesevowels", "ecg", "taylor"}


def test_loader_reads_the_held_out_mark_a_corpus_stores(tmp_path: Path) -> None:
    rows = pd.DataFrame(
        {
            "seed": 0,
            "epoch": [1, 2],
            "train_loss": [1.0, 0.9],
            "val_loss": [1.1, 1.0],
            "val_loss_trimmed": [1.0, 0.9],
            "test_loss": [1.1, 1.0],
            "fit_loss": [1.0, 0.9],
        }
    )
    rows.to_csv(tmp_path / "cancer_x.csv.gz", index=False)
    entry = {
        "dataset": "cancer",
        "held_out": True,
        "label": "good_fit",
        "n_val": 10,
        "baseline_loss": 1.2,
        "gains": {"more": 0.0, "stop": 0.0, "big": 0.0, "reg": 0.0},
    }
    (tmp_path / "labels.json").write_text(json.dumps({"cancer_x": entry}))
    (trial,) = load_counterfactual(tmp_path)
    assert trial.held_out
