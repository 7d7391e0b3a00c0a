"""The final score of a study: its chosen trial scored on the test split no trial saw."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import optuna

from study.storage import _keys as keys


@dataclasses.dataclass(frozen=True)
class FinalScore:
    """The chosen trial's seeds scored on the test split, beside their validation scores.

    The chosen trial is the best by the study's objective. Its seeds are trained again with
    the same parameters, seeds and epochs (training is deterministic given a seed, so they
    follow the trial's curves) and scored at their last epoch on the test split.

    Attributes:
        trial: The scored trial's number.
        params: Its parameter values (a searched ``lookback`` included).
        objective: The study's objective; ``validation`` is the trial's value of it.
        validation: The trial's objective value (mean over seeds).
        loss: The loss both splits are scored with, e.g. ``mse``.
        validation_loss: Per seed, the validation loss at the last epoch, shape ``(n_seeds,)``.
        test_loss: Per seed, the test loss at the last epoch, shape ``(n_seeds,)``.
        validation_accuracy: Per seed, the last epoch's validation accuracy (classification),
            else ``None``.
        test_accuracy: Per seed, the last epoch's test accuracy (classification), else ``None``.
        n_test: Test samples (windows for a series).
        reproduced: Whether the seeds trained again followed the trial's stored training
            curves (to float tolerance): the scored models are the trial's own.
    """

    trial: int
    params: Mapping[str, Any]
    objective: str
    validation: float
    loss: str
    validation_loss: Sequence[float]
    test_loss: Sequence[float]
    validation_accuracy: Sequence[float] | None
    test_accuracy: Sequence[float] | None
    n_test: int
    reproduced: bool

    @property
    def test_mean(self) -> float:
        """Mean test loss over the seeds with a finite one (NaN when none has)."""
        return _mean(self.test_loss)

    @property
    def test_spread(self) -> float:
        """Standard deviation of the finite test losses over seeds (0 for one seed)."""
        return _spread(self.test_loss)

    @property
    def validation_mean(self) -> float:
        """Mean last-epoch validation loss over the seeds with a finite one."""
        return _mean(self.validation_loss)

    @property
    def optimism(self) -> float:
        """How much lower the validation loss was than the test loss, as a share of the test
        loss: 0.2 means the validation score promised a loss 20 % below what the test found
        (negative: the test went better)."""
        test = self.test_mean
        if not math.isfinite(test) or test == 0:
            return float("nan")
        return (test - self.validation_mean) / test

    def describe(self) -> str:
        """One line: the test score next to the validation score, and how optimistic it was."""
        line = (
            f"test {self.loss} {self.test_mean:.4g} ± {self.test_spread:.2g} on {self.n_test} "
            f"samples vs validation {self.validation_mean:.4g} ± "
            f"{_spread(self.validation_loss):.2g} (trial #{self.trial}, last epoch)"
        )
        if math.isfinite(self.optimism):
            word = "optimistic" if self.optimism > 0 else "pessimistic"
            line += f": validation was {abs(self.optimism):.0%} {word}"
        if self.test_accuracy is not None and self.validation_accuracy is not None:
            line += (
                f"; accuracy test {_mean(self.test_accuracy):.3f} vs validation "
                f"{_mean(self.validation_accuracy):.3f}"
            )
        if not self.reproduced:
            line += "; warning: the retrained seeds did not follow the trial's curves"
        return line

    def to_dict(self) -> dict[str, Any]:
        """The JSON-able form stored with the study (non-finite numbers as ``None``)."""
        values = dataclasses.asdict(self)
        for name in ("validation_loss", "test_loss", "validation_accuracy", "test_accuracy"):
            if values[name] is not None:
                values[name] = [_json(v) for v in values[name]]
        values["params"] = dict(self.params)
        values["validation"] = _json(self.validation)
        return values

    def summary(self) -> dict[str, Any]:
        """The stored record with the means, the spread and the optimism (``None`` if not
        finite), as ``show --json`` and ``evaluate --json`` print it."""
        derived = {
            "test_mean": self.test_mean,
            "test_spread": self.test_spread,
            "validation_mean": self.validation_mean,
            "optimism": self.optimism,
        }
        return {**self.to_dict(), **{k: _json(v) for k, v in derived.items()}}

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> FinalScore:
        """The inverse of :meth:`to_dict`."""
        fields = {f.name for f in dataclasses.fields(cls)}
        known = {k: v for k, v in values.items() if k in fields}
        for name in ("validation_loss", "test_loss", "validation_accuracy", "test_accuracy"):
            if known.get(name) is not None:
                known[name] = tuple(_number(v) for v in known[name])
        known["validation"] = _number(known.get("validation"))
        return cls(**known)


def write_final_score(study: optuna.Study, score: FinalScore) -> None:
    """Store ``score`` with the study, in place of any earlier one."""
    study.set_user_attr(keys.STUDY_TEST_SCORE, score.to_dict())


def read_final_score(study: optuna.Study) -> FinalScore | None:
    """The study's stored test score, or ``None`` when it has none."""
    stored = study.user_attrs.get(keys.STUDY_TEST_SCORE)
    return None if not isinstance(stored, Mapping) else FinalScore.from_dict(stored)


def _finite(values: Sequence[float]) -> list[float]:
    return [float(v) for v in values if math.isfinite(v)]


def _mean(values: Sequence[float]) -> float:
    finite = _finite(values)
    return float(np.mean(finite)) if finite else float("nan")


def _spread(values: Sequence[float]) -> float:
    finite = _finite(values)
    return float(np.std(finite)) if finite else float("nan")


def _json(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


def _number(value: Any) -> float:
    return float("nan") if value is None else float(value)
