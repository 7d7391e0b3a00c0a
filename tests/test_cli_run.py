"""The ``run``, ``list`` and ``show`` commands, in-process through ``main(argv)``."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from study.cli import build_parser, main
from study.cli._run import _options
from study.errors import InputError


def _args(*argv: str) -> argparse.Namespace:
    return build_parser().parse_args(["run", *argv])


def test_no_arguments_run_the_demo_study(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(Path(__file__).resolve().parents[1])
    options = _options(_args())
    assert options.study == "demo" and options.trials == 12
    assert options.space is not None and options.space.name == "demo.toml"


def test_study_name_defaults_to_the_space_file() -> None:
    assert _options(_args("--space", "spaces/mlp_moons.toml")).study == "mlp_moons"


def test_set_pairs_are_collected() -> None:
    options = _options(_args("--space", "x.toml", "--set", "units=500", "--set", "epochs=4000"))
    assert dict(options.overrides) == {"units": "500", "epochs": "4000"}


def test_a_parameter_set_twice_is_refused() -> None:
    with pytest.raises(InputError, match="`--set units` is given twice"):
        _options(_args("--space", "x.toml", "--set", "units=5", "--set", "units=6"))


@pytest.mark.e2e
def test_tiny_study_end_to_end_through_main(
    tiny_space: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = [
        "run",
        "--space",
        str(tiny_space),
        "--study",
        "t",
        "--trials",
        "2",
        "--seeds",
        "2",
        "--jobs",
        "1",
    ]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "study 't' in sqlite:///studies.db" in out
    report = Path(out.strip().splitlines()[-1].removeprefix("report: "))
    assert report.name == "index.html" and report.is_file()

    assert main(["list"]) == 0
    rows = {line.split()[0]: line.split() for line in capsys.readouterr().out.splitlines()[2:]}
    assert rows["t"][1] == "lstm"
    assert rows["t"][-5:] == ["2", "0", "0", "0", "0"]  # complete, pruned, fail, running, waiting

    assert main(["show", "t", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    trials = shown["trials"]
    assert [t["number"] for t in trials] == [0, 1]
    for trial in trials:
        assert trial["state"] == "COMPLETE" and trial["value"] is not None
        assert set(trial["params"]) >= {"units", "epochs", "learning_rate"}
        assert [s["seed"] for s in trial["seeds"]] == [0, 1]
        assert all(s["error"] is None and s["epochs_trained"] > 0 for s in trial["seeds"])
        assert set(trial["diagnosis"]) >= {"category", "kind", "agreement", "best_epoch", "advice"}

    assert main(["show", "t"]) == 0
    text = capsys.readouterr().out
    assert "#0" in text and "advice:" in text
