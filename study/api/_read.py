"""Read a stored study: the one way every reading command and :func:`study.load` open it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from study.errors import InputError

if TYPE_CHECKING:
    import optuna

    from study.storage import StudyRecord


__all__ = ["load_record"]


def load_record(name: str, storage: str | None = None) -> StudyRecord:
    """Open stored study ``name`` read-only and return it as a typed record.

    The storage is opened without creating or changing anything in it. Complete trials carry
    their verdict judged against the whole study (:func:`study.verdicts.judged_against_study`),
    so ``show``, ``export``, ``report``, ``next`` and :func:`study.load` see the same verdicts.

    Args:
        name: The study's name.
        storage: Storage URL; ``None`` for ``$STUDY_STORAGE`` or ``sqlite:///studies.db``.

    Raises:
        InputError: No storage at the URL, no study of that name in it, or a study that
            ``python -m study`` cannot read (several objectives, or nothing it stored).
    """
    from study.storage import mask_url, resolve_url, study_record
    from study.verdicts import judged_against_study

    url = resolve_url(storage)
    loaded = _open_study(name, url)
    _check_made_by_study(loaded, mask_url(url))
    return judged_against_study(study_record(loaded, mask_url(url)))


def _open_study(name: str, url: str) -> optuna.Study:
    """Open study ``name`` of an existing storage read-only."""
    import optuna

    from study.storage import mask_url, open_storage

    opened = open_storage(url, must_exist=True)
    try:
        return optuna.load_study(study_name=name, storage=opened)
    except KeyError:
        names = sorted(s.study_name for s in optuna.get_all_study_summaries(opened))
        raise InputError(
            f"no study named {name!r} in {mask_url(url)}; studies there: "
            f"{', '.join(names) or 'none'}."
        ) from None


def _check_made_by_study(study: optuna.Study, shown: str) -> None:
    """Refuse a stored study that neither ``python -m study run`` nor its callbacks made.

    A study is read when it is single-objective and its definition or trials carry what
    ``study`` stores (search space, curves, diagnoses); a study that Optuna made directly
    (single- or multi-objective) has none of them. An empty study reads as one.

    Raises:
        InputError: The study has several objectives, or holds nothing of this tool.
    """
    from study.storage import keys

    directions = len(study.directions)
    if directions > 1:
        raise InputError(
            f"study {study.study_name!r} in {shown} has {directions} objectives, and "
            "`python -m study` reads single-objective studies that its `run` made; this "
            "command does not apply to it: open it with Optuna's own tools (optuna-dashboard)."
        )
    if keys.STUDY_FORMAT in study.user_attrs or keys.STUDY_FINGERPRINT in study.user_attrs:
        return
    trials = study.get_trials(deepcopy=False)
    ours = (keys.PARAMS, keys.CURVES, keys.LEGACY_CURVES)
    if not trials or any(k in t.user_attrs or k in t.system_attrs for t in trials for k in ours):
        return
    raise InputError(
        f"study {study.study_name!r} in {shown} holds no curves or diagnoses of "
        "`python -m study run` (Optuna made it directly); this command does not apply to it: "
        "open it with Optuna's own tools (optuna-dashboard)."
    )
