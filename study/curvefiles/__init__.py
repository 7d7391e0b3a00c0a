"""Read learning curves saved by Keras or by `study`, for the ``diagnose`` command.

Three layouts are understood, all as plain text (nothing is executed or unpickled):

* a Keras ``CSVLogger`` file: columns ``epoch, loss, val_loss`` and any metrics
  (``accuracy, val_accuracy``, ...);
* a saved ``history.history`` JSON: an object of lists, ``{"loss": [...], "val_loss": [...]}``,
  optionally wrapped as ``{"history": {...}}``;
* a `study` curve CSV: ``epoch, train_loss, val_loss, fit_loss, train_metric, val_metric``
  and optionally ``val_loss_trimmed``.

A CSV may hold several seeds (see :func:`read_seed_curves`): a ``seed`` column, or the long
layout ``trial, seed, epoch, series, value`` of ``python -m study export``. Such a file may
also carry the inputs of the trial's verdict besides its curves (:data:`CONTEXT_COLUMNS`):
each seed's ``val_samples`` and the trial's ``baseline_loss``, ``reached_loss`` and
``diagnosis_settings`` (a JSON object of the settings that differ from the defaults), so that
diagnosing an exported trial gives the verdict the study shows (see :func:`read_trial_curves`).

Keras' ``loss`` is the running training loss with dropout on; a Keras log has no dropout-off
training loss. It becomes both ``train_loss`` and ``fit_loss``: the diagnosis recognises the
two identical series and then does not read a modest validation-below-training gap as
"validation better" (dropout alone causes it).
"""

from study.curvecontext import CONTEXT_COLUMNS, CurveContext
from study.curvefiles._columns import (
    ACCURACY_NAMES,
    MIN_EPOCHS,
    check_same_length,
    curves_from_columns,
    seeds_from_columns,
    trial_from_columns,
)
from study.curvefiles._files import read_curve_file, read_seed_curves, read_trial_curves

__all__ = [
    "ACCURACY_NAMES",
    "CONTEXT_COLUMNS",
    "MIN_EPOCHS",
    "CurveContext",
    "check_same_length",
    "curves_from_columns",
    "read_curve_file",
    "read_seed_curves",
    "read_trial_curves",
    "seeds_from_columns",
    "trial_from_columns",
]
