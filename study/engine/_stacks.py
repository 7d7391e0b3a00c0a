"""The stacks of seeds of one worker, trained in turn chunk by chunk, as one seed-batched run.

:func:`study.engine.plan_stacks` decides the stacks. One trainer serves every stack of one
size: before each stack's chunk it restores that stack's state (weights, optimizer state,
live seeds) and saves it after, so each stack goes on where it stopped and the caller sees
every seed at the same epoch after each chunk, as with a single stack.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from study.engine._evaluate import Tensors
from study.engine._loop import Trainer
from study.params import TrialParams


class StackedRun:
    """Train several stacks of seeds as if they were one stack.

    Args:
        trainers: A trainer per stack size, for the trial's structure.
        stacks: The seeds of each stack, in the order of the run's seeds.
        weights: Per stack, its seeds' initial weights stacked on a leading seed axis.
        params: The trial's parameters.
        eval_batch_size: Samples per batch of the end-of-epoch evaluation.
    """

    def __init__(
        self,
        trainers: Mapping[int, Trainer],
        stacks: Sequence[Sequence[int]],
        weights: Sequence[Sequence[npt.NDArray[np.float32]]],
        params: TrialParams,
        eval_batch_size: int,
    ) -> None:
        self._trainers = trainers
        self._stacks = [list(stack) for stack in stacks]
        self._states: list[list[npt.NDArray[np.generic]]] = []
        for stack, stacked in zip(self._stacks, weights, strict=True):
            trainer = self._trainers[len(stack)]
            trainer.start(params, stack, stacked, eval_batch_size)
            if len(self._stacks) > 1:
                self._states.append(trainer.state())

    def run(self, start: int, stop: int, data: Tensors) -> npt.NDArray[np.float32]:
        """Train epochs ``start`` to ``stop - 1`` of every stack; see :meth:`Trainer.run`.

        Returns:
            Shape ``(epochs_run, N_SERIES, n_seeds)``, seeds in the order of the stacks. A stack
            whose seeds all diverged before the others stopped fills its remaining epochs
            with NaN; ``epochs_run`` is that of the stack that ran longest.
        """
        if len(self._stacks) == 1:
            return self._trainers[len(self._stacks[0])].run(start, stop, data)
        parts = []
        for index, stack in enumerate(self._stacks):
            trainer = self._trainers[len(stack)]
            trainer.restore(self._states[index])
            parts.append(trainer.run(start, stop, data))
            self._states[index] = trainer.state()
        longest = max(len(part) for part in parts)
        padded = [
            np.concatenate([part, np.full((longest - len(part), *part.shape[1:]), np.nan)])
            for part in parts
        ]
        return np.concatenate(padded, axis=2).astype(np.float32)

    def final_weights(self) -> dict[int, tuple[npt.NDArray[np.float32], ...]]:
        """Return each seed's current weights, one seed's slice of every stacked weight.

        The stacked weights are kept in the order and layout of the Keras model's
        ``get_weights()`` with a leading seed axis (gates in Keras' order, a GRU's bias as
        ``(2, 3 * units)``, a bidirectional layer's forward weights before its backward
        ones), so one seed's slices are its Keras weights as they are.
        """
        return self._per_seed(best=False)

    def best_weights(self) -> dict[int, tuple[npt.NDArray[np.float32], ...]]:
        """Return each seed's weights of its best validation epoch (as :meth:`final_weights`).

        Empty when the trainers do not keep them (``Structure.keep_best``).
        """
        return self._per_seed(best=True)

    def _per_seed(self, *, best: bool) -> dict[int, tuple[npt.NDArray[np.float32], ...]]:
        out: dict[int, tuple[npt.NDArray[np.float32], ...]] = {}
        for index, stack in enumerate(self._stacks):
            trainer = self._trainers[len(stack)]
            n = len(trainer.variables)
            if best and not trainer.best:
                return {}
            # A trainer's state starts with its weights, then its best epoch's (Trainer.state).
            if len(self._stacks) == 1:
                state: Sequence[Any] = trainer.best if best else trainer.variables
                chosen = [np.asarray(v.numpy(), np.float32) for v in state]
            else:
                part = self._states[index][n : 2 * n] if best else self._states[index][:n]
                chosen = [np.asarray(v, np.float32) for v in part]
            for k, seed in enumerate(stack):
                out[seed] = tuple(np.array(w[k]) for w in chosen)
        return out
