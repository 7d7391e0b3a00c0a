"""Keras' optimizer update rules, applied to seed-stacked weights.

Adam, AdamW, SGD and RMSprop update each weight element from its own gradient and state
only, so applying them to weights stacked over seeds updates every seed exactly as its own
optimizer would. The hyperparameters are read from the Keras optimizer that
:func:`study.models.make_optimizer` builds, and each update repeats the arithmetic of that
optimizer's ``update_step`` (AdamW's decoupled weight decay comes first, as in Keras). Adam
and SGD run it in TensorFlow's fused kernels (``ResourceApplyAdam``,
``ResourceApplyGradientDescent``): one pass over each weight instead of one per operation,
equal to Keras' steps up to float rounding (fused multiply-adds).

Why the rules are written here rather than calling ``keras.optimizers`` inside the graph: a
sweep runs many trials in one worker process, and a Keras optimizer used inside a
``tf.function`` keeps memory per optimizer instance that is never returned. Measured (Keras
3.15, TensorFlow 2.21, one thread; 60 trials of 20 Adam steps on four weights of a 5-seed
stack, 64x256 + 256 + 256x1 + 1 per seed, each trial with a fresh optimizer and step function,
``gc.collect()`` after each): the process grew by 252 MB (4.3 MB per trial) with
``keras.optimizers.Adam.apply_gradients`` and by 4.3 MB (73 KB per trial) with
:class:`StackedOptimizer`; a trial took 3.7 s against 0.43 s, mostly tracing the Keras
optimizer's graph. Keeping the state in plain variables also lets one compiled graph serve
every trial of a structure (:meth:`StackedOptimizer.reset`). ``tests/test_engine_optimizers.py``
checks each optimizer's steps against ``keras.optimizers``, one step at a time.
"""

from __future__ import annotations

from collections.abc import Sequence

import tensorflow as tf

from study.models import make_optimizer
from study.params import TrialParams


class StackedOptimizer:
    """One of Keras' optimizers, with its default hyperparameters, on stacked weights.

    The learning rate is a variable, so one compiled graph serves trials that differ in it;
    :meth:`reset` starts a new trial on the same weights' variables.

    Args:
        kind: The optimizer's name (``adam``, ``adamw``, ``sgd`` or ``rmsprop``).
        variables: The weights to update; one state slot per weight is created for each.
    """

    def __init__(self, kind: str, variables: Sequence[tf.Variable]) -> None:
        reference = make_optimizer(TrialParams(optimizer=kind))
        self.kind = kind
        self.beta_1 = float(getattr(reference, "beta_1", 0.0))
        self.beta_2 = float(getattr(reference, "beta_2", 0.0))
        self.rho = float(getattr(reference, "rho", 0.0))
        self.epsilon = float(getattr(reference, "epsilon", 0.0))
        self.weight_decay = float(reference.weight_decay or 0.0)
        self.learning_rate = tf.Variable(0.0, dtype=tf.float32, trainable=False)
        self.iterations = tf.Variable(0, dtype=tf.int64, trainable=False)
        n_slots = {"adam": 2, "adamw": 2, "rmsprop": 1, "sgd": 0}[self.kind]
        self.slots = [
            [tf.Variable(tf.zeros_like(v), trainable=False) for _ in range(n_slots)]
            for v in variables
        ]

    def reset(self, learning_rate: float) -> None:
        """Start from a fresh state (zero slots, step 0) with ``learning_rate``."""
        self.learning_rate.assign(learning_rate)
        self.iterations.assign(0)
        for slots in self.slots:
            for slot in slots:
                slot.assign(tf.zeros_like(slot))

    def state(self) -> list[tf.Variable]:
        """Return the variables of the optimizer's state: its step count and every slot."""
        return [self.iterations, *(slot for slots in self.slots for slot in slots)]

    def apply(self, gradients: Sequence[tf.Tensor], variables: Sequence[tf.Variable]) -> None:
        """Update ``variables`` from ``gradients`` and advance the step count."""
        lr = tf.convert_to_tensor(self.learning_rate)
        if self.weight_decay:
            for variable in variables:
                variable.assign(variable - variable * self.weight_decay * lr)
        step = tf.cast(self.iterations + 1, tf.float32)
        for gradient, variable, slots in zip(gradients, variables, self.slots, strict=True):
            if self.kind in ("adam", "adamw"):
                self._adam(gradient, variable, slots, lr, step)
            elif self.kind == "rmsprop":
                self._rmsprop(gradient, variable, slots[0], lr)
            else:
                tf.raw_ops.ResourceApplyGradientDescent(
                    var=variable.handle, alpha=lr, delta=gradient
                )
        self.iterations.assign_add(1)

    def _adam(
        self,
        gradient: tf.Tensor,
        variable: tf.Variable,
        slots: Sequence[tf.Variable],
        lr: tf.Tensor,
        step: tf.Tensor,
    ) -> None:
        # TensorFlow's fused Adam kernel does Keras' arithmetic (m and v updated in place,
        # then ``m * alpha / (sqrt(v) + epsilon)``) in one pass over the weight instead of
        # about ten: the update of a 2x256 MLP's stack was a third of a training step.
        m, v = slots
        beta_1 = tf.constant(self.beta_1, tf.float32)
        beta_2 = tf.constant(self.beta_2, tf.float32)
        tf.raw_ops.ResourceApplyAdam(
            var=variable.handle,
            m=m.handle,
            v=v.handle,
            beta1_power=tf.pow(beta_1, step),
            beta2_power=tf.pow(beta_2, step),
            lr=lr,
            beta1=beta_1,
            beta2=beta_2,
            epsilon=tf.constant(self.epsilon, tf.float32),
            grad=gradient,
        )

    def _rmsprop(
        self, gradient: tf.Tensor, variable: tf.Variable, velocity: tf.Variable, lr: tf.Tensor
    ) -> None:
        velocity.assign(self.rho * velocity + (1 - self.rho) * tf.square(gradient))
        variable.assign_sub((lr * gradient) / tf.sqrt(velocity + self.epsilon))
