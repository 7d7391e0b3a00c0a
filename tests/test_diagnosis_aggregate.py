from __future__ import annotations

import json

import numpy as np
import pytest

from study.curves import SeedCurves
from study.diagnosis import TrialDiagnosis, diagnose_seeds
from study.diagnosis._aggregate import mean_curve


def _decay(n: int, final: float, tau: float) -> np.ndarray:
    return final + (1 - final) * np.exp(-np.arange(n) / tau)


def _seed(seed: int, val: np.ndarray, train: np.ndarray | None = None, **kw: object) -> SeedCurves:
    rng = np.random.default_rng(seed)
    val = val * np.exp(rng.normal(0, 0.02, len(val)))
    train = (val * 0.95) if train is None else train
    return SeedCurves(seed=seed, train_loss=train, val_loss=val, epochs_planned=len(val), **kw)  # type: ignore[arg-type]


def _overfit_val(n: int = 600) -> np.ndarray:
    t = np.arange(n)
    return _decay(n, 0.1, 50) * np.exp(np.log(4) * np.clip((t - 200) / 400, 0, None))


def _good_val(n: int = 600) -> np.ndarray:
    return _decay(n, 0.1, 50)


def _train(n: int = 600) -> np.ndarray:
    return _decay(n, 0.05, 60)


def test_majority_vote_and_agreement() -> None:
    seeds = [_seed(i, _overfit_val(), _train()) for i in range(4)]
    seeds.append(_seed(4, _good_val()))
    trial = diagnose_seeds(seeds)
    assert trial.category == "overfit"
    assert trial.verdict.kind == "turning_point"
    assert trial.agreement == pytest.approx(0.8)
    assert trial.disagreeing == (4,)
    assert trial.agreement_text() == "4 of 5 seeds overfit"
    assert trial.seed_ids == (0, 1, 2, 3, 4)


def test_evidence_comes_from_the_mean_curve_when_it_agrees() -> None:
    trial = diagnose_seeds([_seed(i, _overfit_val(), _train()) for i in range(3)])
    assert trial.verdict.evidence.details["evidence_from"].startswith("mean of seeds")
    assert "epoch" in trial.verdict.advice


def test_tie_is_broken_by_the_mean_curve() -> None:
    seeds = [_seed(0, _overfit_val(), _train()), _seed(1, _overfit_val(), _train())]
    seeds += [_seed(2, _good_val()), _seed(3, _good_val())]
    trial = diagnose_seeds(seeds)
    mean_dx = diagnose_seeds([mean_curve(seeds)]).category  # type: ignore[list-item]
    assert trial.category == mean_dx
    assert trial.agreement == 0.5


def test_a_nan_seed_is_outvoted_and_listed() -> None:
    seeds = [_seed(i, _overfit_val(), _train()) for i in range(2)]
    seeds.append(_seed(2, _good_val() * np.nan))
    trial = diagnose_seeds(seeds)
    assert trial.category == "overfit"
    assert trial.disagreeing == (2,)


def test_seeds_without_epochs_are_skipped() -> None:
    failed = SeedCurves(
        seed=9, train_loss=np.array([]), val_loss=np.array([]), stop="error", error="boom"
    )
    trial = diagnose_seeds([_seed(0, _good_val()), failed])
    assert trial.seed_ids == (0,)
    assert len(trial.seeds) == 1


def test_no_usable_seed_raises() -> None:
    failed = SeedCurves(seed=9, train_loss=np.array([]), val_loss=np.array([]), stop="error")
    with pytest.raises(ValueError, match="None of the 1 seeds trained an epoch"):
        diagnose_seeds([failed])


def test_diverged_seeds_vote_but_stay_out_of_the_mean() -> None:
    val = _good_val()
    bad = val.copy()
    bad[100:] = np.nan
    seeds = [_seed(0, bad, stop="diverged"), _seed(1, val), _seed(2, val)]
    mean = mean_curve(seeds)
    assert mean is not None and np.all(np.isfinite(mean.val_loss))
    trial = diagnose_seeds(seeds)
    assert trial.category == "good_fit"
    assert trial.disagreeing == (0,)


def test_all_diverged_uses_a_seed_for_evidence() -> None:
    val = _good_val(100)
    val[50:] = np.inf
    trial = diagnose_seeds([_seed(0, val), _seed(1, val)])
    assert (trial.category, trial.verdict.kind) == ("unstable", "diverged")
    assert trial.verdict.evidence.details["evidence_from"] == "seed 0"


def test_mean_curve_cuts_to_the_common_prefix_and_drops_short_seeds() -> None:
    seeds = [_seed(0, _good_val(600)), _seed(1, _good_val(500)), _seed(2, _good_val(100))]
    mean = mean_curve(seeds)
    assert mean is not None
    assert mean.epochs_trained == 500


def test_mean_curve_is_geometric() -> None:
    a = SeedCurves(seed=0, train_loss=np.full(10, 1.0), val_loss=np.full(10, 1.0))
    b = SeedCurves(seed=1, train_loss=np.full(10, 100.0), val_loss=np.full(10, 100.0))
    mean = mean_curve([a, b])
    assert mean is not None
    np.testing.assert_allclose(mean.val_loss, 10.0)


def test_mean_curve_averages_the_trimmed_loss_geometrically() -> None:
    seeds = [
        _seed(i, _good_val(), val_loss_trimmed=np.full(600, level))
        for i, level in enumerate((0.01, 0.04))
    ]
    mean = mean_curve(seeds)
    assert mean is not None and mean.val_loss_trimmed is not None
    assert mean.val_loss_trimmed == pytest.approx(np.full(600, 0.02))


def test_mean_curve_has_no_trimmed_loss_when_a_seed_lacks_it() -> None:
    seeds = [_seed(0, _good_val(), val_loss_trimmed=_good_val()), _seed(1, _good_val())]
    mean = mean_curve(seeds)
    assert mean is not None and mean.val_loss_trimmed is None


def test_round_trips_through_json() -> None:
    trial = diagnose_seeds([_seed(i, _overfit_val(), _train()) for i in range(3)])
    data = json.loads(json.dumps(trial.to_dict(), allow_nan=False))
    assert TrialDiagnosis.from_dict(data) == trial


def test_reached_loss_reaches_every_seed() -> None:
    flat = [_seed(i, _decay(300, 0.7, 10)) for i in range(3)]
    assert diagnose_seeds(flat, baseline_loss=1.0).verdict.kind == "capacity"
    trial = diagnose_seeds(flat, baseline_loss=1.0, reached_loss=0.69)
    assert [d.category for d in trial.seeds] == ["good_fit"] * 3
    assert trial.category == "good_fit"
