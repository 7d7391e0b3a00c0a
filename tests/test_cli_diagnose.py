from __future__ import annotations

import json
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

from study.cli import main


def _write(path: Path, val: np.ndarray, train: np.ndarray) -> Path:
    rows = ["epoch,loss,val_loss"] + [
        f"{i},{t},{v}" for i, (t, v) in enumerate(zip(train, val, strict=True))
    ]
    path.write_text("\n".join(rows) + "\n")
    return path


def _overfit_files(tmp_path: Path, seeds: int = 3, n: int = 400) -> list[str]:
    t = np.arange(n)
    paths = []
    for s in range(seeds):
        rng = np.random.default_rng(s)
        val = (0.1 + 0.9 * np.exp(-t / 30)) * np.exp(np.log(5) * np.clip((t - 150) / 250, 0, None))
        train = 0.01 + 0.99 * np.exp(-t / 40)
        noisy = val * np.exp(rng.normal(0, 0.02, n))
        paths.append(str(_write(tmp_path / f"seed{s}.csv", noisy, train)))
    return paths


def _good_file(tmp_path: Path, n: int = 400) -> str:
    t = np.arange(n)
    val = 0.1 + 0.9 * np.exp(-t / 30)
    return str(_write(tmp_path / "good.csv", val, val * 0.97))


def test_text_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diagnose", *_overfit_files(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "seed0.csv: overfit/turning_point" in out
    assert "best epoch" in out
    assert "3 of 3 seeds overfit" in out


def test_json_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    paths = [*_overfit_files(tmp_path, seeds=2), _good_file(tmp_path)]
    assert main(["diagnose", "--json", *paths]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [f["path"] for f in data["files"]] == paths
    for entry in data["files"]:
        assert {"path", "category", "kind", "confidence", "evidence", "advice"} <= set(entry)
        assert "best_epoch" in entry["evidence"]
    aggregate = data["aggregate"]
    assert {
        "category",
        "kind",
        "confidence",
        "evidence",
        "advice",
        "agreement",
        "agreement_text",
        "disagreeing",
    } <= set(aggregate)
    assert aggregate["category"] == "overfit"
    assert aggregate["agreement_text"] == "2 of 3 seeds overfit"
    assert aggregate["disagreeing"] == [2]


def test_baseline_and_config_overrides(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    paths = _overfit_files(tmp_path, seeds=1)
    argv = ["diagnose", "--json", "--baseline", "2.0", "--config", "rise_ratio=100", *paths]
    assert main(argv) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["files"][0]["kind"] != "turning_point"
    assert data["files"][0]["evidence"]["details"]["reference"] == "baseline"


def _fails(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ")
    assert err.count("\n") == 1, err
    assert "Traceback" not in err
    return err


def test_missing_columns(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "log.csv"
    path.write_text("epoch,acc\n" + "\n".join(f"{i},0.5" for i in range(10)))
    assert "found: epoch, acc" in _fails(["diagnose", str(path)], capsys)


def test_too_few_epochs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path / "short.csv", np.ones(3), np.ones(3))
    assert "at least 5" in _fails(["diagnose", str(path)], capsys)


def test_nan_only(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path / "nan.csv", np.full(10, np.nan), np.full(10, np.nan))
    assert "no numeric value" in _fails(["diagnose", str(path)], capsys)


def test_unequal_lengths_are_diagnosed_each(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    paths = _overfit_files(tmp_path, seeds=2)
    short = tmp_path / "short.csv"
    short.write_text("\n".join(Path(paths[1]).read_text().splitlines()[:301]) + "\n")
    assert main(["diagnose", paths[0], str(short), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [f["evidence"]["epochs"] for f in out["files"]] == [400, 300]


def test_not_csv_or_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "weights.h5"
    path.write_bytes(b"\x89HDF\r\n\x1a\n\x00\x00\xff\xfe" * 20)
    assert "not a CSV or JSON" in _fails(["diagnose", str(path)], capsys)


def test_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert "does not exist" in _fails(["diagnose", str(tmp_path / "nope.csv")], capsys)


def test_bad_config_override(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    paths = _overfit_files(tmp_path, seeds=1)
    err = _fails(["diagnose", "--config", "rise_ratio=0.5", *paths], capsys)
    assert "`[diagnosis] rise_ratio` must be a number > 1" in err
    assert "KEY=VALUE" in _fails(["diagnose", "--config", "rise_ratio", *paths], capsys)


def test_bad_baseline(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    paths = _overfit_files(tmp_path, seeds=1)
    assert "must be a number > 0" in _fails(["diagnose", "--baseline", "-1", *paths], capsys)


@pytest.mark.e2e
def test_diagnose_imports_no_tensorflow(tmp_path: Path) -> None:
    paths = _overfit_files(tmp_path, seeds=1)
    code = (
        "import sys\nfrom study.cli import main\n"
        f"assert main(['diagnose', {paths[0]!r}]) == 0\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'keras')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_extreme_values_raise_no_numpy_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tiny = np.array([1e-308, 5e-324] * 10)
    path = _write(tmp_path / "x.csv", np.array([1e300 * (i + 1) for i in range(20)]), tiny)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert main(["diagnose", str(path)]) == 0
    assert [w for w in caught if issubclass(w.category, RuntimeWarning)] == []
    assert capsys.readouterr().err == ""


def test_negative_losses_need_the_flag(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    t = np.arange(30)
    path = _write(tmp_path / "score.csv", -1.0 - np.exp(-t / 10), -1.1 - np.exp(-t / 10))
    assert "--allow-negative" in _fails(["diagnose", str(path)], capsys)
    assert main(["diagnose", "--allow-negative", str(path)]) == 0


@pytest.mark.parametrize(("reached", "category"), [("0.1", "underfit"), ("0.33", "good_fit")])
def test_reached_says_what_other_configurations_did(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], reached: str, category: str
) -> None:
    # A curve levelling off near the baseline: too small a model only if others did better.
    t = np.arange(300)
    rng = np.random.default_rng(0)
    train = (0.3 + 0.7 * np.exp(-t / 10)) * np.exp(rng.normal(0, 0.02, 300))
    val = (0.35 + 0.65 * np.exp(-t / 10)) * np.exp(rng.normal(0, 0.02, 300))
    path = str(_write(tmp_path / "flat.csv", val, train))
    argv = ["diagnose", path, "--baseline", "0.5", "--reached", reached, "--json"]
    assert main(argv) == 0
    assert json.loads(capsys.readouterr().out)["aggregate"]["category"] == category
