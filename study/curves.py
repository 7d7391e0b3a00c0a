"""Learning curves of one seed: the record that flows from training to diagnosis and storage.

A :class:`SeedCurves` holds, for one random seed of one trial, the per-epoch losses that
training produced. It is pure numpy so that the diagnosis, the storage and the report can use
it without importing TensorFlow.

Curves are stored compactly: each series is a float32 array, compressed and base64-encoded, so
that a trial of 5 seeds x 2000 epochs is a single small text attribute instead of thousands of
rows.
"""

from __future__ import annotations

import base64
import dataclasses
import zlib
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

StopReason = Literal["completed", "diverged", "pruned", "error", "interrupted"]
"""Why a seed stopped training.

``completed``: all planned epochs ran. ``diverged``: a loss became NaN or infinite; the curve ends
at the last finite epoch. ``pruned``: the trial was pruned. ``error``: training raised (see
``error``). ``interrupted``: the run was stopped by the user.
"""

SERIES = ("train_loss", "val_loss", "fit_loss", "train_metric", "val_metric", "val_loss_trimmed")
"""Names of the per-epoch series a :class:`SeedCurves` may hold, in storage order."""

TRIMMED_SAMPLES = 2
"""Validation samples ``val_loss_trimmed`` leaves out each epoch: those with the largest loss.

A rise of the mean validation loss that one or two confidently wrong samples carry is gone
from the trimmed loss; a rise shared by the validation set stays in both.
"""

FloatArray = npt.NDArray[np.float64]


