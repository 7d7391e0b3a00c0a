"""Training the seeds of one trial together, chunk by chunk, into per-seed curves."""

from __future__ import annotations

import contextlib
import dataclasses
import time
from collections.abc import Sequence
from typing import Protocol

import numpy as np
import numpy.typing as npt

from study.curves import SERIES, SeedCurves, StopReason
from study.engine._evaluate import EVAL_BATCH_SIZE, TRAIN_EVAL_LIMIT, Tensors
from study.engine._graphs import trainer_for
from study.engine._layout import STACK_MEMORY, plan_stacks
from study.engine._loop import N_SERIES, Structure, Trainer
from study.engine._stacks import StackedRun
from study.models import initial_weights
from study.params import FAMILIES, Family, TrialParams
from study.tasks import TaskData
from study.validation import check_int


class TrainingMonitor(Protocol):
    """Watches training between chunks of epochs and may stop it (e.g. a pruner)."""

    def update(self, curves: Sequence[SeedCurves]) -> None:
        """Receive the curves so far of every seed of the call, after each chunk."""

    def should_stop(self) -> bool:
        """Return whether to stop every seed now; they are then marked ``pruned``."""


def train_seeds(
    family: Family,
    params: TrialParams,
    data: TaskData,
    seeds: Sequence[int],
    *,
    chunk_epochs: int = 50,
    monitor: TrainingMonitor | None = None,
    eval_batch_size: int = EVAL_BATCH_SIZE,
    train_eval_limit: int | None = TRAIN_EVAL_LIMIT,
    stack_memory: int = STACK_MEMORY,
    keep_best: bool = True,
) -> list[SeedCurves]:
    """Train one trial's model for every seed, all seeds at once, and return their curves.

    The seeds are trained as one seed-batched model: each seed has its own weights (its
    initial weights are those of :func:`study.models.build_keras_model` for that seed) and its
    own shuffling and dropout draws, and one optimizer step updates all seeds. Where that
    step would keep more than ``stack_memory`` bytes of activations, the seeds are split into
    stacks trained in turn, chunk by chunk (:func:`study.engine.plan_stacks`); a seed's curves
    do not depend on its stack. With dropout off and without shuffling, each seed's curves
    equal those of ``model.fit`` within float tolerance.

    Per epoch and seed the curves hold: ``train_loss`` and ``val_loss``, evaluated on the
    training and validation data at the end of the epoch with dropout off, in batches of
    ``eval_batch_size``, including the L2 penalty as ``model.evaluate`` does (on a large
    training set, ``train_loss`` is evaluated on a fixed sample of evenly spaced training
    samples, as many as the validation set has, at least 2,048 and at most
    ``train_eval_limit``, see :func:`study.engine.train_eval_size`); ``fit_loss``, the mean of
    the epoch's batch losses during training (Keras' ``loss``); and for classification
    ``train_metric`` and ``val_metric``, the accuracy on the same data as the losses.

    A seed whose train, validation or fit loss becomes NaN or infinite stops with
    ``diverged``, its curves ending at its last finite epoch; the other seeds go on. Every
    other seed's curves carry its weights when training ended (``weights``, in the order of
    ``model.get_weights()``), also of a pruned trial, and with ``keep_best`` its weights at
    the end of its epoch of lowest ``val_loss`` (``best_weights``; the first such epoch, as
    Keras' ``EarlyStopping(restore_best_weights=True)`` keeps). The graph keeps them with a
    second set of stacked weights that each epoch end updates where a seed improved, which
    costs little next to an epoch's training steps. An exception propagates: the caller
    records it against the seeds with its traceback (:func:`study.parallel.failed_seeds`, the
    one place where errors become records).

    Args:
        family: ``"lstm"`` or ``"mlp"``.
        params: The trial's parameters; ``params.epochs`` epochs are planned.
        data: The task's data (laid out for ``family`` if it is not already).
        seeds: The seeds to train, each giving one :class:`SeedCurves`.
        chunk_epochs: Epochs run per call of the compiled graph; the monitor is consulted
            after each chunk.
        monitor: Receives the curves after each chunk and may stop training (``pruned``).
        eval_batch_size: Samples per batch of the end-of-epoch evaluation; bounds its memory.
        train_eval_limit: Most training samples ``train_loss`` is evaluated on per epoch;
            ``None`` for all.
        stack_memory: Bytes of training-step activations one stack of seeds may keep.
        keep_best: Keep each seed's weights of its best validation epoch (``best_weights``).

    Returns:
        One :class:`SeedCurves` per seed, in the order of ``seeds``.

    Raises:
        ValueError: An unknown family, no seeds, repeated seeds, ``chunk_epochs < 1``,
            ``eval_batch_size < 1``, ``train_eval_limit < 1`` or ``stack_memory < 1``.
    """
    _check_arguments(family, seeds, chunk_epochs)
    check_int("eval_batch_size", eval_batch_size, low=1)
    if train_eval_limit is not None:
        check_int("train_eval_limit", train_eval_limit, low=1)
    started = time.perf_counter()
    data = data.for_family(family)
    record = _Record(
        seeds, params.epochs, has_metric=data.kind != "regression", val_samples=len(data.x_val)
    )
    stacks = plan_stacks(
        family, params, data.x_train.shape[1:], len(data.x_train), seeds, budget=stack_memory
    )
    initial = {s: initial_weights(family, params, data, s) for s in seeds}
    weights = [
        [np.stack(ws) for ws in zip(*(initial[s] for s in stack), strict=True)] for stack in stacks
    ]
    tensors = Tensors.of(data.x_train, data.y_train, (data.x_val, data.y_val), train_eval_limit)
    with contextlib.ExitStack() as lent:
        trainers = _lend_trainers(lent, (family, params, data), stacks, weights, keep_best)
        run = StackedRun(trainers, stacks, weights, params, eval_batch_size)
        stop = _run(run, tensors, record, (chunk_epochs, monitor), started)
        final, best = run.final_weights(), run.best_weights()
    curves = record.curves(stop, time.perf_counter() - started)
    return [
        c
        if c.stop == "diverged"
        else dataclasses.replace(c, weights=final[c.seed], best_weights=best.get(c.seed))
        for c in curves
    ]


