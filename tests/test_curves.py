from __future__ import annotations

import numpy as np
import pytest

from study.curves import SeedCurves, stack


def _curves(n: int = 5, seed: int = 0) -> SeedCurves:
    rng = np.random.default_rng(seed)
    return SeedCurves(
        seed=seed,
        train_loss=rng.random(n).astype(np.float32),
        val_loss=rng.random(n).astype(np.float32),
        train_metric=rng.random(n).astype(np.float32),
        val_metric=rng.random(n).astype(np.float32),
        epochs_planned=10,
    )


def test_round_trip_is_exact_for_float32() -> None:
    original = _curves(2000)
    decoded = SeedCurves.from_dict(original.to_dict())
    np.testing.assert_array_equal(decoded.train_loss, original.train_loss)
    np.testing.assert_array_equal(decoded.val_metric, original.val_metric)  # type: ignore[arg-type]
    assert decoded.fit_loss is None
    assert decoded.epochs_planned == 10


def test_encoding_is_compact() -> None:
    encoded = str(_curves(2000).to_dict())
    # Four float32 series of 2000 epochs: about 32 kB raw; text must stay of that order.
    assert len(encoded) < 50_000


def test_series_of_other_length_is_rejected() -> None:
    with pytest.raises(ValueError, match="`val_loss` must be a 1-D array of 3 epochs"):
        SeedCurves(seed=0, train_loss=np.zeros(3), val_loss=np.zeros(4))


def test_truncated_keeps_prefix() -> None:
    short = _curves(10).truncated(4)
    assert short.epochs_trained == 4
    assert short.val_metric is not None and len(short.val_metric) == 4


def test_summary_hides_non_finite_values() -> None:
    curves = SeedCurves(
        seed=1,
        train_loss=np.array([1.0, np.nan]),
        val_loss=np.array([1.0, np.inf]),
        stop="diverged",
    )
    summary = curves.summary()
    assert summary["final_val_loss"] is None
    assert summary["best_val_loss"] == 1.0


def test_stack_pads_shorter_seeds_with_nan() -> None:
    out = stack([_curves(3), _curves(5, seed=1)])
    assert out.shape == (2, 5)
    assert np.isnan(out[0, 3:]).all()


def test_validation_size_round_trips_and_is_optional() -> None:
    sized = SeedCurves(seed=0, train_loss=np.ones(3), val_loss=np.ones(3), val_samples=45)
    assert SeedCurves.from_dict(sized.to_dict()).val_samples == 45
    assert "val_samples" not in _curves().to_dict()  # records written before it read alike
    assert SeedCurves.from_dict(_curves().to_dict()).val_samples is None


def test_validation_size_must_be_positive() -> None:
    with pytest.raises(ValueError, match="`val_samples` must be a positive integer"):
        SeedCurves(seed=0, train_loss=np.ones(3), val_loss=np.ones(3), val_samples=0)


def test_trimmed_validation_loss_round_trips_and_is_optional() -> None:
    trimmed = SeedCurves(
        seed=0,
        train_loss=np.ones(3),
        val_loss=np.ones(3),
        val_loss_trimmed=np.array([0.5, 0.25, 0.125]),
    )
    decoded = SeedCurves.from_dict(trimmed.to_dict())
    np.testing.assert_array_equal(decoded.val_loss_trimmed, [0.5, 0.25, 0.125])  # type: ignore[arg-type]
    assert SeedCurves.from_dict(_curves().to_dict()).val_loss_trimmed is None


def test_trimmed_validation_loss_must_match_the_epochs() -> None:
    with pytest.raises(ValueError, match="`val_loss_trimmed` must be a 1-D array of 3 epochs"):
        SeedCurves(seed=0, train_loss=np.ones(3), val_loss=np.ones(3), val_loss_trimmed=np.ones(2))
