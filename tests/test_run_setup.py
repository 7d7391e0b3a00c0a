"""Setting a run up: everything is validated before the storage is opened for writing."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pytest

from study.curves import SeedCurves
from study.errors import InputError
from study.runner import RunOptions, run
from study.runner._setup import cap_jobs

BAD_SPACES = {
    "syntax": 'family = "mlp"\ntask = "moons"\n[params\n',
    "huge units": 'family = "mlp"\ntask = "moons"\n[params]\nunits = 1e32\n',
    "bad pruner": 'family = "mlp"\ntask = "moons"\n[pruner]\npatience = 0\n',
    "bad diagnosis": 'family = "mlp"\ntask = "moons"\n[diagnosis]\nrise_ratio = 0.5\n',
    "missing csv": 'family = "mlp"\ntask = { csv = "nowhere.csv", target = "y" }\n',
}


@pytest.mark.parametrize("url", ["sqlite:///new.db", "journal:///{dir}/new.log"])
@pytest.mark.parametrize("name", sorted(BAD_SPACES))
def test_bad_space_creates_no_storage_file(workdir: Path, url: str, name: str) -> None:
    (workdir / "bad.toml").write_text(BAD_SPACES[name])
    options = RunOptions(
        study="s", trials=1, space=Path("bad.toml"), storage=url.format(dir=workdir)
    )
    with pytest.raises(InputError):
        run(options, out=io.StringIO())
    assert not (workdir / "new.db").exists() and not (workdir / "new.log").exists()


def test_new_study_without_space_creates_no_storage_file(workdir: Path) -> None:
    with pytest.raises(InputError, match="give --space FILE"):
        run(RunOptions(study="s", trials=1, storage="sqlite:///new.db"), out=io.StringIO())
    assert not (workdir / "new.db").exists()


def _scripted_seeds(
    family: str, params: Any, data: Any, seeds: list[int], **kwargs: Any
) -> list[SeedCurves]:
    loss = 1.0 / np.arange(1, params.epochs + 1)
    return [
        SeedCurves(seed=s, train_loss=loss, val_loss=1.1 * loss, epochs_planned=params.epochs)
        for s in seeds
    ]


def test_a_study_seeded_at_the_largest_sampler_seed_resumes(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("study.runner._objective.run_seeds", _scripted_seeds)
    monkeypatch.setattr("study.runner._run.warm_up", lambda *args: None)
    (workdir / "s.toml").write_text(
        'family = "mlp"\ntask = "moons"\nseeds = 1\nsampler_seed = 4294967295\n\n'
        "[params]\nunits = { low = 2, high = 8 }\nepochs = 5\n"
    )
    finished = [
        run(
            RunOptions(
                study="s", trials=n, space=Path("s.toml"), storage="sqlite:///s.db", jobs=1
            ),
            out=io.StringIO(),
        ).finished
        for n in (1, 2)  # The second run resumes: its sampler's seed is one past the largest.
    ]
    assert finished == [1, 2]


FIXTURES = Path(__file__).parent / "fixtures"
TINY_SPACE = (
    'family = "lstm"\ntask = "sequence"\nseeds = 2\n\n[params]\n'
    "units = { low = 2, high = 8 }\nepochs = { low = 20, high = 40, step = 10 }\n"
    "learning_rate = 0.01\n"
)
"""The space of ``study_format1.sqlite3`` (study ``v1``: three complete trials, one
interrupted and its queued re-run)."""
TEXT_SPACE = (
    'family = "lstm"\ntask = "sequence"\nseeds = 2\n\n[params]\n'
    "units = { low = 2, high = 8 }\nlearning_rate = { low = 0.001, high = 0.1, log = true }\n"
    'optimizer = { choices = ["adam", "sgd"] }\nepochs = 20\n'
)
"""The space of ``study_fingerprint_text.sqlite3`` (study ``v2``: two complete trials), whose
stored fingerprint holds the searched ranges in words."""
STORED = [
    ("study_format1.sqlite3", "v1", TINY_SPACE, 4),
    ("study_fingerprint_text.sqlite3", "v2", TEXT_SPACE, 3),
]


def _resume(workdir: Path, fixture: str, name: str, text: str, trials: int) -> int:
    (workdir / "old.db").write_bytes((FIXTURES / fixture).read_bytes())
    (workdir / "s.toml").write_text(text)
    options = RunOptions(
        study=name, trials=trials, space=Path("s.toml"), storage="sqlite:///old.db", jobs=1
    )
    return run(options, out=io.StringIO()).finished


@pytest.mark.parametrize(("fixture", "name", "text", "trials"), STORED)
def test_a_study_stored_with_an_earlier_fingerprint_resumes(
    workdir: Path, monkeypatch: pytest.MonkeyPatch, fixture: str, name: str, text: str, trials: int
) -> None:
    monkeypatch.setattr("study.runner._objective.run_seeds", _scripted_seeds)
    monkeypatch.setattr("study.runner._run.warm_up", lambda *args: None)
    assert _resume(workdir, fixture, name, text, trials) == trials


@pytest.mark.parametrize(("fixture", "name", "text", "trials"), STORED)
def test_a_study_stored_with_an_earlier_fingerprint_refuses_another_range(
    workdir: Path, fixture: str, name: str, text: str, trials: int
) -> None:
    changed = text.replace("high = 8 }", "high = 9 }")
    with pytest.raises(InputError, match=r"different search space \(searched: stored .*2\.\.8"):
        _resume(workdir, fixture, name, changed, trials)


def test_jobs_are_capped_at_the_seeds_and_say_so() -> None:
    jobs, note = cap_jobs(8, 2, "loky")
    assert jobs == min(2, joblib.cpu_count())
    assert note is not None and note.startswith(f"--jobs 8 capped at {jobs}")


def test_jobs_within_the_limits_are_kept_without_a_note() -> None:
    assert cap_jobs(1, 3, "loky") == (1, None)


def test_default_jobs_are_the_cores_up_to_the_seeds() -> None:
    assert cap_jobs(None, 64, "loky") == (min(64, joblib.cpu_count()), None)


def test_a_dask_cluster_is_capped_by_the_seeds_only() -> None:
    assert cap_jobs(16, 4, "dask") == (4, "--jobs 16 capped at 4 (4 seed(s) per trial)")
