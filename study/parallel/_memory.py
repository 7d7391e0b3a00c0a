"""The memory a trial needs, estimated from its sizes before it trains, and the machine's.

A trial whose sizes are each within their bounds can still need far more memory than the
machine has (4096 units, 8 layers, 256 seeds), and would then crash the seed workers, or the
machine, part-way through. The estimate counts the dominant tensors only, so it is a lower
bound of what training takes: a trial it refuses could not have trained.

* The data: every sample's inputs and targets, float32, once in the run's process and twice
  in each seed worker (the unpickled arrays and the copy training reads).
* The weights: every seed's parameters, its gradients and the optimizer's slots
  (Adam and AdamW keep two per weight, RMSprop and SGD one).
* The activations of one batch, kept for the backward pass: per recurrent layer and seed,
  every time step's gates and states; per dense layer and seed, its inputs and outputs.
"""

from __future__ import annotations

import contextlib
import dataclasses

BYTES = 4
"""Bytes per number: training runs in float32."""
OPTIMIZER_SLOTS = {"adam": 2, "adamw": 2, "rmsprop": 1, "sgd": 1}
"""Numbers an optimizer keeps per weight."""
GATES = {"lstm": 4, "gru": 3}
"""Gates of a recurrent cell, each with its own weights."""


@dataclasses.dataclass(frozen=True)
class TrialSizes:
    """The sizes of one trial that decide its memory.

    Attributes:
        samples: Training plus validation samples.
        timesteps: Steps per window (1 for tabular data).
        features: Input features per step.
        outputs: Target columns (the width of the model's head).
        units: Units per hidden layer.
        layers: Hidden layers.
        recurrent: Whether the hidden layers are recurrent (the ``lstm`` family).
        cell: ``lstm`` or ``gru`` (recurrent layers only).
        bidirectional: Whether recurrent layers read both ways (twice the units).
        batch_size: Samples per step (at most the training samples).
        optimizer: The optimizer's name.
        seeds: Seeds trained at once, over all workers.
        workers: Worker processes that each hold a copy of the data (0: the run's own).
    """

    samples: int
    timesteps: int
    features: int
    outputs: int
    units: int
    layers: int
    recurrent: bool
    cell: str
    bidirectional: bool
    batch_size: int
    optimizer: str
    seeds: int
    workers: int


@dataclasses.dataclass(frozen=True)
class MemoryEstimate:
    """Bytes a trial needs, by kind of tensor."""

    data: int
    weights: int
    activations: int

    @property
    def total(self) -> int:
        """All the bytes together."""
        return self.data + self.weights + self.activations


def estimate_memory(sizes: TrialSizes) -> MemoryEstimate:
    """Estimate the bytes of the dominant tensors of a trial of ``sizes`` (see the module)."""
    copies = 1 + 2 * sizes.workers if sizes.workers > 0 else 2
    data = sizes.samples * (sizes.timesteps * sizes.features + sizes.outputs) * BYTES * copies
    per_weight = 2 + OPTIMIZER_SLOTS.get(sizes.optimizer, 2)  # Weights, gradients, slots.
    weights = _parameters(sizes) * sizes.seeds * per_weight * BYTES
    return MemoryEstimate(data=data, weights=weights, activations=_activations(sizes))


def _parameters(s: TrialSizes) -> int:
    """Parameters of one seed's model: hidden layers and the head."""
    width = s.units * (2 if s.recurrent and s.bidirectional else 1)
    total, inputs = 0, s.features * (1 if s.recurrent else s.timesteps)
    for _ in range(s.layers):
        if s.recurrent:
            directions = 2 if s.bidirectional else 1
            total += directions * GATES.get(s.cell, 4) * (inputs * s.units + s.units**2 + s.units)
        else:
            total += inputs * s.units + s.units
        inputs = width
    return total + width * s.outputs + s.outputs


def _activations(s: TrialSizes) -> int:
    """Numbers of one batch kept for the backward pass, over every seed, in bytes."""
    batch = max(1, min(s.batch_size, s.samples))
    if s.recurrent:
        directions = 2 if s.bidirectional else 1
        per_step = (GATES.get(s.cell, 4) + 2) * s.units * directions  # Gates, cell and output.
        per_layer = batch * s.timesteps * per_step
    else:
        per_layer = batch * 2 * s.units  # Before and after the activation.
    return per_layer * s.layers * s.seeds * BYTES


def check_memory(needs: MemoryEstimate, available: int | None) -> str | None:
    """Why a trial that ``needs`` this much cannot train with ``available`` bytes, or ``None``.

    A pure decision: the caller measures, this compares and words the refusal.
    """
    if available is None or needs.total <= available:
        return None
    return (
        f"the trial needs about {gib(needs.total)} of memory (data {gib(needs.data)}, weights "
        f"{gib(needs.weights)}, activations {gib(needs.activations)}) but {gib(available)} are "
        "available; lower units, layers, batch_size or seeds, use less data, or train on a "
        "larger machine."
    )


def available_memory() -> int | None:
    """Bytes of memory this machine can give now without swapping, or ``None`` if unknown.

    What the system calls available: free memory plus caches it can drop (Linux's
    ``MemAvailable``, or psutil's measure of it elsewhere).
    """
    with contextlib.suppress(OSError, ValueError), open("/proc/meminfo", encoding="ascii") as f:
        for line in f:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    try:
        import psutil
    except ImportError:
        return None
    return int(psutil.virtual_memory().available)


def gib(n: int) -> str:
    """``n`` bytes in GiB, for messages."""
    return f"{n / 2**30:,.1f} GiB"
