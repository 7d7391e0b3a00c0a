"""How the seeds of one worker are laid out: stacks of seeds, each trained as one graph.

The choice rests on a cost model measured with ``python -m benchmarks.engine_speed --layout``
(one TensorFlow thread, CPU time per seed and training step, and peak memory of a step):

- **Time.** A stacked step costs ``o + K * c``: ``o`` the per-operation overhead paid once per
  stack, ``c`` the arithmetic of one seed. Stacking divides ``o`` by ``K``; measured per seed
  and training step, 5 stacked seeds took 0.48x the time of one alone for an LSTM(32) at batch
  32, 0.66x at batch 512, 0.80x for an LSTM(128) at batch 32, 1.06x at batch 512 (within the
  noise of the measurement) and 0.74x for an MLP 2x256 at batch 128. Stacking pays where the
  overhead matters and is about neutral where the arithmetic dominates.
- **Memory.** A training step keeps its activations for the backward pass, ``K`` times one
  seed's: measured 109 MB per seed for an LSTM(128), batch 512, lookback 30 when all steps'
  inputs are projected at once (27 MB for LSTM(32)), i.e. about ``3.5 * gates`` floats per
  unit, time step and sample of each recurrent layer and direction, and 60 MB when they are
  projected step by step (the estimate keeps the larger figure, an upper bound); about 2
  floats per unit and sample of each dense layer.

- **Large steps.** Where one seed's step is large, its arithmetic runs out of cache and a
  single seed runs on plain 2-D matrix products (``study/engine/_recurrent.py``), so stacking
  costs instead. Measured on whole trials of 5 seeds (train steps and evaluation, CPU time per
  seed-epoch, one thread, medians of 3), stacked against each seed in a stack of its own:
  LSTM(32) batch 512, 10k windows (27.5 MB of activations per seed) 0.308 against 0.350 s
  (stacking pays); LSTM(128) batch 32 (6.9 MB) 0.324 against 0.346 s (pays); LSTM(64) batch
  512 (55 MB) 0.185 against 0.183 s (even); LSTM(128) batch 512 (110 MB) 0.346 against 0.282 s
  (alone is 19 % faster).

Hence the rule: stack every seed of the worker, unless one seed's step would keep more than
:data:`STACK_SEED_BYTES` of activations (then every seed trains in a stack of its own) or the
stack's step would keep more than :data:`STACK_MEMORY` bytes; then split the seeds into the
fewest stacks of nearly equal size that fit (one seed per stack at least). Every draw of a
seed depends on the seed alone, so a seed's curves are the same in any stack (up to float
rounding of batched matrix products).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from study.params import Family, TrialParams

STACK_MEMORY = 1 << 30
"""Bytes of training-step activations one stack of seeds may keep (1 GiB)."""

STACK_SEED_BYTES = 64 << 20
"""Bytes of training-step activations of one seed above which seeds are not stacked (64 MiB,
between the measured 55 MB where stacking is even and 110 MB where it costs 19 %)."""

_FLOAT = 4
_RECURRENT_FLOATS_PER_GATE = 3.5  # per unit, time step and sample (measured, see above)
_DENSE_FLOATS = 2.0  # per unit and sample of a dense layer (measured, see above)
_GATES = {"lstm": 4, "gru": 3}


def step_bytes(
    family: Family, params: TrialParams, input_shape: Sequence[int], n_train: int
) -> int:
    """Estimate the activation bytes one seed's training step keeps for its backward pass.

    Args:
        family: ``"lstm"`` or ``"mlp"``.
        params: The trial's parameters (layers, units, cell, direction, batch size).
        input_shape: One sample's input shape, ``(steps, features)`` for the LSTM family.
        n_train: Training samples (a batch never holds more).
    """
    batch = min(params.batch_size, max(n_train, 1))
    if family == "mlp":
        per_sample = _DENSE_FLOATS * params.layers * params.units
    else:
        steps = int(input_shape[0]) if len(input_shape) > 1 else 1
        directions = 2 if params.bidirectional else 1
        per_gate = _RECURRENT_FLOATS_PER_GATE * _GATES.get(params.cell, 4)
        per_sample = per_gate * params.layers * directions * steps * params.units
    return math.ceil(_FLOAT * batch * per_sample)


def plan_stacks(
    family: Family,
    params: TrialParams,
    input_shape: Sequence[int],
    n_train: int,
    seeds: Sequence[int],
    *,
    budget: int = STACK_MEMORY,
) -> list[list[int]]:
    """Split ``seeds`` into the stacks one worker trains, each as one seed-batched graph.

    All seeds form one stack unless one seed's training step keeps more than
    :data:`STACK_SEED_BYTES` of activations (:func:`step_bytes`: each seed alone) or that
    stack's step would keep more than ``budget`` bytes; then they form the fewest stacks of
    nearly equal size within the budget, in seed order.

    Returns:
        The stacks, each a non-empty list of seeds; together they are ``seeds`` in order.

    Raises:
        ValueError: ``budget`` is not positive.
    """
    if budget < 1:
        raise ValueError(
            f"`budget` must be a positive number of bytes, but got budget={budget!r}."
        )
    seeds = list(seeds)
    if not seeds:
        return []
    per_seed = step_bytes(family, params, input_shape, n_train)
    fits = 1 if per_seed > STACK_SEED_BYTES else max(1, budget // max(per_seed, 1))
    n_stacks = math.ceil(len(seeds) / fits)
    size, extra = divmod(len(seeds), n_stacks)
    stacks, begin = [], 0
    for index in range(n_stacks):
        end = begin + size + (1 if index < extra else 0)
        stacks.append(seeds[begin:end])
        begin = end
    return stacks
