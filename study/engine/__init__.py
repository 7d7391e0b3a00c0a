"""The training engine: every seed of a trial trained together in one compiled graph.

:func:`train_seeds` reproduces ``model.fit`` of :func:`study.models.build_keras_model` for
several seeds at once. Each seed keeps its own weights on a leading seed axis of stacked
weights, one optimizer step updates all of them, and whole chunks of epochs run inside one
TensorFlow graph, so the per-epoch cost is a small fraction of ``model.fit``'s.
"""

from __future__ import annotations

from study.engine._builder_model import (
    build_compiled_model,
    build_model,
    checked_model,
    validate_builder,
)
from study.engine._custom import train_custom
from study.engine._evaluate import TRAIN_EVAL_FLOOR, TRAIN_EVAL_LIMIT, train_eval_size
from study.engine._graphs import clear_graphs
from study.engine._layout import STACK_MEMORY, STACK_SEED_BYTES, plan_stacks, step_bytes
from study.engine._threads import configure_threads
from study.engine._train import TrainingMonitor, train_seeds

__all__ = [
    "STACK_MEMORY",
    "STACK_SEED_BYTES",
    "TRAIN_EVAL_FLOOR",
    "TRAIN_EVAL_LIMIT",
    "TrainingMonitor",
    "build_compiled_model",
    "build_model",
    "checked_model",
    "clear_graphs",
    "configure_threads",
    "plan_stacks",
    "step_bytes",
    "train_custom",
    "train_eval_size",
    "train_seeds",
    "validate_builder",
]
