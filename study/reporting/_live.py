"""The report rewritten while a study runs, so a browser tab reloaded mid-study shows it."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from time import monotonic

import optuna

from study.errors import InputError
from study.reporting._build import build_report
from study.storage import study_record
from study.verdicts import judged_against_study

MAX_SHARE = 0.1
"""At most this share of the run's wall time goes to rewriting the page."""


class LiveReport:
    """Rewrite a running study's report, marked partial, every ``every`` trials it finishes.

    An Optuna ``optimize`` callback (see :func:`study.run`, whose ``callbacks`` take it): the
    page is built from the study the run holds and written by rename into ``folder``, so a
    browser tab reloaded mid-study shows the study so far, with a line saying the report is
    partial and when it was written. A page that cannot be written is said once on standard
    error; the run goes on. Write the whole report at the end with :func:`study.report`.

    Drawing a page takes seconds, so a page falls due every ``every`` trials but is written
    only while the time spent writing pages stays within ``max_share`` of the time since the
    callback was made; a page held back is written after the first trial that fits. Trials of
    a few seconds thus get a page less often than every ``every``, long trials exactly then.

    Args:
        folder: The folder of the page (``index.html``), made when the page is first written.
        storage_shown: The storage as the page names it (password masked).
        every: Finished trials between two rewrites.
        max_share: The largest share of the run's wall time spent writing pages, in (0, 1].

    Raises:
        InputError: ``every`` is below 1, ``max_share`` outside (0, 1], or ``folder`` is a
            file.
    """

    def __init__(
        self,
        folder: str | os.PathLike[str],
        storage_shown: str = "",
        every: int = 5,
        max_share: float = MAX_SHARE,
    ) -> None:
        if every < 1:
            raise InputError(f"`every` must be 1 or more, but got every={every}.")
        if not 0 < max_share <= 1:
            raise InputError(f"`max_share` must be in (0, 1], but got max_share={max_share}.")
        if os.path.exists(folder) and not os.path.isdir(folder):
            raise InputError(
                f"`folder` must be a folder, but got folder={os.fspath(folder)!r}, "
                "which is a file."
            )
        self._folder, self._shown, self._every = Path(folder), storage_shown, every
        self._share, self._start, self._spent = max_share, monotonic(), 0.0
        self._finished, self._due, self._warned = 0, False, False

    def __call__(self, study: optuna.Study, trial: optuna.trial.FrozenTrial) -> None:
        """Count the finished trial; rewrite the page when one is due and time allows."""
        self._finished += 1
        self._due = self._due or self._finished % self._every == 0
        began = monotonic()
        if not self._due or self._spent > self._share * (began - self._start):
            return
        self._due = False
        record = judged_against_study(study_record(study, self._shown))
        try:
            build_report(record, self._folder, partial=True)
        except (InputError, OSError) as e:
            if not self._warned:
                print(f"warning: the live report was not written: {e}", file=sys.stderr)
            self._warned = True
        self._spent += monotonic() - began
