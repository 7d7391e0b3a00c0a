"""Your own Keras model in a sweep: a search space that names a builder instead of a family.

A search space with ``model = "mypackage.models:build"`` trains, for every trial and seed,
the model that ``build(params, input_shape, output)`` returns:

* ``params``: a dict of the trial's values: every standard parameter (``units``, ``layers``,
  ``dropout``, ``learning_rate``, ...; see :data:`study.params.PARAMS`) and every parameter the
  space's ``[params]`` table declares beyond them (e.g. ``filters``, ``kernel_size``);
* ``input_shape``: one sample's shape, e.g. ``(12, 1)`` for windows or ``(30,)`` for a table;
* ``output``: an :class:`Output`: the task's kind and the head it needs (units, activation).

It returns a ``keras.Model``: uncompiled (trained with the trial's ``optimizer``,
``learning_rate`` and the task's loss), or compiled, whose optimizer and loss are then used.
The module is imported from the working folder or the installed packages; nothing else about
it is executed.

A trial stores and shows (``show``, ``report``, ``export``, ``study.load``) only the values
that mean something for such a model (:func:`declared_values`): the parameters the space's
``[params]`` table declares, and the training parameters the loop reads itself
(:data:`TRAINING_PARAMS`). A standard parameter the table does not name (e.g. ``cell``) is
still passed to the builder at its default, but is not shown as if it were used: declare it
in ``[params]`` when the builder reads it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Mapping
from typing import TYPE_CHECKING, Any, Literal

from study.params import PARAMS, TrialParams

if TYPE_CHECKING:
    from study.tasks import TaskData

__all__ = [
    "TRAINING_PARAMS",
    "CustomModel",
    "Output",
    "builder_values",
    "declared_values",
    "standard_params",
]


@dataclasses.dataclass(frozen=True)
class Output:
    """What the model's last layer must produce for the task.

    Attributes:
        kind: ``regression``, ``binary`` or ``multiclass``.
        units: Width of the output layer.
        activation: Its activation: ``linear``, ``sigmoid`` or ``softmax``.
        loss: The loss trained and reported (``mse``, ``mae``, ``binary_crossentropy`` or
            ``sparse_categorical_crossentropy``), computed on the layer's outputs.
    """

    kind: Literal["regression", "binary", "multiclass"]
    units: int
    activation: str
    loss: str

    @classmethod
    def of(cls, data: TaskData) -> Output:
        """The output a task's data needs."""
        activation = {"regression": "linear", "binary": "sigmoid", "multiclass": "softmax"}
        return cls(data.kind, data.n_outputs, activation[data.kind], data.loss)


def standard_params(values: Mapping[str, Any]) -> TrialParams:
    """The standard parameters among a trial's values (every family's), validated."""
    checked = {k: PARAMS[k].check(v) for k, v in values.items() if k in PARAMS}
    return TrialParams(**checked)


@dataclasses.dataclass(frozen=True)
class CustomModel:
    """One trial's builder call, as a seed worker needs it (plain data, picklable).

    The engine imports, builds and trains it (:func:`study.engine.train_custom`).

    Attributes:
        target: ``"module:function"``.
        values: Every parameter passed to the builder (standard and declared ones).
        folder: The folder the run started in, from which the builder is imported.
    """

    target: str
    values: Mapping[str, Any]
    folder: str


def builder_values(fixed: Mapping[str, Any], sampled: Mapping[str, Any]) -> dict[str, Any]:
    """Every value a builder receives: standard parameters (defaults filled) and declared ones.

    Raises:
        ValueError: A standard parameter out of its range.
    """
    values = {**fixed, **sampled}
    standard = standard_params(values).to_dict()
    return {**standard, **{k: v for k, v in values.items() if k not in PARAMS}}


TRAINING_PARAMS = ("epochs", "batch_size", "optimizer", "learning_rate")
"""Standard parameters the training loop of a builder's model reads itself (the optimizer and
its learning rate train a model the builder returns uncompiled)."""


def declared_values(values: Mapping[str, Any], declared: Collection[str]) -> dict[str, Any]:
    """The values a trial of a builder's model stores and shows.

    Args:
        values: Every value the builder receives (:func:`builder_values`).
        declared: The parameters the space's ``[params]`` table (or ``--set``) names.

    Returns:
        The declared values, the builder's own ones and the :data:`TRAINING_PARAMS`, in the
        order of ``values``; the other standard parameters' defaults are left out.
    """
    return {
        k: v for k, v in values.items() if k in declared or k in TRAINING_PARAMS or k not in PARAMS
    }
