from __future__ import annotations

import numpy as np
import pytest

from study.curves import SeedCurves
from study.parallel import SeedJob, run_seeds, train_job
from study.params import TrialParams
from study.tasks import load_task

pytestmark = pytest.mark.e2e

PARAMS = TrialParams(units=4, epochs=30, learning_rate=0.01, batch_size=5)


@pytest.mark.e2e
def test_seeds_come_back_in_seed_order_with_full_curves() -> None:
    curves = run_seeds("lstm", PARAMS, load_task("sequence"), [3, 1, 2], n_jobs=1)
    assert [c.seed for c in curves] == [3, 1, 2]
    assert all(c.epochs_trained == 30 and c.stop == "completed" for c in curves)


@pytest.mark.e2e
def test_each_seed_is_deterministic() -> None:
    a = run_seeds("lstm", PARAMS, load_task("sequence"), [0, 1], n_jobs=1)
    b = run_seeds("lstm", PARAMS, load_task("sequence"), [1], n_jobs=1)
    np.testing.assert_allclose(a[1].val_loss, b[0].val_loss, rtol=1e-5)
    assert not np.allclose(a[0].val_loss, a[1].val_loss)


@pytest.mark.e2e
def test_two_workers_give_the_same_curves_as_one() -> None:
    data = load_task("sequence")
    one = run_seeds("lstm", PARAMS, data, [0, 1], n_jobs=1)
    two = run_seeds("lstm", PARAMS, data, [0, 1], n_jobs=2)
    for a, b in zip(one, two, strict=True):
        np.testing.assert_allclose(a.val_loss, b.val_loss, rtol=1e-5)


@pytest.mark.e2e
def test_progress_callback_stops_every_seed() -> None:
    seen: list[int] = []

    def stop_after_first_look(curves: list[SeedCurves]) -> bool:
        seen.append(min(c.epochs_trained for c in curves))
        return True

    params = TrialParams(units=4, epochs=20000, learning_rate=0.001, batch_size=5)
    curves = run_seeds(
        "lstm",
        params,
        load_task("sequence"),
        [0, 1],
        n_jobs=1,
        chunk_epochs=50,
        on_progress=stop_after_first_look,
    )
    assert seen
    assert all(c.stop == "pruned" and c.epochs_trained < 20000 for c in curves)


def test_a_failing_worker_comes_back_as_seeds_with_an_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import study.engine

    def broken(*args: object, **kwargs: object) -> list[SeedCurves]:
        raise MemoryError("out of memory")

    monkeypatch.setattr(study.engine, "train_seeds", broken)
    job = SeedJob("lstm", PARAMS, load_task("sequence"), (0, 1), 10)
    curves = train_job(job, None, 0)
    assert [c.stop for c in curves] == ["error", "error"]
    assert curves[0].error == "MemoryError: out of memory"
    assert curves[0].epochs_trained == 0


def test_a_failed_seed_keeps_its_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    import study.engine

    def broken(*args: object, **kwargs: object) -> list[SeedCurves]:
        raise MemoryError("out of memory")

    monkeypatch.setattr(study.engine, "train_seeds", broken)
    curves = train_job(SeedJob("lstm", PARAMS, load_task("sequence"), (0,), 10), None, 0)
    assert curves[0].traceback is not None and "in broken" in curves[0].traceback
    assert SeedCurves.from_dict(curves[0].to_dict()).traceback == curves[0].traceback


def test_debug_re_raises_instead_of_recording(monkeypatch: pytest.MonkeyPatch) -> None:
    import study.engine

    def broken(*args: object, **kwargs: object) -> list[SeedCurves]:
        raise MemoryError("out of memory")

    monkeypatch.setattr(study.engine, "train_seeds", broken)
    job = SeedJob("lstm", PARAMS, load_task("sequence"), (0,), 10, debug=True)
    with pytest.raises(MemoryError, match="out of memory"):
        train_job(job, None, 0)
