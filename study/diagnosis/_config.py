"""The thresholds of the learning-curve diagnosis, and their validation.

Every threshold lives in :class:`DiagnosisConfig`. Losses are compared on a log scale (ratios,
not differences): tasks' losses range from 1e-5 to 1e+2 and fall over orders of magnitude, and
a ratio means the same thing at every scale ("validation rose 10 % above its minimum"), while a
difference of 0.01 is noise for one task and everything for another. Ratio thresholds are
therefore given as factors (``1.1`` = 10 % above). Windows are fractions of the curve's length
with a minimum in epochs, so that a 20-epoch and a 5000-epoch curve are read alike.

The defaults are those under which the labelled corpus in ``tests/corpus`` is diagnosed with
at least 90 % accuracy in every category and a good fit is almost never called overfit.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from study.errors import InputError
from study.validation import check_int, check_number

__all__ = ["DiagnosisConfig"]

# Bounds of each field, as keyword arguments of study.validation.check_number.
_GT1: dict[str, Any] = {"low": 1, "low_inclusive": False}
_POS: dict[str, Any] = {"low": 0, "low_inclusive": False}
_FRAC: dict[str, Any] = {"low": 0, "high": 1, "low_inclusive": False, "high_inclusive": False}
_NONNEG: dict[str, Any] = {"low": 0}
_EPOCHS: dict[str, Any] = {"low": 1}


def _field(default: float | int, bounds: dict[str, Any]) -> Any:
    return dataclasses.field(default=default, metadata={"bounds": bounds})


@dataclasses.dataclass(frozen=True)
class DiagnosisConfig:
    """Thresholds of the learning-curve diagnosis.

    Ratios are factors between two losses (log scale); fractions are of the curve's length.

    Attributes:
        window_fraction: Width of the moving mean that smooths each curve, as a fraction of its
            epochs (0.05 = 50 epochs of a 1000-epoch curve). Wide enough that noise and
            bumps of a few epochs vanish, narrow enough to keep a minimum's position.
        min_window: Smallest smoothing window, in epochs (short curves).
        despike_epochs: Width of the running median applied before the moving mean, in epochs;
            it removes single-epoch spikes entirely instead of spreading them.
        trend_fraction: Length of the recent window over which trends are fitted, as a
            fraction of the epochs.
        min_trend_epochs: Smallest trend window, in epochs.
        rise_ratio: Overfit (turning point) needs the smoothed validation loss to end at
            least this factor above its minimum (1.1 = 10 % above), in addition to a noise
            margin (``noise_z``). Linear-scale equivalents would depend on the task's units.
        small_rise_ratio: A smaller rise, from this factor (1.03 = 3 % above the minimum) plus
            the same margins, is overfit (turning point) too when it lasts as long and the
            training loss kept falling since the minimum by at least this factor: validation
            traded for training. The margins, not a fixed fraction, keep noise out; a lasting
            rise of a few percent often costs the held-out loss several times as much.
        noise_z: The rise must also exceed this many standard deviations of the smoothed
            validation loss's noise (estimated from the residuals, log scale), so that the
            minimum of a noisy plateau is not mistaken for a turning point.
        sample_rise: When the curves record the validation size n, a rise must also exceed
            ``sample_rise / n`` (log scale): on a small set, a few samples growing confidently
            wrong raise the mean loss smoothly, without any epoch-to-epoch noise, by an amount
            that shrinks as 1/n. One such sample lifts a 45-sample loss about 2x (log 0.7,
            i.e. ~30 / n); the default allows for about one and a half (45 samples: a rise
            must exceed ~3.7x; 70: ~2.6x; 300: ~1.3x; 3000: ~1.13x with ``rise_ratio``). It is
            the largest margin at which the reference two-moons overfit (500 units, 70
            validation samples) still reads as overfit; at 46 or less the counterfactual
            corpus's 45-sample good fit would read as overfit. That window is narrow: a margin
            read from the mean curve alone cannot tell one confidently wrong sample from a
            broad rise. When the curves record the trimmed validation loss, a rise that it
            shows too is broad, and this margin is not applied to it.
        confident_val_samples: Validation size at which a verdict read from the validation
            curve keeps ``sqrt(1/2)`` of its confidence (``sqrt(n / (n + this))`` in general).
        few_samples_confidence: Factor on the confidence of an overfit verdict whose rise the
            trimmed validation loss (without the few largest per-sample losses) does not show:
            a rise carried by one or two samples costs the held-out loss on some sets and not
            on others, so such a verdict is no better than an even chance.
        unreferenced_capacity_confidence: Factor on the confidence of an underfit (capacity)
            verdict made without the lowest validation loss other trials reached: judged
            against the baseline alone, a level barely below it may be all the data allow
            (a series with little signal), which only other trials' results can tell.
        sustain_fraction: The validation loss must have stayed above the rise threshold for
            at least this fraction of the epochs (the most recent ones)...
        min_sustain_epochs: ...and at least this many epochs. "No improvement for N epochs"
            alone is never overfitting: only a sustained rise is.
        regress_fraction: Training loss that climbs back by at least this fraction of what it
            had learnt (log scale)...
        diverge_ratio: ...and ends at least this factor above its minimum is diverging (the
            optimiser blew up), not overfitting: overfitting leaves the training loss low.
        explode_ratio: A training or validation loss that ends this factor above its first
            epoch has exploded (diverged). Overfitting raises validation loss far less: a clipped
            cross-entropy cannot exceed about 16, and a model worse than its own
            initialisation by 1000x has blown up.
        oscillation_sigma: Robust standard deviation (1.4826 x median absolute deviation) of the
            validation loss around its smoothed curve, in natural-log units, at or above which
            the fit is unstable (0.2 = typical swings of about +/-20 % of the level).
        spike_fraction: Spikes (separate runs of epochs whose validation loss is more than 2x
            off its smoothed level) per epoch of the last three quarters at or above which the
            fit is unstable...
        min_spikes: ...provided there are at least this many: one bump is not instability.
        not_learning_gain: Both losses must fall by less than this factor from their start
            (and validation must not beat the baseline by ``capacity_gain``) for "not
            learning".
        improving_gain: Underfit (still improving) when the recent log-log trend of the
            validation loss says doubling the epochs would lower it by at least this fraction
            (0.1 = 10 %). A log-log slope reads the same at epoch 30 and epoch 3000.
        trend_z: ...and the slope must be this many standard errors below zero (standard
            error from the residuals, widened for their autocorrelation), so that noise on a
            levelled-off curve is not read as improvement.
        capacity_gain: Underfit (capacity) when the final validation loss is less than this
            factor below the reference (the baseline loss when given, else the curve's own
            starting loss) once it has levelled off.
        capacity_reached_ratio: Underfit (capacity) too, whatever the gain from the reference,
            when validation levels off at least this factor above the lowest validation loss
            other trials of the study reached (when known): a model that stops many times
            above what other configurations reach on the same data is too small, even if it
            learnt a lot from the trivial predictor (2 hidden units on ten digit classes).
            At 3 the counterfactual corpus's 45-sample iris good fit, 3.2x above a best that
            a small validation set measures loosely, would read as capacity.
        capacity_train_settled: Underfit (capacity) judged without other trials' best needs
            the training loss to have levelled off as well: less than this share
            of its fall from its start made in the second half of the epochs. A training
            loss still falling steadily (a share near 0.5) shows a model with room to fit
            more; its validation loss has settled at what it generalises to. On the tuning
            datasets of both counterfactual corpora, 21 of the 23 plateaus read as capacity
            without the study's context were not capacity, and 20 of those 21 had a share
            above 0.1; the shape corpus's capacity curves (the real LSTM(1) among them) stay
            under 0.04.
        memorise_train_gain: Overfit (memorising) needs the training loss to have fallen by
            at least this factor below its reference ("near zero")...
        memorise_val_share: ...while validation covered at most this share of the training
            loss's fall (log scale), i.e. it stalls far above it.
        memorise_accuracy: Or: training accuracy at least this high...
        memorise_accuracy_gap: ...with validation accuracy at least this much lower.
        memorise_rise: And in either case, evidence that stopping earlier would help: the
            smoothed validation loss ends at least this factor above its minimum, beyond the
            noise margin, over the sustained share of the epochs. Memorising that costs
            nothing on validation is a good fit (no action would lower the held-out loss).
        validation_better_ratio: Validation better than training when the smoothed training
            loss (dropout off) stays at least this factor above validation...
        running_loss_ratio: ...or this factor when the only training loss is Keras' running,
            dropout-on loss, which sits above validation for reasons unrelated to fit.
        validation_better_share: ...over at least this share of the last half of the epochs.
        uncertain_confidence: A verdict whose confidence is below this, or a trial's whose
            seeds agree on its category less than ``uncertain_agreement`` of the time, is
            marked uncertain (see :attr:`~study.diagnosis.Diagnosis.uncertain`).
        uncertain_agreement: See ``uncertain_confidence``.
        short_epochs: Curves shorter than this many epochs still get a verdict, with its
            confidence scaled down in proportion.
    """

    window_fraction: float = _field(0.05, _FRAC)
    min_window: int = _field(5, _EPOCHS)
    despike_epochs: int = _field(5, _EPOCHS)
    trend_fraction: float = _field(0.25, _FRAC)
    min_trend_epochs: int = _field(8, _EPOCHS)
    rise_ratio: float = _field(1.1, _GT1)
    small_rise_ratio: float = _field(1.03, _GT1)
    noise_z: float = _field(3.0, _NONNEG)
    sample_rise: float = _field(48.0, _NONNEG)
    confident_val_samples: int = _field(100, _EPOCHS)
    few_samples_confidence: float = _field(0.5, _FRAC)
    unreferenced_capacity_confidence: float = _field(0.5, _FRAC)
    sustain_fraction: float = _field(0.1, _FRAC)
    min_sustain_epochs: int = _field(5, _EPOCHS)
    regress_fraction: float = _field(0.5, _FRAC)
    diverge_ratio: float = _field(2.0, _GT1)
    explode_ratio: float = _field(1000.0, _GT1)
    oscillation_sigma: float = _field(0.2, _POS)
    spike_fraction: float = _field(0.05, _FRAC)
    min_spikes: int = _field(3, _EPOCHS)
    not_learning_gain: float = _field(1.1, _GT1)
    improving_gain: float = _field(0.1, _POS)
    trend_z: float = _field(2.0, _NONNEG)
    capacity_gain: float = _field(1.5, _GT1)
    capacity_reached_ratio: float = _field(5.0, _GT1)
    capacity_train_settled: float = _field(0.1, _FRAC)
    memorise_train_gain: float = _field(20.0, _GT1)
    memorise_val_share: float = _field(0.5, _FRAC)
    memorise_accuracy: float = _field(0.99, _FRAC)
    memorise_accuracy_gap: float = _field(0.1, _FRAC)
    memorise_rise: float = _field(1.03, _GT1)
    validation_better_ratio: float = _field(1.15, _GT1)
    running_loss_ratio: float = _field(2.0, _GT1)
    validation_better_share: float = _field(0.8, _FRAC)
    uncertain_confidence: float = _field(0.3, _FRAC)
    uncertain_agreement: float = _field(0.6, _FRAC)
    short_epochs: int = _field(30, _EPOCHS)

    def __post_init__(self) -> None:
        for field in dataclasses.fields(self):
            # Keep the checked value: 5.0 given for an integer setting is stored as 5.
            object.__setattr__(self, field.name, _check(field, getattr(self, field.name)))

    @classmethod
    def from_mapping(cls, mapping: Mapping[str, Any]) -> DiagnosisConfig:
        """Build a configuration from overrides, e.g. a search-space file's ``[diagnosis]`` table.

        Args:
            mapping: Setting names to values; settings left out keep their defaults.

        Raises:
            InputError: A name is not a setting, or a value has the wrong type or range.
        """
        if not isinstance(mapping, Mapping):
            raise InputError(
                f"`[diagnosis]` must be a table of settings, but got {type(mapping).__name__}."
            )
        fields = {f.name: f for f in dataclasses.fields(cls)}
        for key, value in mapping.items():
            if key not in fields:
                raise InputError(
                    f"`[diagnosis] {key}` is not a diagnosis setting; use one of: "
                    + ", ".join(fields)
                    + "."
                )
            try:
                _check(fields[key], value)
            except ValueError as e:
                # The same message, naming the table the setting came from.
                raise InputError(str(e).replace(f"`{key}`", f"`[diagnosis] {key}`", 1)) from None
        return cls(**dict(mapping))

    def to_dict(self) -> dict[str, Any]:
        """Return the settings as a JSON-able dict."""
        return dataclasses.asdict(self)


def _check(field: dataclasses.Field[Any], value: Any) -> float | int:
    """Check one setting with the shared checks and return it; raises ``ValueError``."""
    bounds = field.metadata["bounds"]
    if field.type in ("int", int):
        return check_int(field.name, value, low=bounds.get("low"))
    return check_number(field.name, value, **bounds)