@dataclasses.dataclass(frozen=True)
class SeedCurves:
    """Per-epoch curves of one seed.

    All series have shape ``(epochs_trained,)``; entry ``i`` is the value after epoch ``i + 1``.

    Attributes:
        seed: The random seed that drove initialisation, shuffling and dropout.
        train_loss: Loss on the training data evaluated at the end of each epoch with dropout
            off, the same way as the validation loss, so that the two are comparable.
        val_loss: Loss on the validation data at the end of each epoch.
        fit_loss: Keras' running training loss (mean over the epoch's batches, dropout on), or
            ``None`` when it was not recorded.
        train_metric: The task's metric (accuracy for classification) on the training data, or
            ``None`` for tasks without a metric.
        val_metric: The same metric on the validation data, or ``None``.
        epochs_planned: The number of epochs the trial asked for.
        stop: Why training stopped.
        error: The error message when ``stop == "error"``, else ``None``.
        traceback: The error's full traceback when ``stop == "error"``, else ``None``.
        seconds: Wall time spent training this seed (shared equally among seeds trained
            together in one graph).
        val_samples: Number of validation samples behind ``val_loss``, or ``None`` when not
            recorded. The diagnosis uses it to judge how much a small validation set can move
            on a few samples.
        val_loss_trimmed: The validation loss without the :data:`TRIMMED_SAMPLES` samples of
            largest loss at each epoch (the regularisation penalty included, as in
            ``val_loss``); equal to ``val_loss`` when the validation set has no more than
            twice that many samples. ``None`` when not recorded.
        weights: The seed's weights when training ended, in the order of the Keras model's
            ``get_weights()`` (:func:`study.models.build_keras_model`, or the builder's model),
            or ``None`` when not kept (a seed that diverged or failed). Never stored with the
            curves; kept weights go to the study's artifact store.
        best_weights: The seed's weights at the end of its epoch of lowest ``val_loss`` (the
            first such epoch), as Keras' ``EarlyStopping(restore_best_weights=True)`` keeps
            them, in the order of ``weights``; ``None`` when not kept. Never stored with the
            curves.
    """

    seed: int
    train_loss: FloatArray
    val_loss: FloatArray
    fit_loss: FloatArray | None = None
    train_metric: FloatArray | None = None
    val_metric: FloatArray | None = None
    epochs_planned: int = 0
    stop: StopReason = "completed"
    error: str | None = None
    seconds: float = 0.0
    traceback: str | None = None
    val_samples: int | None = None
    val_loss_trimmed: FloatArray | None = None
    weights: tuple[npt.NDArray[np.float32], ...] | None = dataclasses.field(
        default=None, repr=False, compare=False
    )
    best_weights: tuple[npt.NDArray[np.float32], ...] | None = dataclasses.field(
        default=None, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        if self.val_samples is not None and self.val_samples < 1:
            raise ValueError(
                f"`val_samples` must be a positive integer or None, but got "
                f"val_samples={self.val_samples!r}."
            )
        n = len(self.train_loss)
        for name in SERIES:
            values = getattr(self, name)
            if values is None:
                continue
            array = np.asarray(values, dtype=np.float64)
            if array.ndim != 1 or len(array) != n:
                raise ValueError(
                    f"`{name}` must be a 1-D array of {n} epochs like `train_loss`, "
                    f"but got shape {array.shape}."
                )
            object.__setattr__(self, name, array)

    @property
    def epochs_trained(self) -> int:
        """Number of epochs recorded."""
        return len(self.train_loss)

    def truncated(self, epochs: int) -> SeedCurves:
        """Return the first ``epochs`` epochs of these curves."""
        changes: dict[str, Any] = {}
        for name in SERIES:
            values = getattr(self, name)
            if values is not None:
                changes[name] = values[:epochs]
        return dataclasses.replace(self, **changes)

    def summary(self) -> dict[str, Any]:
        """Return the small JSON-able per-seed summary shown by ``study show``."""
        final_val = float(self.val_loss[-1]) if self.epochs_trained else None
        return {
            "seed": self.seed,
            "epochs_trained": self.epochs_trained,
            "epochs_planned": self.epochs_planned,
            "stop": self.stop,
            "error": self.error,
            "final_val_loss": _finite_or_none(final_val),
            "best_val_loss": _finite_or_none(
                float(np.nanmin(self.val_loss)) if self.epochs_trained else None
            ),
            "seconds": round(self.seconds, 3),
        }

    def to_dict(self) -> dict[str, Any]:
        """Encode as a compact JSON-able dict (float32, zlib, base64 per series)."""
        encoded: dict[str, Any] = {
            "seed": self.seed,
            "epochs_planned": self.epochs_planned,
            "stop": self.stop,
            "error": self.error,
            "seconds": self.seconds,
        }
        if self.traceback is not None:
            encoded["traceback"] = self.traceback
        if self.val_samples is not None:
            encoded["val_samples"] = self.val_samples
        encoded["series"] = {
            name: encode_series(getattr(self, name))
            for name in SERIES
            if getattr(self, name) is not None
        }
        return encoded

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SeedCurves:
        """Decode what :meth:`to_dict` produced."""
        series: dict[str, Any] = {
            name: decode_series(text) for name, text in data["series"].items()
        }
        return cls(
            seed=int(data["seed"]),
            epochs_planned=int(data["epochs_planned"]),
            stop=data["stop"],
            error=data.get("error"),
            seconds=float(data.get("seconds", 0.0)),
            traceback=data.get("traceback"),
            val_samples=None if data.get("val_samples") is None else int(data["val_samples"]),
            **series,
        )


def stack(curves: Sequence[SeedCurves], name: str = "val_loss") -> FloatArray:
    """Stack one series of several seeds into an array of shape ``(n_seeds, max_epochs)``.

    Seeds that stopped early are padded with NaN so that a mean over seeds ignores them
    (use ``np.nanmean``).
    """
    longest = max((c.epochs_trained for c in curves), default=0)
    out = np.full((len(curves), longest), np.nan)
    for i, c in enumerate(curves):
        values = getattr(c, name)
        if values is not None:
            out[i, : len(values)] = values
    return out


def encode_series(values: FloatArray) -> str:
    """Encode one series as base64 text of zlib-compressed little-endian float32."""
    raw = np.ascontiguousarray(values, dtype="<f4").tobytes()
    return base64.b64encode(zlib.compress(raw, 6)).decode("ascii")


def decode_series(text: str) -> FloatArray:
    """Inverse of :func:`encode_series`."""
    raw = zlib.decompress(base64.b64decode(text))
    return np.frombuffer(raw, dtype="<f4").astype(np.float64)


def _finite_or_none(value: float | None) -> float | None:
    if value is None or not np.isfinite(value):
        return None
    return value
