"""Kept weights: the weights of a study's best few trials, in an Optuna artifact store.

A trial that ranks among the best :data:`KEEP_MODELS` trials uploads one ``weights.npz``
holding every seed's final weights, in the order of the Keras model's ``get_weights()``, and,
where the run gave them, the seeds' weights of their best validation epoch, with
:func:`optuna.artifacts.upload_artifact`; the artifact's record lives in the trial. The
artifacts of a trial that a better one pushes out of the best few are removed from the store,
so the store holds at most :data:`KEEP_MODELS` trials' weights (a little more when several runs
share a study and finish trials at the same moment). Trials rank as the recommendation ranks
them (:func:`study.evidence.standing`: their mean allowing for their seeds' spread; pruned
trials by their seeds at the stop), so the recommended trial keeps its weights.

The store is a folder (:class:`optuna.artifacts.FileSystemArtifactStore`): the one given, else
``$STUDY_ARTIFACTS``, else beside an SQLite or journal file (``studies.db.artifacts/``).
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import optuna
from optuna.artifacts import FileSystemArtifactStore, upload_artifact
from optuna.artifacts.exceptions import ArtifactNotFound
from optuna.trial import FrozenTrial, TrialState

from study.errors import InputError
from study.evidence import Direction, Standing, TrialEvidence, standing
from study.storage import _keys as keys
from study.storage._decode import stored_evidence, study_direction
from study.storage._urls import journal_path, sqlite_path

ARTIFACTS_ENV = "STUDY_ARTIFACTS"
"""Environment variable naming the artifact folder (needed for PostgreSQL studies)."""

KEEP_MODELS = 3
"""Trials whose weights a study keeps by default: its best three."""

WEIGHTS_FILE = "weights.npz"
"""The file name of a trial's kept weights in the artifact store."""

_ARTIFACT_RECORD = "artifacts:"  # Key prefix of the records optuna's upload_artifact writes.
_BEST = "best"  # Key prefix of the best epoch's weights in the npz ("best/<seed>/<index>").

Weights = tuple[npt.NDArray[np.float32], ...]
"""One seed's weights, in the order of the Keras model's ``get_weights()``."""


def artifacts_folder(url: str, artifacts: str | os.PathLike[str] | None = None) -> Path | None:
    """Return the artifact folder of the study storage at ``url``, or ``None`` for none.

    ``artifacts`` when given, else ``$STUDY_ARTIFACTS``, else ``<file>.artifacts`` beside an
    SQLite or journal file; a database server (PostgreSQL) has no default.
    """
    if artifacts is not None:
        return Path(artifacts)
    if os.environ.get(ARTIFACTS_ENV):
        return Path(os.environ[ARTIFACTS_ENV])
    path = sqlite_path(url) or journal_path(url)
    return None if path is None else path.with_name(path.name + ".artifacts")


def storage_folder(storage: optuna.storages.BaseStorage) -> Path | None:
    """Return the default artifact folder of an opened storage (see :func:`artifacts_folder`).

    Optuna keeps an RDB storage's URL on the storage under its cache, and a journal file's
    path on its backend; neither has a public accessor, so both are read where they are.
    """
    backend = getattr(storage, "_backend", storage)  # Optuna's cache wraps an RDB storage.
    url = getattr(backend, "url", None)
    if isinstance(url, str):
        return artifacts_folder(url)
    path = getattr(backend, "_file_path", None)  # A journal storage's file backend.
    return artifacts_folder(f"journal://{Path(path).resolve()}" if path else "")


def models_to_keep(standings: Mapping[int, Standing], keep: int) -> set[int]:
    """Return the trial numbers among ``standings`` that stand among the lowest ``keep``.

    A standing is :func:`study.evidence.standing` (lower first); ties go to the earlier
    trial; a trial without a finite seed (tier 3) or a NaN value never ranks.
    """
    finite = [(st, n) for n, st in standings.items() if st[0] < 3 and np.isfinite(st[1])]
    return {n for _, n in sorted(finite)[:keep]}


def keep_weights(
    trial: optuna.Trial,
    value: float,
    weights: Mapping[int, Weights],
    *,
    folder: Path,
    keep: int = KEEP_MODELS,
    best: Mapping[int, Weights] | None = None,
    evidence: TrialEvidence | None = None,
) -> bool:
    """Upload ``trial``'s seeds' weights if it ranks among the best ``keep``; return whether.

    Trials rank as the recommendation does (:func:`study.evidence.standing`, from what their
    seeds say), so the recommended trial keeps its weights; a trial whose seeds say nothing
    (no stored curves) ranks by its value after those whose seeds have an interval. The
    weights of trials this one pushes out of the best few are removed from the store.

    Args:
        trial: The running trial.
        value: Its value (the one it finishes or is pruned with).
        weights: Each seed's final weights.
        folder: The artifact folder (created if missing).
        keep: Trials whose weights the study keeps.
        best: Seeds' weights of their best validation epoch, kept beside the final ones
            (:func:`load_weights` with ``best=True``); ``None`` for none.
        evidence: What the trial's seeds say of its objective; ``None``: its value alone.
    """
    if keep < 1 or not weights:
        return False
    study = trial.study
    direction = study_direction(study)
    holders = {t.number: t for t in study.get_trials(deepcopy=False) if _weights_id(t)}
    standings = {n: _standing(study, t) for n, t in holders.items() if n != trial.number}
    standings[trial.number] = _from(evidence, value, direction)
    ranked = models_to_keep(standings, keep)
    if trial.number not in ranked:
        return False
    folder.mkdir(parents=True, exist_ok=True)
    store = FileSystemArtifactStore(str(folder))
    _upload(trial, _encode(weights, best or {}), store, folder)
    for number in set(holders) - ranked - {trial.number}:
        _remove(store, _weights_id(holders[number]))
    return True