def _lend_trainers(
    lent: contextlib.ExitStack,
    trial: tuple[Family, TrialParams, TaskData],
    stacks: Sequence[Sequence[int]],
    weights: Sequence[Sequence[npt.NDArray[np.float32]]],
    keep_best: bool,
) -> dict[int, Trainer]:
    """Borrow one trainer per stack size (held until ``lent`` closes)."""
    trainers: dict[int, Trainer] = {}
    for stack, stacked in zip(stacks, weights, strict=True):
        if len(stack) not in trainers:
            sized = Structure.of(*trial, len(stack), keep_best=keep_best)
            shapes = [w.shape for w in stacked]
            trainers[len(stack)] = lent.enter_context(trainer_for(sized, shapes))
    return trainers


def _check_arguments(family: str, seeds: Sequence[int], chunk_epochs: int) -> None:
    if family not in FAMILIES:
        raise ValueError(f"`family` must be one of {FAMILIES}, but got family={family!r}.")
    if len(seeds) == 0 or len(set(seeds)) != len(seeds):
        raise ValueError(f"`seeds` must be distinct and non-empty, but got seeds={seeds!r}.")
    if chunk_epochs < 1:
        raise ValueError(f"`chunk_epochs` must be >= 1, but got chunk_epochs={chunk_epochs!r}.")


def _run(
    trainer: StackedRun,
    tensors: Tensors,
    record: _Record,
    watch: tuple[int, TrainingMonitor | None],
    started: float,
) -> StopReason:
    """Run chunks until all epochs ran, every seed diverged or the monitor stops training."""
    chunk_epochs, monitor = watch
    while record.epochs < record.planned:
        wanted = min(chunk_epochs, record.planned - record.epochs)
        rows = trainer.run(record.epochs, record.epochs + wanted, tensors)
        record.add(rows)
        if len(rows) < wanted:
            break  # every seed diverged
        if monitor is not None:
            monitor.update(record.curves("completed", time.perf_counter() - started))
            if monitor.should_stop():
                return "pruned"
    return "completed"


class _Record:
    """The values recorded so far, ``(planned, N_SERIES, n_seeds)``, and where seeds diverged."""

    def __init__(
        self, seeds: Sequence[int], planned: int, *, has_metric: bool, val_samples: int
    ) -> None:
        self.seeds = list(seeds)
        self.planned = planned
        self.has_metric = has_metric
        self.val_samples = val_samples
        self.values = np.full((planned, N_SERIES, len(seeds)), np.nan, np.float32)
        self.epochs = 0
        self.diverged_at = np.full(len(seeds), -1)

    def add(self, rows: npt.NDArray[np.float32]) -> None:
        """Append the rows of one chunk and note the first non-finite epoch of each seed."""
        end = self.epochs + len(rows)
        self.values[self.epochs : end] = rows
        bad = np.asarray(~np.isfinite(rows[:, :3]).all(axis=1), dtype=bool)
        for k in np.flatnonzero(bad.any(axis=0) & (self.diverged_at < 0)):
            self.diverged_at[k] = self.epochs + int(np.argmax(bad[:, k]))
        self.epochs = end

    def curves(
        self, stop: StopReason, seconds: float, error: str | None = None
    ) -> list[SeedCurves]:
        """Return each seed's curves; seeds that diverged end and stop as ``diverged``."""
        share = seconds / len(self.seeds)
        out = []
        for k, seed in enumerate(self.seeds):
            diverged = self.diverged_at[k] >= 0
            n = int(self.diverged_at[k]) if diverged else self.epochs
            series = dict(zip(SERIES, self.values[:n, :, k].T, strict=True))
            if not self.has_metric:
                series["train_metric"] = series["val_metric"] = None
            out.append(
                SeedCurves(
                    seed=int(seed),
                    epochs_planned=self.planned,
                    stop="diverged" if diverged else stop,
                    error=None if diverged else error,
                    seconds=share,
                    val_samples=self.val_samples,
                    **series,
                )
            )
        return out
