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