def load_weights(trial: FrozenTrial, folder: Path, *, best: bool = False) -> dict[int, Weights]:
    """Return the kept weights of ``trial``'s seeds, by seed.

    Args:
        trial: A trial that kept weights.
        folder: The artifact folder.
        best: Return the weights of the seeds' best validation epoch instead of their final
            ones: only the seeds that kept them (none, for a trial that kept none).

    Raises:
        InputError: The trial kept no weights, or they are no longer in ``folder``.
    """
    artifact_id = _weights_id(trial)
    if artifact_id is None:
        raise InputError(
            f"trial {trial.number} kept no weights (only the best few trials of a run keep "
            "theirs); choose a trial that did, or leave out the trial for the best one."
        )
    if not folder.is_dir():
        raise InputError(
            f"the artifact folder {folder} is missing; give the folder the run kept weights "
            f"in with --artifacts or ${ARTIFACTS_ENV}."
        )
    try:
        with FileSystemArtifactStore(str(folder)).open_reader(artifact_id) as reader:
            data = reader.read()
    except ArtifactNotFound:
        raise InputError(
            f"the weights of trial {trial.number} are not in {folder} (a better trial pushed "
            "them out, or the folder is another study's); choose a trial that kept its weights."
        ) from None
    return _decode(data, _BEST if best else None)


def kept_trials(study: optuna.Study) -> list[FrozenTrial]:
    """Return the trials that kept weights, best first (the store may have dropped some since).

    Trials rank as :func:`keep_weights` ranks them (pruned ones by their seeds at the stop),
    ties by number.
    """
    kept = {t.number: t for t in study.get_trials(deepcopy=False) if _weights_id(t) is not None}
    standings = {n: _standing(study, t) for n, t in kept.items()}
    ranked = models_to_keep(standings, len(kept))
    return [kept[n] for _, n in sorted((standings[n], n) for n in ranked)]


def _standing(study: optuna.Study, trial: FrozenTrial) -> Standing:
    """A stored trial's standing, from its stored curves (its value when they say nothing)."""
    objective = study.user_attrs.get(keys.STUDY_OBJECTIVE)
    evidence = stored_evidence(trial, objective if isinstance(objective, str) else None)
    return _from(evidence, _trial_value(trial), study_direction(study))


def _from(evidence: TrialEvidence | None, value: float, direction: Direction) -> Standing:
    if evidence is not None and evidence.n > 0:
        return standing(evidence, direction)
    # No seed evidence: after every trial whose seeds give an interval, by value.
    signed = value if direction == "minimize" else -value
    return (2, signed) if np.isfinite(signed) else (3, math.inf)


def _upload(
    trial: optuna.Trial,
    arrays: dict[str, Any],
    store: FileSystemArtifactStore,
    folder: Path,
) -> None:
    """Write the arrays to a temporary file of ``folder`` and upload it as the trial's."""
    temp = folder / f".{WEIGHTS_FILE}.{os.getpid()}.{trial.number}"
    try:
        with temp.open("wb") as handle:
            np.savez(handle, **arrays)
        named = temp.with_name(f"trial-{trial.number}-{WEIGHTS_FILE}")
        temp.replace(named)
        temp = named
        upload_artifact(artifact_store=store, file_path=str(named), study_or_trial=trial)
    finally:
        temp.unlink(missing_ok=True)


def _encode(weights: Mapping[int, Weights], best: Mapping[int, Weights]) -> dict[str, Any]:
    """Name each array ``<seed>/<index>``, a best epoch's ``best/<seed>/<index>``."""
    return _named(weights, "") | _named(best, f"{_BEST}/")


def _named(weights: Mapping[int, Weights], prefix: str) -> dict[str, Any]:
    return {f"{prefix}{seed}/{i}": w for seed, ws in weights.items() for i, w in enumerate(ws)}


def _decode(data: bytes, prefix: str | None) -> dict[int, Weights]:
    """Return the seeds' arrays named with ``prefix`` (``None``: the final weights)."""
    with np.load(io.BytesIO(data)) as arrays:
        pairs = [(k.split("/"), arrays[k]) for k in arrays.files]
    chosen = [
        ((int(p[-2]), int(p[-1])), array)
        for p, array in pairs
        if (p[0] == prefix if len(p) == 3 else prefix is None)
    ]
    out: dict[int, list[npt.NDArray[np.float32]]] = {}
    for (seed, _), array in sorted(chosen, key=lambda item: item[0]):
        out.setdefault(seed, []).append(np.asarray(array, np.float32))
    return {seed: tuple(ws) for seed, ws in out.items()}


def _weights_id(trial: FrozenTrial) -> str | None:
    """The artifact id of the trial's kept weights, from the records ``upload_artifact`` wrote."""
    for key, text in trial.system_attrs.items():
        if key.startswith(_ARTIFACT_RECORD) and isinstance(text, str):
            meta = json.loads(text)
            if str(meta.get("filename", "")).endswith(WEIGHTS_FILE):
                return str(meta["artifact_id"])
    return None


def _trial_value(trial: FrozenTrial) -> float:
    if trial.value is not None:
        return float(trial.value)
    if trial.state == TrialState.PRUNED and trial.intermediate_values:
        return float(trial.intermediate_values[max(trial.intermediate_values)])
    return float("nan")


def _remove(store: FileSystemArtifactStore, artifact_id: str | None) -> None:
    if artifact_id is None:
        return
    with contextlib.suppress(ArtifactNotFound):  # Removed already (another run of the study).
        store.remove(artifact_id)
