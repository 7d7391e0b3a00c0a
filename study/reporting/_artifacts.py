"""Each finished trial's learning-curve figure as an Optuna artifact, for optuna-dashboard.

The figure is the report's own per-trial figure (:func:`trial_png`). Optuna stores an
artifact's description in the trial's system attributes, which a finished trial no longer
accepts; an Optuna ``optimize`` callback only sees finished trials. So the description goes
to the study's system attributes under optuna-dashboard's per-trial key
(``dashboard:artifacts:<trial id>:<artifact id>``), which the dashboard lists, opens and
downloads on that trial's page; the file itself is written by the artifact store as
``optuna.artifacts.upload_artifact`` writes it.
"""

from __future__ import annotations

import io
import json
import os
import sys
import uuid
from typing import Any

import optuna
from matplotlib.backends.backend_agg import FigureCanvasAgg
from optuna.artifacts import FileSystemArtifactStore

from study.errors import InputError
from study.reporting._curves_data import curve_panel, log_scale
from study.reporting._curves_fig import trial_figure
from study.reporting._images import DPI, report_style
from study.storage import StudyRecord, study_record
from study.verdicts import judged_against_study

DASHBOARD_TRIAL_PREFIX = "dashboard:artifacts:"
"""optuna-dashboard's study-attribute key prefix of an artifact of one trial."""


def trial_png(record: StudyRecord, number: int) -> bytes | None:
    """Trial ``number``'s learning curves as a PNG, drawn as the report draws them on their own.

    Args:
        record: The study, judged as the report judges it
            (:func:`study.verdicts.judged_against_study`).
        number: The trial's number.

    Returns:
        The PNG's bytes, or ``None`` when the trial has no trained epoch.

    Raises:
        KeyError: The study has no trial ``number``.
    """
    trial = {t.number: t for t in record.trials}[number]
    panel = curve_panel(trial)
    if panel is None:
        return None
    buffer = io.BytesIO()
    with report_style():
        fig = trial_figure(panel, log_y=log_scale([panel]))
        FigureCanvasAgg(fig)
        fig.savefig(buffer, format="png", dpi=DPI)
    fig.clear()
    return buffer.getvalue()


def artifact_name(number: int) -> str:
    """The file name of trial ``number``'s curve figure as the dashboard lists it."""
    return f"trial-{number}-curves.png"


class CurveArtifacts:
    """Store each finished trial's learning-curve figure as an artifact of that trial.

    An Optuna ``optimize`` callback (see :func:`study.runner.run`): after each trial this
    process finishes, its figure (the report's, see :func:`trial_png`) is written to a
    ``optuna.artifacts.FileSystemArtifactStore`` under ``folder`` and listed on the trial's
    page of optuna-dashboard started with that store
    (``optuna-dashboard STORAGE --artifact-dir FOLDER``). A trial without a trained epoch gets
    none. A figure that cannot be stored is said once on standard error; the run goes on.

    Args:
        folder: The artifact store's folder, made when the first figure is stored.
        storage_shown: The storage as figures name it (password masked).

    Raises:
        InputError: ``folder`` is a file.
    """

    def __init__(self, folder: str | os.PathLike[str], storage_shown: str = "") -> None:
        self._folder, self._shown = os.fspath(folder), storage_shown
        if os.path.exists(self._folder) and not os.path.isdir(self._folder):
            raise InputError(
                f"`folder` must be a folder, but got folder={self._folder!r}, which is a file."
            )
        self._store = FileSystemArtifactStore(self._folder)
        self._warned = False

    def __call__(self, study: optuna.Study, trial: optuna.trial.FrozenTrial) -> None:
        """Store ``trial``'s curve figure as its artifact."""
        png = trial_png(judged_against_study(study_record(study, self._shown)), trial.number)
        if png is None:
            return
        try:
            os.makedirs(self._folder, exist_ok=True)
            self._attach(study, trial.number, png)
        except OSError as e:
            if not self._warned:
                print(f"warning: a curve artifact was not stored: {e}", file=sys.stderr)
            self._warned = True

    def _attach(self, study: optuna.Study, number: int, png: bytes) -> str:
        # Optuna's own upload_artifact reaches a study's storage the same way.
        storage: Any = study._storage
        study_id = storage.get_study_id_from_name(study.study_name)
        trial_id = storage.get_trial_id_from_study_id_trial_number(study_id, number)
        artifact_id = str(uuid.uuid4())
        self._store.write(artifact_id, io.BytesIO(png))
        meta = {
            "artifact_id": artifact_id,
            "filename": artifact_name(number),
            "mimetype": "image/png",
            "encoding": None,
        }
        key = f"{DASHBOARD_TRIAL_PREFIX}{trial_id}:{artifact_id}"
        storage.set_study_system_attr(study_id, key, json.dumps(meta))
        return artifact_id
