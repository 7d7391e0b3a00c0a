"""Smoke tests of ``benchmarks/time_to_quality.py``: every arm on one task at a tiny budget."""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path
from typing import Any

import pytest

from benchmarks import time_to_quality
from benchmarks.time_to_quality import (
    ANCHORS,
    ARMS,
    arm_order,
    earlier_records,
    run_benchmark,
    summary_rows,
    time_to_reach,
)

pytestmark = pytest.mark.e2e

BUDGET = 1.0  # each arm finishes the configuration it started, so a trial or two runs
CORE_ARMS = ("study", "floor", "random")


def _run(folder: Path, arms: tuple[str, ...]) -> list[dict[str, Any]]:
    return run_benchmark(
        ["breast_cancer"],
        arms,
        budget=BUDGET,
        repeats=range(1),
        seeds=1,
        folder=folder,
        max_epochs=3,
    )


@pytest.fixture(scope="module")
def core_records(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    return _run(tmp_path_factory.mktemp("ttq"), CORE_ARMS)


def test_core_arms_each_hand_back_a_configuration(core_records: list[dict[str, Any]]) -> None:
    assert [r["arm"] for r in core_records] == list(CORE_ARMS)
    for record in core_records:
        assert record["config"] is not None
        assert record["config"]["epochs"] <= 3


def test_core_arms_test_loss_is_scored(core_records: list[dict[str, Any]]) -> None:
    for record in core_records:
        assert math.isfinite(record["test_loss"]) and record["test_loss"] > 0


def test_core_arms_test_losses_are_per_sample(core_records: list[dict[str, Any]]) -> None:
    for record in core_records:
        losses = record["test_losses"]
        assert len(losses) > 50  # breast cancer: a fifth of 569 samples
        assert math.isclose(sum(losses) / len(losses), record["test_loss"], rel_tol=1e-4)


def test_rescoring_a_pick_gives_its_test_loss_again(
    core_records: list[dict[str, Any]], tmp_path: Path
) -> None:
    records = [dict(core_records[0])]
    assert time_to_quality.rescore(records, tmp_path, seeds=1, max_epochs=3) < 1e-3


def test_best_so_far_curve_only_falls(core_records: list[dict[str, Any]]) -> None:
    for record in core_records:
        values = [value for _, value in record["curve"]]
        assert values == sorted(values, reverse=True)
        assert values[-1] == record["best_val_loss"]


def test_target_is_the_best_anchor_final_loss(core_records: list[dict[str, Any]]) -> None:
    anchors = [r["best_val_loss"] for r in core_records if r["arm"] in ANCHORS]
    assert {r["target"] for r in core_records} == {min(anchors)}
    best_anchor = min((r for r in core_records if r["arm"] in ANCHORS), key=_best)
    assert best_anchor["time_to_target_s"] is not None


def _best(record: dict[str, Any]) -> float:
    return float(record["best_val_loss"])


def test_summary_has_one_row_per_arm(core_records: list[dict[str, Any]]) -> None:
    rows = summary_rows(core_records)
    assert [(row["task"], row["arm"]) for row in rows] == [
        ("breast_cancer", arm) for arm in CORE_ARMS
    ]


def test_arm_order_rotates_per_repeat() -> None:
    assert arm_order(["a", "b", "c"], 0) == ["a", "b", "c"]
    assert arm_order(["a", "b", "c"], 1) == ["b", "c", "a"]
    assert arm_order(["a", "b", "c"], 3) == ["a", "b", "c"]


def test_time_to_reach_is_the_first_time_at_or_below_target() -> None:
    curve = [(1.0, 0.5), (2.0, 0.3), (4.0, 0.2)]
    assert time_to_reach(curve, 0.3) == 2.0
    assert time_to_reach(curve, 0.1) is None


def test_optuna_arm_with_keras_pruning(tmp_path: Path) -> None:
    pytest.importorskip("optuna_integration")
    (record,) = _run(tmp_path, ("optuna",))
    assert record["config"] is not None and math.isfinite(record["test_loss"])


def test_hyperband_arm(tmp_path: Path) -> None:
    pytest.importorskip("keras_tuner")
    (record,) = _run(tmp_path, ("hyperband",))
    assert record["config"] is not None and record["config"]["epochs"] <= 3


def _args(**options: Any) -> argparse.Namespace:
    base = {"budget": 90.0, "repeats": 1, "seeds": 3, "tasks": ["digits"], "arms": list(ARMS)}
    return argparse.Namespace(**{**base, "max_epochs": None, **options})


def test_more_rounds_continue_a_result_file_with_the_same_options(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    results_file = tmp_path / "time_to_quality.json"
    monkeypatch.setattr(time_to_quality, "RESULTS", results_file)
    record = {"repeat": 0, "task": "digits"}
    options = time_to_quality._options(_args())
    results_file.write_text(json.dumps({"options": options, "records": [record]}))
    assert earlier_records(_args(repeats=2)) == [record]
    assert earlier_records(_args(repeats=2, budget=60.0)) == []
