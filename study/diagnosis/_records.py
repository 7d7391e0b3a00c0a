"""Typed records of a diagnosis: one seed's verdict, and a trial's verdict over its seeds."""

from __future__ import annotations

import dataclasses
from typing import Any, Literal

Category = Literal[
    "underfit", "good_fit", "overfit", "not_learning", "unstable", "validation_better"
]
CATEGORIES: tuple[Category, ...] = (
    "underfit",
    "good_fit",
    "overfit",
    "not_learning",
    "unstable",
    "validation_better",
)
Kind = Literal[
    "still_improving", "capacity", "turning_point", "memorising", "oscillating", "diverged"
]
KINDS: dict[Category, tuple[Kind, ...]] = {
    "underfit": ("still_improving", "capacity"),
    "overfit": ("turning_point", "memorising"),
    "unstable": ("oscillating", "diverged"),
    "good_fit": (),
    "not_learning": (),
    "validation_better": (),
}


NOT_KEPT = "not_kept"
"""The evidence detail that says why a good fit is not one to keep (see
:attr:`TrialDiagnosis.worth_keeping`)."""


@dataclasses.dataclass(frozen=True)
class Evidence:
    """What the curves showed, in units a person can read.

    Epochs are 1-based (epoch 1 is the first epoch trained). Losses are in the task's loss
    units. ``None`` marks a value that does not exist for this curve (e.g. no finite epoch).

    Attributes:
        epochs: Number of epochs in the curve.
        best_epoch: Epoch of the lowest validation loss.
        best_val_loss: The lowest validation loss.
        final_train_loss: Training loss (dropout off when available) at the last epoch,
            smoothed over the last few epochs.
        final_val_loss: Validation loss at the last epoch, smoothed likewise.
        gap: ``final_val_loss - final_train_loss``.
        gap_ratio: ``final_val_loss / final_train_loss``.
        train_trend: Relative change of the training loss per 100 epochs over the recent
            window (negative = still falling).
        val_trend: The same for the validation loss.
        val_rise: ``final_val_loss / best_val_loss`` (1 = no rise since the minimum).
        details: Any other quantity the rule used, by name.
    """

    epochs: int
    best_epoch: int | None
    best_val_loss: float | None
    final_train_loss: float | None
    final_val_loss: float | None
    gap: float | None
    gap_ratio: float | None
    train_trend: float | None
    val_trend: float | None
    val_rise: float | None
    details: dict[str, Any] = dataclasses.field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-able dict."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Evidence:
        """Inverse of :meth:`to_dict`."""
        return cls(**data)


@dataclasses.dataclass(frozen=True)
class Diagnosis:
    """The fit category of one curve (one seed, or the mean over seeds), why, and what to do.

    Attributes:
        category: The fit category.
        kind: The sub-kind where the category has one (see ``KINDS``), else ``None``.
        confidence: How clearly the curve shows the category, in [0, 1].
        evidence: The measured quantities behind the verdict.
        advice: One line of advice, quoting the evidence.
        uncertain: Why the evidence cannot decide, when it cannot (seeds that disagree, a
            rise a few samples of a small validation set can cause, a low confidence), else
            ``None``. The category is then the likeliest reading, not a finding: check it
            with more seeds, a larger validation set or more epochs before acting on it.
    """

    category: Category
    kind: Kind | None
    confidence: float
    evidence: Evidence
    advice: str
    uncertain: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-able dict."""
        return {
            "category": self.category,
            "kind": self.kind,
            "confidence": self.confidence,
            "evidence": self.evidence.to_dict(),
            "advice": self.advice,
            "uncertain": self.uncertain,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Diagnosis:
        """Inverse of :meth:`to_dict`."""
        return cls(
            category=data["category"],
            kind=data.get("kind"),
            confidence=float(data["confidence"]),
            evidence=Evidence.from_dict(data["evidence"]),
            advice=data["advice"],
            uncertain=data.get("uncertain"),
        )


@dataclasses.dataclass(frozen=True)
class TrialDiagnosis:
    """A trial's verdict over all its seeds.

    Attributes:
        verdict: The trial's diagnosis: the vote of the seeds, with evidence and advice taken
            from the mean curve over seeds.
        seeds: Each seed's own diagnosis, in seed order.
        seed_ids: The seed of each entry of ``seeds``.
        agreement: Fraction of seeds whose category equals the verdict's, in [0, 1].
        disagreeing: Seeds whose category differs from the verdict's.
    """

    verdict: Diagnosis
    seeds: tuple[Diagnosis, ...]
    seed_ids: tuple[int, ...]
    agreement: float
    disagreeing: tuple[int, ...]

    @property
    def category(self) -> Category:
        """The trial's fit category."""
        return self.verdict.category

    @property
    def worth_keeping(self) -> bool:
        """Whether this is a good fit its study would keep.

        A good fit judged against its study (:func:`~study.diagnosis.against_study_best`) is
        not one to keep when it is materially behind the study's best or the pruner stopped
        it; its evidence then names why (``details["not_kept"]``).
        """
        return self.category == "good_fit" and NOT_KEPT not in self.verdict.evidence.details

    def agreement_text(self) -> str:
        """E.g. ``"4 of 5 seeds overfit"``."""
        agree = len(self.seeds) - len(self.disagreeing)
        return f"{agree} of {len(self.seeds)} seeds {self.verdict.category}"

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-able dict; its top level is the stable summary scripts read."""
        ev = self.verdict.evidence
        return {
            "category": self.verdict.category,
            "kind": self.verdict.kind,
            "confidence": self.verdict.confidence,
            "agreement": self.agreement,
            "agreement_text": self.agreement_text(),
            "best_epoch": ev.best_epoch,
            "advice": self.verdict.advice,
            "uncertain": self.verdict.uncertain,
            "disagreeing": list(self.disagreeing),
            "verdict": self.verdict.to_dict(),
            "seeds": [
                {"seed": s, **d.to_dict()} for s, d in zip(self.seed_ids, self.seeds, strict=True)
            ],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrialDiagnosis:
        """Inverse of :meth:`to_dict`."""
        seeds = tuple(Diagnosis.from_dict(s) for s in data["seeds"])
        return cls(
            verdict=Diagnosis.from_dict(data["verdict"]),
            seeds=seeds,
            seed_ids=tuple(int(s["seed"]) for s in data["seeds"]),
            agreement=float(data["agreement"]),
            disagreeing=tuple(int(s) for s in data["disagreeing"]),
        )
