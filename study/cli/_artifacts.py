"""``study run --artifacts DIR`` (or ``$STUDY_ARTIFACTS``): each finished trial's curve figure
as an Optuna artifact."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from study.errors import InputError


def check_artifacts_folder(folder: Path) -> None:
    """Refuse an ``--artifacts`` folder that is a file, lies under a file, or cannot be made.

    Nothing is made here: the folder is made when the first figure is stored.

    Raises:
        InputError: Any of these, before anything is opened.
    """
    try:
        if folder.exists() and not folder.is_dir():
            raise InputError(
                f"--artifacts must be a folder, but got --artifacts={folder}, which is a file."
            )
        existing = next((p for p in (folder, *folder.parents) if p.exists()), Path("."))
    except OSError as e:
        raise InputError(
            f"--artifacts cannot be used: {e.strerror}; pass a shorter or valid path."
        ) from None
    if not existing.is_dir():
        raise InputError(
            f"--artifacts={folder} lies under {existing}, which is a file; pass a folder path."
        )
    if not os.access(existing, os.W_OK | os.X_OK):
        raise InputError(
            f"--artifacts={folder} cannot be written ({existing} is not writable); "
            "pass a folder you can write to."
        )


def artifacts_callback(folder: Path | None, storage: str | None) -> tuple[Any, ...]:
    """The callback that stores curve figures during the run, where a store is configured.

    The store is ``--artifacts``, else ``$STUDY_ARTIFACTS``; with neither there is none (the
    kept weights' default folder beside the storage file holds weights only). A
    ``$STUDY_ARTIFACTS`` that cannot be used stores no figures, and the run says so once when
    it fails to keep weights there, as it does without figures.

    Args:
        folder: The ``--artifacts`` folder, or ``None``.
        storage: The run's storage URL; ``None`` for ``$STUDY_STORAGE`` or the default.

    Raises:
        InputError: The ``--artifacts`` folder cannot be used (see
            :func:`check_artifacts_folder`).
    """
    from study.storage import ARTIFACTS_ENV, mask_url, resolve_url  # optuna: not for --help

    if folder is None and os.environ.get(ARTIFACTS_ENV):
        try:
            folder = Path(os.environ[ARTIFACTS_ENV])
            check_artifacts_folder(folder)
        except InputError:
            return ()
    if folder is None:
        return ()
    check_artifacts_folder(folder)
    from study.reporting import CurveArtifacts

    return (CurveArtifacts(folder, mask_url(resolve_url(storage))),)
