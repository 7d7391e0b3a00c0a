"""Seeds as evidence: what a trial's per-seed objective values say, and which trial to use.

A trial trains several seeds; its Optuna value is their mean. The same values also measure
how much the configuration depends on its seed:

* :func:`seed_values` reads each seed's objective quantity from its curves;
* :func:`trial_evidence` turns them into a :class:`TrialEvidence` (mean, standard error,
  t-based interval at :data:`DEFAULT_LEVEL`, finite and diverged seeds counted apart);
* :func:`recommend` picks the configuration to use by the mean allowing for the seeds'
  spread and says why when that is not Optuna's ``best_trial`` (a :class:`Recommendation`);
* :func:`standing` places a trial in that rule's order (a run keeps the weights of the
  trials that stand lowest);
* :func:`overlapping` names the trials that the seeds cannot tell apart from a given one;
* :func:`value_text` writes a trial's objective with its interval, as every reader shows it;
* :func:`forecast` says where a seed's curve is heading, with a measured uncertainty
  (a :class:`Forecast`), for policies that judge a trial before it ends.

Seed k of every trial shares its initialisation stream and batch order, so the seeds of two
trials are paired; comparing the intervals of single trials ignores that pairing and is
therefore conservative. Pure numpy/scipy: no TensorFlow.
"""

from __future__ import annotations

from study.evidence._forecast import Forecast, forecast
from study.evidence._recommend import (
    Recommendation,
    Rule,
    Standing,
    overlapping,
    recommend,
    standing,
)
from study.evidence._trial import (
    DEFAULT_LEVEL,
    Direction,
    TrialEvidence,
    seed_values,
    trial_evidence,
    value_text,
)

__all__ = [
    "DEFAULT_LEVEL",
    "Direction",
    "Forecast",
    "Recommendation",
    "Rule",
    "Standing",
    "TrialEvidence",
    "forecast",
    "overlapping",
    "recommend",
    "seed_values",
    "standing",
    "trial_evidence",
    "value_text",
]
